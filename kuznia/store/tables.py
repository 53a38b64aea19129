"""The metadata schema. Alembic migrations in ``migrations/`` must match it (a test checks)."""

from __future__ import annotations

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    Float,
    ForeignKey,
    ForeignKeyConstraint,
    Index,
    Integer,
    LargeBinary,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

from kuznia.store.types import AutoId, UTCDateTime

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

workspaces = Table(
    "workspaces",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("description", Text, nullable=False, default=""),
    Column("created_at", UTCDateTime, nullable=False),
)

experiments = Table(
    "experiments",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("archived_at", UTCDateTime, nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_activity", UTCDateTime, nullable=True),
    Column("run_count", Integer, nullable=False, default=0),
    UniqueConstraint("workspace_id", "name"),
)

runs = Table(
    "runs",
    metadata,
    Column("id", String(300), primary_key=True),
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), nullable=False),
    Column("experiment_id", String(36), ForeignKey("experiments.id", ondelete="CASCADE"), nullable=False),
    Column("number", Integer, nullable=False),
    Column("display_name", Text, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("run_type", String(255), nullable=False),
    Column("status", String(32), nullable=False),
    Column("parent_run_id", String(300), ForeignKey("runs.id", ondelete="CASCADE"), nullable=True),
    Column("created_at", UTCDateTime, nullable=False),
    Column("start_time", UTCDateTime, nullable=True),
    Column("end_time", UTCDateTime, nullable=True),
    Column("heartbeat_at", UTCDateTime, nullable=True),
    Column("error", JSON, nullable=True),
    # Submitted runs: what runs where, and the process that runs it.
    Column("compute_target", String(63), nullable=True),
    Column("snapshot_id", String(64), nullable=True),
    Column("definition", JSON, nullable=True),
    Column("timeline", JSON, nullable=True),
    Column("process_host", String(255), nullable=True),
    Column("process_id", Integer, nullable=True),
    Column("process_started", Float, nullable=True),
    Column("script_pid", Integer, nullable=True),
    UniqueConstraint("experiment_id", "number"),
    Index(None, "workspace_id", "created_at"),
    Index(None, "experiment_id", "created_at"),
    Index(None, "parent_run_id"),
    Index(None, "workspace_id", "status"),
    Index(None, "compute_target", "status", "created_at"),
)


def _key_value(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("run_id", String(300), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("value", Text, nullable=False),
        Index(None, "key", "run_id"),
    )


run_tags = _key_value("run_tags")
run_properties = _key_value("run_properties")

metric_summaries = Table(
    "metric_summaries",
    metadata,
    Column("run_id", String(300), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(255), primary_key=True),
    Column("kind", String(16), nullable=False),
    Column("count", BigInteger, nullable=False),
    Column("last_value", Float, nullable=True),
    Column("last_step", BigInteger, nullable=True),
    Column("last_timestamp", Float, nullable=True),
    Column("min_value", Float, nullable=True),
    Column("max_value", Float, nullable=True),
    Index(None, "name", "last_value"),
)

# Scalar points are stored in chunks: each row holds the packed steps, values
# and timestamps of one metric from one batch. A flush of 10⁵ points is a
# handful of rows, and a 10⁶-point history is read in a few hundred rows.
metric_chunks = Table(
    "metric_chunks",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("run_id", String(300), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("count", Integer, nullable=False),
    Column("min_step", BigInteger, nullable=False),
    Column("max_step", BigInteger, nullable=False),
    Column("steps", LargeBinary, nullable=False),
    Column("values", LargeBinary, nullable=False),
    Column("timestamps", LargeBinary, nullable=False),
    # where each block of 256 points has its min and max; lets long reads skip the points
    Column("in_step_order", Boolean, nullable=True),
    Column("aggregates", LargeBinary, nullable=True),
    Index(None, "run_id", "name", "min_step"),
)

metric_records = Table(
    "metric_records",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("run_id", String(300), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("name", String(255), nullable=False),
    Column("kind", String(16), nullable=False),
    Column("value", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Index(None, "run_id", "name"),
)

run_files = Table(
    "run_files",
    metadata,
    Column("run_id", String(300), ForeignKey("runs.id", ondelete="CASCADE"), primary_key=True),
    Column("path", String(1024), primary_key=True),
    Column("digest", String(64), nullable=False),
    Column("size", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

compute_targets = Table(
    "compute_targets",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("kind", String(32), nullable=False),
    Column("settings", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# Which blobs a workspace has uploaded: a client may skip uploading content its
# own workspace already holds, and never learns about other workspaces' blobs.
workspace_blobs = Table(
    "workspace_blobs",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("digest", String(64), primary_key=True),
    Column("size", BigInteger, nullable=False),
)

# Packs a workspace has uploaded (kuznia/blobs/packs.py): it holds every blob in them. One
# row per upload instead of one per blob: recording 10,000 rows cost more than packing
# the 10,000 files.
workspace_packs = Table(
    "workspace_packs",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("pack", String(32), primary_key=True),
)

snapshots = Table(
    "snapshots",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("id", String(64), primary_key=True),
    Column("file_count", Integer, nullable=False),
    Column("total_bytes", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

run_tokens = Table(
    "run_tokens",
    metadata,
    Column("token_hash", String(64), primary_key=True),
    Column("run_id", String(300), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("created_at", UTCDateTime, nullable=False),
)

run_log_chunks = Table(
    "run_log_chunks",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("run_id", String(300), ForeignKey("runs.id", ondelete="CASCADE"), nullable=False),
    Column("stream", String(255), nullable=False),
    Column("offset", BigInteger, nullable=False),
    Column("text", Text, nullable=False),
    UniqueConstraint("run_id", "stream", "offset"),
)

environments = Table(
    "environments",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("spec", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)

# The key vault: values are Fernet tokens; the key lives outside the database.
secrets = Table(
    "secrets",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(127), primary_key=True),
    Column("ciphertext", LargeBinary, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

models = Table(
    "models",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("description", Text, nullable=False, default=""),
    Column("framework", String(100), nullable=True),
    Column("framework_version", String(100), nullable=True),
    Column("datasets", JSON, nullable=False),
    # lineage: no foreign key, so a model outlives the run that made it
    Column("run_id", String(300), nullable=True, index=True),
    Column("experiment_name", String(255), nullable=True),
    Column("root", String(255), nullable=False),
    Column("manifest_digest", String(64), nullable=False),
    Column("file_count", Integer, nullable=False),
    Column("total_bytes", BigInteger, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
)


def _model_key_value(name: str) -> Table:
    return Table(
        name,
        metadata,
        Column("workspace_id", String(36), primary_key=True),
        Column("model_name", String(63), primary_key=True),
        Column("model_version", Integer, primary_key=True),
        Column("key", String(255), primary_key=True),
        Column("value", Text, nullable=False),
        ForeignKeyConstraint(
            ["workspace_id", "model_name", "model_version"],
            ["models.workspace_id", "models.name", "models.version"],
            ondelete="CASCADE",
        ),
        Index(None, "key", "value"),
    )


model_tags = _model_key_value("model_tags")
model_properties = _model_key_value("model_properties")

deployments = Table(
    "deployments",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("name", String(63), primary_key=True),
    Column("state", String(32), nullable=False),
    Column("models", JSON, nullable=False),
    Column("inference", JSON, nullable=False),
    Column("config", JSON, nullable=False),
    Column("description", Text, nullable=False, default=""),
    Column("tags", JSON, nullable=False),
    Column("local", Boolean, nullable=False, default=False),
    Column("generation", Integer, nullable=False),
    Column("serving_generation", Integer, nullable=True),
    Column("desired_replicas", Integer, nullable=False),
    Column("keys", LargeBinary, nullable=False),
    Column("error", Text, nullable=True),
    Column("host_pid", Integer, nullable=True),
    Column("telemetry", JSON, nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("updated_at", UTCDateTime, nullable=False),
)

deployment_replicas = Table(
    "deployment_replicas",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("workspace_id", String(36), nullable=False),
    Column("deployment", String(63), nullable=False),
    Column("generation", Integer, nullable=False),
    Column("state", String(16), nullable=False),
    Column("host", String(255), nullable=False),
    Column("pid", Integer, nullable=True),
    Column("port", Integer, nullable=True),
    Column("restarts", Integer, nullable=False, default=0),
    Column("started_at", UTCDateTime, nullable=False),
    ForeignKeyConstraint(["workspace_id", "deployment"], ["deployments.workspace_id", "deployments.name"],
                         ondelete="CASCADE"),
    Index(None, "workspace_id", "deployment"),
)

users = Table(
    "users",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("name", String(63), nullable=False, unique=True),
    Column("is_admin", Boolean, nullable=False, default=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("created_at", UTCDateTime, nullable=False),
)

api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(36), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), nullable=False, index=True),
    Column("name", String(100), nullable=False),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("prefix", String(12), nullable=False),
    Column("created_at", UTCDateTime, nullable=False),
    Column("last_used_at", UTCDateTime, nullable=True),
    Column("revoked_at", UTCDateTime, nullable=True),
)

workspace_members = Table(
    "workspace_members",
    metadata,
    Column("workspace_id", String(36), ForeignKey("workspaces.id", ondelete="CASCADE"), primary_key=True),
    Column("user_id", String(36), ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("role", String(16), nullable=False),
    Column("added_at", UTCDateTime, nullable=False),
)

audit_log = Table(
    "audit_log",
    metadata,
    Column("id", AutoId, primary_key=True, autoincrement=True),
    Column("workspace_id", String(36), nullable=True),
    Column("at", UTCDateTime, nullable=False),
    Column("actor", String(400), nullable=False),
    Column("action", String(100), nullable=False),
    Column("resource", String(1200), nullable=False),
    Column("details", JSON, nullable=False),
    Index(None, "workspace_id", "id"),
)
