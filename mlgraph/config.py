"""One typed settings object, read from `MLGRAPH_*` environment variables or given
directly (tests and the CLI build their own)."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

DEFAULT_PORT = 8731  # clear of PostgreSQL, MariaDB, Redis, RabbitMQ, MQTT, NATS, MLflow
# SQLite readers map the database file from this size on, unless told otherwise. The
# setting is declared here, below storage, so that reading settings (as the SDK does)
# loads no database code; the store takes its default from here.
SQLITE_MMAP_FROM_MIB = 256


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MLGRAPH_", extra="ignore")

    environment: Literal["development", "test", "production"] = "development"
    data_dir: Path = Path("data")
    database_url: str = ""  # empty: a SQLite file under data_dir
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    max_body_bytes: int = 16_000_000  # DataHub's GMS limit, so its clients' batches fit
    max_artifact_bytes: int = 2_000_000_000  # one MLflow artifact upload
    auto_migrate: bool = True
    default_actor: str = "urn:li:corpuser:anonymous"
    # "on": every request is authenticated (a token, or a user's password) and every
    # write is checked against the caller's roles and ownership. "off": no sign-in, any
    # caller may write as any actor; allowed only on a loopback host in production.
    auth: Literal["off", "on"] = "off"
    # With auth on, may callers without credentials read? Default: yes on a loopback
    # host, no beyond it.
    anonymous_read: bool | None = None
    token_default_days: int = 90
    token_max_days: int = 365
    # A web UI sign-in lasts this long (the session is a short-lived API token whose
    # secret is the HttpOnly cookie).
    session_hours: int = 12
    # OpenID Connect sign-in (docs/security.md), on when an issuer and a client are
    # set: the provider's issuer URL, this catalog's client there, the claims naming the
    # user and their groups, and which groups grant which roles (JSON object in
    # MLGRAPH_OIDC_ROLES, e.g. {"ml-approvers": "approver"}); a user in none of them
    # gets `oidc_default_roles`. Roles follow the provider at every sign-in.
    oidc_issuer: str = ""
    oidc_client_id: str = ""
    oidc_client_secret: SecretStr = SecretStr("")
    oidc_name: str = "single sign-on"  # the sign-in button says "Sign in with <name>"
    oidc_scopes: str = "openid profile email groups"
    oidc_username_claim: str = "preferred_username"
    oidc_groups_claim: str = "groups"
    oidc_roles: dict[str, str] = {}
    oidc_default_roles: list[str] = ["viewer"]
    # Lineage tags a run must carry before a model version can be registered from it
    # (JSON list in MLGRAPH_REQUIRED_RUN_TAGS); a model group can add its own.
    required_run_tags: list[str] = []
    # Moving a model version into these stages or aliases takes an approved approval
    # request (JSON lists); a model group can set its own (services/approvals.py).
    protected_stages: list[str] = ["Production"]
    protected_aliases: list[str] = ["champion"]
    approval_days: int = 14  # an open or approved, unused request lapses after this
    # SQLite: map the database file for reads once it reaches this many MiB (0: always,
    # -1: never). Below it, pages are read through SQLite's own small cache.
    sqlite_mmap_from_mib: int = SQLITE_MMAP_FROM_MIB

    @property
    def sqlite_mmap_from(self) -> int | None:
        """`sqlite_mmap_from_mib` in bytes, or None for never."""
        return None if self.sqlite_mmap_from_mib < 0 else self.sqlite_mmap_from_mib << 20

    @model_validator(mode="after")
    def _defaults(self) -> Settings:
        if not self.database_url:
            self.database_url = f"sqlite:///{(self.data_dir / 'mlgraph.db').as_posix()}"
        if self.environment == "production" and not self.loopback and self.auth != "on":
            raise ValueError(
                "production on a non-loopback host needs authentication: set MLGRAPH_AUTH=on "
                "and create the first admin with `mlgraph users create-admin NAME` "
                "(docs/security.md), or bind to 127.0.0.1"
            )
        if not 1 <= self.token_default_days <= self.token_max_days:
            raise ValueError("token_default_days must be between 1 and token_max_days")
        return self

    @property
    def loopback(self) -> bool:
        return self.host in ("127.0.0.1", "localhost", "::1")

    @property
    def anonymous_reads(self) -> bool:
        """May a caller without credentials read (with auth on)?"""
        return self.loopback if self.anonymous_read is None else self.anonymous_read

    @property
    def url(self) -> str:
        return f"http://{self.host}:{self.port}"
