"""The workspace's operations, one module per resource. Never imports FastAPI."""
