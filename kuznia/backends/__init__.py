"""The Backend protocol and its two implementations: in-process and HTTP."""

from kuznia.backends.base import Backend

__all__ = ["Backend"]
