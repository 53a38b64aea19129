"""pydantic models of every resource: the one contract of store, API, client and SDK."""
