"""`mlgraph users` and `mlgraph tokens`: accounts, roles and API tokens, managed on the
catalog's own database (whoever may open it is its administrator), so that the first
admin can be made before anybody can sign in."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING

import click

from mlgraph.config import Settings
from mlgraph.errors import MlgraphError
from mlgraph.model.urn import user_urn

if TYPE_CHECKING:
    from mlgraph.runtime import Services

_database = click.option(
    "--database-url", default=None, help="SQLAlchemy URL; default SQLite under the data dir."
)
_data_dir = click.option(
    "--data-dir", type=click.Path(path_type=Path), default=None, help="Where the SQLite file lives."
)


@contextmanager
def _services(data_dir: Path | None, database_url: str | None) -> Iterator[Services]:
    from mlgraph.runtime import build_services

    given: dict[str, object] = {}
    if data_dir is not None:
        given["data_dir"] = data_dir
    if database_url:
        given["database_url"] = database_url
    services = build_services(Settings(**given))  # type: ignore[arg-type]
    try:
        yield services
    except MlgraphError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        services.close()


def _password(from_stdin: bool) -> str:
    if from_stdin:
        return sys.stdin.readline().rstrip("\n")
    value: str = click.prompt("Password", hide_input=True, confirmation_prompt=True)
    return value


def _when(ms: int | None) -> str:
    if ms is None:
        return "-"
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%d %H:%M UTC")


@click.group()
def users() -> None:
    """Local accounts and their roles (on this catalog's database)."""


@users.command("create-admin")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@_database
@_data_dir
def create_admin(
    username: str, password_stdin: bool, database_url: str | None, data_dir: Path | None
) -> None:
    """Create USERNAME as an admin, with a password (asked for, never an argument)."""
    password = _password(password_stdin)
    with _services(data_dir, database_url) as services:
        urn = services.identity.create_user(username, password, ["admin"])
    click.echo(f"created {urn} with the admin role")


@users.command("create")
@click.argument("username")
@click.option(
    "--role",
    "roles",
    multiple=True,
    default=("viewer",),
    show_default=True,
    help="viewer, editor, approver or admin (repeat for several).",
)
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@click.option("--no-password", is_flag=True, help="Tokens only: no password sign-in.")
@_database
@_data_dir
def create_user(
    username: str,
    roles: tuple[str, ...],
    password_stdin: bool,
    no_password: bool,
    database_url: str | None,
    data_dir: Path | None,
) -> None:
    """Create USERNAME with ROLES."""
    password = None if no_password else _password(password_stdin)
    with _services(data_dir, database_url) as services:
        urn = services.identity.create_user(username, password, roles)
    click.echo(f"created {urn} with roles {', '.join(sorted(set(roles)))}")


@users.command("password")
@click.argument("username")
@click.option("--password-stdin", is_flag=True, help="Read the password from standard input.")
@_database
@_data_dir
def set_password(
    username: str, password_stdin: bool, database_url: str | None, data_dir: Path | None
) -> None:
    """Set USERNAME's password (asked for, never an argument)."""
    password = _password(password_stdin)
    with _services(data_dir, database_url) as services:
        services.identity.set_password(user_urn(username), password)
    click.echo(f"password set for {user_urn(username)}")


@users.command("roles")
@click.argument("principal")
@click.argument("roles", nargs=-1)
@_database
@_data_dir
def set_roles(
    principal: str, roles: tuple[str, ...], database_url: str | None, data_dir: Path | None
) -> None:
    """Grant exactly ROLES to PRINCIPAL (a user name, or a user or group URN)."""
    urn = principal if principal.startswith("urn:") else user_urn(principal)
    with _services(data_dir, database_url) as services:
        services.identity.set_roles(urn, roles)
    click.echo(f"{urn}: {', '.join(sorted(set(roles))) or 'no roles'}")


@users.command("list")
@_database
@_data_dir
def list_users(database_url: str | None, data_dir: Path | None) -> None:
    """Every account, its roles, and whether it is disabled."""
    with _services(data_dir, database_url) as services:
        for u in services.identity.users():
            state = "disabled" if u["disabled"] else "active"
            click.echo(f"{u['urn']}\t{','.join(u['roles']) or '-'}\t{state}")


@click.group()
def tokens() -> None:
    """API tokens (on this catalog's database)."""


@tokens.command("create")
@click.option("--user", "username", required=True, help="Whose token it is.")
@click.option("--name", required=True, help="What it is for (shown in listings).")
@click.option("--days", type=int, default=None, help="Lifetime (default: the server's).")
@_database
@_data_dir
def create_token(
    username: str, name: str, days: int | None, database_url: str | None, data_dir: Path | None
) -> None:
    """Create a token and print it, once: store it now (MLGRAPH_TOKEN, say)."""
    with _services(data_dir, database_url) as services:
        new = services.identity.create_token(user_urn(username), name, days=days)
    click.echo(new.secret)
    click.echo(f"token {new.token.id}, expires {_when(new.token.expires_at)}", err=True)


@tokens.command("list")
@click.option("--user", "username", default=None, help="Only this user's tokens.")
@_database
@_data_dir
def list_tokens(username: str | None, database_url: str | None, data_dir: Path | None) -> None:
    """Tokens, without their secrets: id, owner, name, expiry, last use."""
    with _services(data_dir, database_url) as services:
        rows = services.identity.tokens(user_urn(username) if username else None)
    for r in rows:
        state = "revoked" if r.revoked_at else f"expires {_when(r.expires_at)}"
        click.echo(f"{r.id}\t{r.owner_urn}\t{r.name}\t{state}\tlast used {_when(r.last_used_at)}")


@tokens.command("revoke")
@click.argument("token_id")
@_database
@_data_dir
def revoke_token(token_id: str, database_url: str | None, data_dir: Path | None) -> None:
    """Revoke a token: refused from the next request on."""
    with _services(data_dir, database_url) as services:
        row = services.identity.revoke_token(token_id)
    click.echo(f"revoked {row.id} ({row.owner_urn}, {row.name})")


COMMANDS = (users, tokens)
