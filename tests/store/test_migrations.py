"""The schema: Alembic migrations from empty, agreement with the metadata, concurrent opens."""

from __future__ import annotations

import multiprocessing
import uuid

import psycopg
import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory

from kuznia.store import database
from kuznia.store.database import SCHEMA_REVISION, Database
from kuznia.store.tables import metadata
from tests.conftest import POSTGRES_ADMIN


@pytest.fixture(params=["sqlite", "postgresql"])
def empty_db(request, tmp_path):
    if request.param == "sqlite":
        yield Database(f"sqlite:///{tmp_path / 'm.db'}")
        return
    name = f"kuznia_mig_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = POSTGRES_ADMIN.rsplit("/", 1)[0].replace("postgresql://", "postgresql+psycopg://", 1)
    db = Database(f"{base}/{name}")
    yield db
    db.dispose()
    with psycopg.connect(POSTGRES_ADMIN, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def test_upgrade_from_empty_matches_the_models(empty_db):
    assert empty_db.revision() is None
    empty_db.migrate()
    assert empty_db.revision() == SCHEMA_REVISION
    with empty_db.engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), metadata)
    assert diff == [], f"tables.py and the migrations disagree: {diff}"


def test_schema_revision_constant_is_the_alembic_head():
    from alembic.config import Config

    config = Config()
    config.set_main_option("script_location", str(database._MIGRATIONS))
    assert ScriptDirectory.from_config(config).get_current_head() == SCHEMA_REVISION


def _open(path: str) -> str:
    db = Database(f"sqlite:///{path}")
    db.migrate()
    return db.revision() or ""


def test_many_processes_opening_a_new_store_at_once(tmp_path):
    path = str(tmp_path / "race.db")
    ctx = multiprocessing.get_context("spawn")
    with ctx.Pool(6) as pool:
        revisions = pool.map(_open, [path] * 6)
    assert revisions == [SCHEMA_REVISION] * 6


def test_bad_database_urls_are_clear_errors():
    from kuznia.errors import InvalidInput

    with pytest.raises(InvalidInput, match="not a valid"):
        Database("not a url")
    with pytest.raises(InvalidInput, match="not supported"):
        Database("mysql://x@y/z")
