"""Content-addressed blob storage over fsspec (store.py) in loose files and packs (packs.py)."""
