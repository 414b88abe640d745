"""The tables. Portable across SQLite and PostgreSQL; Alembic migrations create them."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    Boolean,
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    false,
    text,
)

metadata = MetaData()

# One row per entity: its identity fields (from the URN key) for listing and filters.
entities = Table(
    "entities",
    metadata,
    Column("urn", String, primary_key=True),
    Column("entity_type", String(64), nullable=False),
    Column("platform", String(255)),
    Column("name", Text, nullable=False),
    Column("env", String(32)),
    Column("removed", Boolean, nullable=False, default=False),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
    Index("ix_entities_type_urn", "entity_type", "urn"),
    Index("ix_entities_type_platform_env", "entity_type", "platform", "env", "urn"),
    Index("ix_entities_updated", "updated_at"),
    # A type's entities by time (the search page sorted by "updated"): migration 0009.
    Index("ix_entities_type_updated", "entity_type", "updated_at", "urn"),
    # Soft-deleted entities only (few), so searches can leave them out without a scan.
    Index(
        "ix_entities_removed",
        "urn",
        sqlite_where=text("removed = 1"),
        postgresql_where=text("removed"),
    ),
)

# Entities per type, live and soft-deleted, kept by triggers on `entities` (made by
# migration 0005, per dialect) so the home page and /api/v1/stats never scan `entities`.
# The true count of a type is the sum over its slots: SQLite keeps one row per type
# (slot 0); on PostgreSQL each connection adds to its own slot (its backend pid), so
# concurrent writers never wait on, or deadlock over, a shared counter row.
entity_counts = Table(
    "entity_counts",
    metadata,
    Column("entity_type", String(64), primary_key=True),
    Column("slot", BigInteger, primary_key=True),
    Column("live", BigInteger, nullable=False),
    Column("removed", BigInteger, nullable=False),
)

# The latest version of each aspect. `version` counts from 1 and is the optimistic-
# concurrency token: a write that expects version N updates only where version = N.
aspects = Table(
    "aspects",
    metadata,
    Column("urn", String, primary_key=True),
    Column("aspect", String(128), primary_key=True),
    Column("version", Integer, nullable=False),
    Column("value", Text, nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("actor", String(512), nullable=False),
    Column("run_id", String(255)),
)

# Every earlier version of an aspect, moved here when a newer one replaces it.
# A deleted aspect leaves a tombstone row (value NULL) so history stays complete.
aspect_history = Table(
    "aspect_history",
    metadata,
    Column("urn", String, primary_key=True),
    Column("aspect", String(128), primary_key=True),
    Column("version", Integer, primary_key=True),
    Column("value", Text),
    Column("created_at", BigInteger, nullable=False),
    Column("actor", String(512), nullable=False),
    Column("run_id", String(255)),
)

# Relationship edges derived from aspects, in the write's own transaction.
# `lineage` says where the target sits relative to the source: 'upstream',
# 'downstream', or NULL for non-lineage relationships (ownership, tags, ...).
edges = Table(
    "edges",
    metadata,
    Column("source_urn", String, primary_key=True),
    Column("aspect", String(128), primary_key=True),
    Column("rel", String(64), primary_key=True),
    Column("target_urn", String, primary_key=True),
    Column("lineage", String(16)),
    Index("ix_edges_target", "target_urn", "rel", "source_urn"),
)

# Full-text documents: one per entity (all its searchable aspects), text already
# tokenised by the service (lower-case alphanumeric words), so SQLite FTS5 and
# PostgreSQL full-text index the same words. The FTS machinery itself (an FTS5 table
# and triggers on SQLite, a GIN expression index on PostgreSQL) is created by the
# migration, per dialect.
search_docs = Table(
    "search_docs",
    metadata,
    Column("urn", String, primary_key=True),
    Column("text", Text, nullable=False),
)

# Structured values the filter grammar and facets reach: kind 'param', 'metric' or
# 'tag' (`params.x`, `metrics.x`, `tags.x`) and 'facet' (alias, subtype, algorithm).
entity_properties = Table(
    "entity_properties",
    metadata,
    Column("urn", String, primary_key=True),
    Column("aspect", String(128), primary_key=True),
    Column("kind", String(16), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("value_text", Text),
    Column("value_num", Float),
    Index("ix_properties_num", "kind", "key", "value_num", "urn"),
    Index("ix_properties_text", "kind", "key", "value_text", "urn"),
)

# Time series of a run's metrics (MLflow's metric history): appended, never versioned.
# The latest value of each metric lives in the run's mlTrainingRunProperties aspect.
# NaN is value 0 with `is_nan` true (SQLite has no NaN), as in MLflow's own tables.
metric_points = Table(
    "metric_points",
    metadata,
    Column("urn", String, primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("timestamp", BigInteger, primary_key=True),
    Column("step", BigInteger, primary_key=True),
    Column("value", Float, primary_key=True),
    Column("is_nan", Boolean, primary_key=True, server_default=false()),
)

# Identifiers other systems give entities, e.g. MLflow's experiment ids (`mlflow`,
# `experiment`, "3"), so a peer's API can find an entity by its own id or name. One
# row per id, and names unique within a system's kind: the constraints, not a check
# before the write, keep two experiments from sharing a name or an id. `number` is the
# id as an integer when it is one, for "the next id".
external_ids = Table(
    "external_ids",
    metadata,
    Column("system", String(64), primary_key=True),
    Column("kind", String(64), primary_key=True),
    Column("key", String(255), primary_key=True),
    Column("urn", String, nullable=False),
    Column("name", Text),
    Column("number", BigInteger),
    Index("ux_external_ids_name", "system", "kind", "name", unique=True),
    Index("ix_external_ids_urn", "urn"),
)

# Sign-in. A person is the catalog's `corpuser` entity; `accounts` holds what lets them
# sign in (a password hash from argon2, never the password) and whether they may.
accounts = Table(
    "accounts",
    metadata,
    Column("urn", String(512), primary_key=True),
    Column("password_hash", Text),  # NULL: no password (tokens or OpenID only)
    Column("disabled", Boolean, nullable=False, server_default=false()),
    Column("created_at", BigInteger, nullable=False),
    Column("updated_at", BigInteger, nullable=False),
)

# Roles granted to a user or a group (`viewer`, `editor`, `approver`, `admin`).
role_grants = Table(
    "role_grants",
    metadata,
    Column("principal_urn", String(512), primary_key=True),
    Column("role", String(32), primary_key=True),
    Column("granted_at", BigInteger, nullable=False),
    Column("granted_by", String(512), nullable=False),
)

# API tokens: the secret is shown once and kept only as its SHA-256 (a token is 256
# random bits, so a slow hash adds nothing); `id` is public, for listing and revoking.
api_tokens = Table(
    "api_tokens",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("owner_urn", String(512), nullable=False),
    Column("name", Text, nullable=False),
    Column("secret_hash", String(64), nullable=False),
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),
    Column("last_used_at", BigInteger),
    Column("revoked_at", BigInteger),
    Index("ux_api_tokens_secret", "secret_hash", unique=True),
    Index("ix_api_tokens_owner", "owner_urn"),
)

# The audit log: every write and every security event, appended and never changed
# (triggers refuse UPDATE and DELETE; a hard delete of an entity leaves its rows).
audit_log = Table(
    "audit_log",
    metadata,
    Column(
        "id", BigInteger().with_variant(Integer, "sqlite"), primary_key=True, autoincrement=True
    ),
    Column("at", BigInteger, nullable=False),  # epoch ms
    Column("kind", String(64), nullable=False),  # write, sign_in_failed, token_created, ...
    Column("actor", String(512), nullable=False),  # a corpuser URN
    Column("token_id", String(32)),
    Column("door", String(32)),
    Column("address", String(64)),
    Column("urn", String),
    Column("aspect", String(255)),
    Column("version_before", BigInteger),
    Column("version_after", BigInteger),
    Column("detail", Text),  # JSON object, or NULL
    Index("ix_audit_log_at", "at"),
    Index("ix_audit_log_actor", "actor", "id"),
    Index("ix_audit_log_urn", "urn", "id"),
    Index("ix_audit_log_kind", "kind", "id"),
)

# Approval requests: moving a model version into a protected stage or alias (Production,
# `champion`) takes one, approved by an approver who is not its requester.
approval_requests = Table(
    "approval_requests",
    metadata,
    Column("id", String(32), primary_key=True),
    Column("model_urn", String(512), nullable=False),  # the mlModel (a registered version)
    Column("group_urn", String(512)),
    Column("target", String(255), nullable=False),  # "stage:Production" or "alias:champion"
    Column("requester", String(512), nullable=False),
    Column("comment", Text),
    Column("evidence", Text, nullable=False),  # JSON list of {label, link}
    Column("state", String(16), nullable=False),  # pending approved rejected withdrawn
    Column("created_at", BigInteger, nullable=False),
    Column("expires_at", BigInteger, nullable=False),  # pending ones lapse then
    Column("decided_by", String(512)),
    Column("decided_at", BigInteger),
    Column("decision_comment", Text),
    Column("applied_at", BigInteger),  # when the move it allowed was made (used once)
    Index("ix_approval_requests_model", "model_urn", "target"),
    Index("ix_approval_requests_state", "state", "created_at"),
)
