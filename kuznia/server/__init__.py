"""The REST API of ``kuznia server`` (FastAPI): thin routers over the services."""
