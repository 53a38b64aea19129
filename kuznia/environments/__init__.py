"""Environment specs made real: uv-built virtualenvs in a cache keyed by the spec's hash."""
