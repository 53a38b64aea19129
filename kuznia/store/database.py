"""Engine setup for SQLite and PostgreSQL, transactions, and schema migration.

SQLite notes: WAL lets readers run beside one writer; every write transaction
starts with ``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead
of failing with "database is locked" when a read lock is upgraded.
"""

from __future__ import annotations

import hashlib
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import Connection, Engine, create_engine, event, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, OperationalError

from kuznia.errors import InvalidInput, ServiceUnavailable

SCHEMA_REVISION = "0008"  # the head of migrations/versions; a test keeps them in step
_MIGRATIONS = Path(__file__).parent / "migrations"
_SQLITE_BUSY_MS = 60_000


class Database:
    """One database: an engine plus the two kinds of transaction we use."""

    def __init__(self, url: str) -> None:
        try:
            parsed = make_url(url)
        except ArgumentError:
            raise InvalidInput(f"database URL {url!r} is not a valid SQLAlchemy URL") from None
        self.url = url
        self.dialect = parsed.get_backend_name()
        if self.dialect not in ("sqlite", "postgresql"):
            raise InvalidInput(
                f"database URL: {self.dialect!r} is not supported; use sqlite:/// or postgresql+psycopg://"
            )
        if self.dialect == "sqlite":
            self.engine = _sqlite_engine(url)
        else:
            self.engine = create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=20)
        self._migrated = False
        self._lock = threading.Lock()

    @property
    def is_sqlite(self) -> bool:
        return self.dialect == "sqlite"

    @contextmanager
    def read(self) -> Iterator[Connection]:
        """A read transaction (snapshot on PostgreSQL, deferred on SQLite)."""
        with self._connect() as conn, conn.begin():
            yield conn

    @contextmanager
    def write(self) -> Iterator[Connection]:
        """A write transaction; committed when the block ends without an error."""
        with self._connect(write=True) as conn, conn.begin():
            yield conn

    @contextmanager
    def _connect(self, write: bool = False) -> Iterator[Connection]:
        try:
            conn = self.engine.connect()
        except OperationalError as exc:
            raise ServiceUnavailable(f"cannot connect to the database: {_first_line(exc)}") from None
        try:
            if write:
                conn = conn.execution_options(kuznia_write=True)
            yield conn
        finally:
            conn.close()

    def revision(self) -> str | None:
        with self._connect() as conn:
            try:
                return conn.execute(text("SELECT version_num FROM alembic_version")).scalar()
            except OperationalError:
                return None
            except Exception:  # PostgreSQL raises ProgrammingError for a missing table
                conn.rollback()
                return None

    def migrate(self) -> None:
        """Bring the schema to the latest revision; safe when many processes do it at once."""
        if self._migrated:
            return
        with self._lock:
            if self._migrated or self.revision() == SCHEMA_REVISION:
                self._migrated = True
                return
            with self._exclusive():
                if self.revision() != SCHEMA_REVISION:
                    _run_alembic_upgrade(self.engine)
            self._migrated = True

    @contextmanager
    def _exclusive(self) -> Iterator[None]:
        if self.is_sqlite:
            from filelock import FileLock

            database = make_url(self.url).database or ""
            with FileLock(f"{database}.migrate.lock", timeout=120):
                yield
        else:
            key = int.from_bytes(hashlib.sha256(b"kuznia-migrate").digest()[:7], "big")
            with self.engine.connect() as conn:
                conn.execute(text("SELECT pg_advisory_lock(:k)"), {"k": key})
                conn.commit()
                try:
                    yield
                finally:
                    conn.execute(text("SELECT pg_advisory_unlock(:k)"), {"k": key})
                    conn.commit()

    def dispose(self) -> None:
        self.engine.dispose()


def _sqlite_engine(url: str) -> Engine:
    engine = create_engine(
        url,
        connect_args={"timeout": _SQLITE_BUSY_MS / 1000, "check_same_thread": False},
        pool_size=8,
        max_overflow=16,
    )

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record):  # noqa: ANN001
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={_SQLITE_BUSY_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        # metric chunks are large blobs: a bigger page cache and memory-mapped reads
        # halve the time of a long history read
        cursor.execute("PRAGMA cache_size=-65536")
        cursor.execute("PRAGMA mmap_size=268435456")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Connection) -> None:
        immediate = conn.get_execution_options().get("kuznia_write")
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    return engine


def _run_alembic_upgrade(engine: Engine) -> None:
    from alembic import command
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(_MIGRATIONS))
    with engine.begin() as conn:
        config.attributes["connection"] = conn
        command.upgrade(config, "head")


def _first_line(exc: BaseException) -> str:
    return str(getattr(exc, "orig", exc)).strip().splitlines()[0][:300]
