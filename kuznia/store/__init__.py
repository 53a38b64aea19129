"""Persistence: SQLAlchemy tables and one module of functions per resource.

Functions take a ``Connection`` (opened by ``Database.read()`` / ``write()``)
and return entities. Dialect differences live in ``dialects.py``.
"""
