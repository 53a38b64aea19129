"""Content-addressed blob storage over fsspec."""

from kuznia.blobs.store import BlobStore

__all__ = ["BlobStore"]
