"""Commands that read and write a running catalog through the SDK: `get`, `put`,
`history` and `demo`. Each is a thin wrapper: parse the arguments, make one SDK call,
print the answer; a server error is printed with its message and exits 1."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import click
import yaml
from rich.console import Console
from rich.table import Table

from mlgraph.errors import MlgraphError
from mlgraph.sdk import DEFAULT_URL, Client

F = TypeVar("F", bound=Callable[..., Any])


def url_option(func: F) -> F:
    """`--url`, else MLGRAPH_URL, else the default local server."""
    return click.option(
        "--url",
        envvar="MLGRAPH_URL",
        default=DEFAULT_URL,
        show_default=True,
        help="The mlgraph server (env MLGRAPH_URL).",
    )(func)


@contextmanager
def connected(url: str) -> Iterator[Client]:
    """A client for `url` (or the `Client` given as the click context object, which
    lets tests run commands against an in-process app); any `MlgraphError` becomes a
    one-line message and exit 1."""
    ctx = click.get_current_context(silent=True)
    given = ctx.find_object(Client) if ctx is not None else None
    try:
        if given is not None:
            yield given
            return
        with Client.from_env(url=url) as client:
            yield client
    except MlgraphError as exc:
        # The SDK keeps only the codes of mlgraph's own error classes; a code it does
        # not know (e.g. `invalid_urn`) arrives as the generic "error".
        label = exc.code if exc.code != MlgraphError.code else f"HTTP {exc.status}"
        raise click.ClickException(f"{label}: {exc.message}") from None


@click.command()
@click.argument("urn")
@click.option(
    "--aspect", "aspects", multiple=True, help="Only this aspect; repeat for more (default all)."
)
@url_option
def get(urn: str, aspects: tuple[str, ...], url: str) -> None:
    """Print an entity and its aspects as JSON."""
    with connected(url) as client:
        entity = client.entities.get(urn)
    names = list(aspects) or entity.aspect_names
    missing = [a for a in names if a not in entity.aspect_names]
    if missing:
        raise click.ClickException(f"not_found: {urn} has no aspect {', '.join(missing)}")
    out = {
        "urn": entity.urn,
        "type": entity.entity_type,
        "removed": entity.removed,
        "aspects": {name: entity.aspect_value(name) for name in names},
    }
    click.echo(json.dumps(out, indent=2, ensure_ascii=False))


def read_proposals(path: Path) -> list[dict[str, Any]]:
    """A list of proposals, or `{"proposals": [...]}`, from a JSON or YAML file."""
    text = path.read_text(encoding="utf-8")
    try:
        data = json.loads(text) if path.suffix.lower() == ".json" else yaml.safe_load(text)
    except (json.JSONDecodeError, yaml.YAMLError) as exc:
        raise click.ClickException(f"{path} is not valid JSON or YAML: {exc}") from None
    if isinstance(data, dict) and "proposals" in data:
        data = data["proposals"]
    if not isinstance(data, list) or not all(isinstance(p, dict) for p in data):
        raise click.ClickException(
            f'{path} must hold a list of proposals or {{"proposals": [...]}}'
        )
    return data


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@url_option
def put(file: Path, url: str) -> None:
    """Apply the proposals in FILE (JSON or YAML) as one atomic batch."""
    proposals = read_proposals(file)
    with connected(url) as client:
        results = client.proposals.apply(proposals)
    table = Table("op", "urn", "aspect", "version", "changed")
    for r in results:
        version = "" if r.version is None else str(r.version)
        table.add_row(r.op, r.urn, r.aspect or "", version, "yes" if r.changed else "no")
    _console().print(table)
    changed = sum(r.changed for r in results)
    click.echo(f"{len(results)} proposal(s) applied, {changed} changed")


@click.command()
@click.argument("urn")
@click.argument("aspect")
@click.option("--limit", type=click.IntRange(1, 1000), default=100, show_default=True)
@url_option
def history(urn: str, aspect: str, limit: int, url: str) -> None:
    """List the stored versions of one aspect, newest first."""
    with connected(url) as client:
        versions = client.aspects.history(urn, aspect, limit=limit)
    table = Table("version", "time (UTC)", "actor", "run id", title=f"{aspect} of {urn}")
    for v in versions:
        when = datetime.fromtimestamp(v.created_at / 1000, UTC).strftime("%Y-%m-%d %H:%M:%S")
        label = f"{v.version} (deleted)" if v.deleted else str(v.version)
        table.add_row(label, when, v.actor, v.run_id or "")
    _console().print(table)


@click.command()
@url_option
def demo(url: str) -> None:
    """Load the demo catalog into a running server through the SDK."""
    from mlgraph.demo import load_demo

    with connected(url) as client:
        count = load_demo(client)
    click.echo(f"demo catalog loaded into {url}: {count} entities created or changed")


def _console() -> Console:
    # Wide enough for full URNs; click's runner and pipes are not terminals.
    return Console(width=200, soft_wrap=True)


COMMANDS = (get, put, history, demo)
