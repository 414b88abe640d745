"""Lineage commands over the SDK: `lineage` (a walk, or `lineage diff A B`),
`training-data`, `impact`, `endpoints`, `ancestry` and `approved`. Each makes one SDK
call and prints a readable answer; a server error is one line and exit 1."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import click
from rich import box
from rich.console import Console
from rich.table import Table

from mlgraph.cli.catalog import connected, url_option
from mlgraph.errors import MlgraphError
from mlgraph.model.registry import parse_urn
from mlgraph.sdk import Comparison, Lineage, LineageNode, SetDiff, ValueChange

DIRECTIONS = ("upstream", "downstream", "both")
FIELD = "urn:li:schemaField:("


def _console() -> Console:
    # Never wrap a cell: full URNs must stay whole so they can be copied and grepped.
    return Console(width=1000, soft_wrap=True)


def _table(*columns: str, title: str | None = None) -> Table:
    return Table(*columns, title=title, box=box.SIMPLE_HEAD, show_edge=False, title_justify="left")


def short(urn: str) -> str:
    """An entity's name from its URN (`transactions.amount` for a column)."""
    if urn.startswith(FIELD) and urn.endswith(")"):
        parent, _, field = urn[len(FIELD) : -1].rpartition(",")
        return f"{short(parent)}.{field}"
    try:
        return parse_urn(urn)[2].name or urn
    except MlgraphError:
        return urn


def _names(urns: Iterable[str], known: Mapping[str, str] | None = None) -> str:
    known = known or {}
    return ", ".join(known.get(u) or short(u) for u in urns)


def _split(values: Sequence[str]) -> list[str]:
    """`--type a --type b` and `--type a,b` alike."""
    return [v.strip() for value in values for v in value.split(",") if v.strip()]


# -- mlgraph lineage [show] URN / mlgraph lineage diff A B -----------------------


class _LineageGroup(click.Group):
    """`mlgraph lineage URN ...` is short for `mlgraph lineage show URN ...`: anything
    that is not a subcommand name goes to `show` (a URN never is one)."""

    def parse_args(self, ctx: click.Context, args: list[str]) -> list[str]:
        if args and args[0] not in self.commands and args[0] not in ctx.help_option_names:
            args = ["show", *args]
        return super().parse_args(ctx, args)


@click.group(cls=_LineageGroup)
def lineage() -> None:
    """Lineage of an entity, or the lineage diff of two models.

    `mlgraph lineage URN [OPTIONS]` is short for `mlgraph lineage show URN [OPTIONS]`;
    `mlgraph lineage diff A B` compares two models."""


@lineage.command("show")
@click.argument("urn")
@click.option("--direction", type=click.Choice(DIRECTIONS), default="upstream", show_default=True)
@click.option(
    "--depth",
    type=click.IntRange(0, 100),
    default=1,
    show_default=True,
    help="Hops to walk; 0 for the whole graph.",
)
@click.option(
    "--type", "types", multiple=True, help="Only show entities of this type; repeat for more."
)
@click.option("--platform", "platforms", multiple=True, help="Only show entities on this platform.")
@click.option("--containment", is_flag=True, help="Also follow experiment membership.")
@click.option("--max-nodes", type=click.IntRange(1, 10_000), default=None)
@url_option
def show(
    urn: str,
    direction: str,
    depth: int,
    types: tuple[str, ...],
    platforms: tuple[str, ...],
    containment: bool,
    max_nodes: int | None,
    url: str,
) -> None:
    """Walk lineage from URN and print every entity reached, nearest first."""
    with connected(url) as client:
        walk = client.lineage(
            urn,
            direction=direction,
            depth=depth,
            types=_split(types),
            platforms=_split(platforms),
            containment=containment,
            max_nodes=max_nodes,
        )
    reach = "the whole graph" if depth == 0 else f"depth {depth}"
    label = "upstream and downstream" if direction == "both" else direction
    print_walk(walk, f"{label} lineage of {urn} ({reach})", both=direction == "both")
    if walk.more_beyond_depth:
        click.echo(f"more lineage lies beyond depth {depth}: --depth 0 walks the whole graph")


def flow(node: LineageNode, names: Mapping[str, str]) -> str:
    """One of a node's shortest paths as names, in the direction data flows."""
    if not node.paths:
        return ""
    # The server's order of equally short paths differs by database: show the least.
    first = min(node.paths)
    path = first if node.direction == "downstream" else first[::-1]
    more = f"  (+{len(node.paths) - 1} more)" if len(node.paths) > 1 else ""
    return " → ".join(names.get(u) or short(u) for u in path) + more


def print_walk(walk: Lineage, title: str, *, both: bool = False) -> None:
    names = {n.urn: n.name for n in walk.nodes}
    columns = ["degree", "direction"] if both else ["degree"]
    table = _table(*columns, "type", "name", "urn", "path", title=title)
    for n in walk.nodes:
        first = [str(n.degree), n.direction] if both else [str(n.degree)]
        name = n.name if n.exists else f"{n.name} (not ingested)"
        table.add_row(*first, n.type, name, n.urn, flow(n, names))
    _console().print(table)
    click.echo(f"{len(walk.nodes)} node(s), {len(walk.edges)} edge(s)")
    if walk.truncated:
        click.echo(f"truncated: {walk.truncated_reason or 'a limit stopped the walk'}")


@lineage.command("diff")
@click.argument("a")
@click.argument("b")
@url_option
def diff(a: str, b: str, url: str) -> None:
    """Why does model B behave differently from model A? Compare what went into each."""
    with connected(url) as client:
        d = client.compare(a, b)
    print_comparison(d)


def _set_lines(diff: SetDiff) -> list[str]:
    lines = [f"  only in A: {_names(diff.only_a)}"] if diff.only_a else []
    lines += [f"  only in B: {_names(diff.only_b)}"] if diff.only_b else []
    lines += [f"  in both:   {_names(diff.common)}"] if diff.common else []
    return lines


def _values_table(values: Sequence[ValueChange]) -> Table:
    table = _table("", "name", "A", "B")
    for v in values:
        table.add_row("*" if v.changed else "", v.name, _text(v.a), _text(v.b))
    return table


def _text(value: Any) -> str:
    return "—" if value is None else str(value)


def print_comparison(d: Comparison) -> None:
    click.echo(f"A: {short(d.a)}  ({d.a})")
    click.echo(f"B: {short(d.b)}  ({d.b})")
    click.echo("\nWhat changed (A → B):")
    for line in d.summary or ["nothing in datasets, hyperparameters, metrics or commit"]:
        click.echo(f"  {line}")

    click.echo("\nDatasets")
    changed = [
        f"  version changed: {c.from_name} → {c.to_name}" for c in d.datasets.changed_versions
    ]
    sets = SetDiff(d.datasets.only_a, d.datasets.only_b, d.datasets.common)
    for line in changed + _set_lines(sets) or ["  no training datasets recorded"]:
        click.echo(line)

    console = _console()
    for title, values in (("Hyperparameters", d.hyperparameters), ("Metrics", d.metrics)):
        click.echo(f"\n{title}  (* changed)" if values else f"\n{title}\n  none recorded")
        if values:
            console.print(_values_table(values))

    commit = d.git_commit
    click.echo("\nGit commit")
    marker = "  (changed)" if commit.changed else "  (same)"
    click.echo(f"  {_text(commit.a)} → {_text(commit.b)}{marker}")

    for title, sets, empty in (
        ("Features", d.features, "none recorded"),
        ("Training runs", d.training_runs, "none recorded"),
        ("Deployments", d.deployments, "neither model is deployed"),
    ):
        click.echo(f"\n{title}")
        for line in _set_lines(sets) or [f"  {empty}"]:
            click.echo(line)


# -- seed 004's questions ----------------------------------------------------------


@click.command("training-data")
@click.argument("urn")
@url_option
def training_data(urn: str, url: str) -> None:
    """Which datasets trained (and evaluated) a model, model group or deployment."""
    with connected(url) as client:
        data = client.training_data(urn)
    click.echo(f"training data of {urn}")
    click.echo(f"models: {_names(data.models) or '—'}")
    click.echo(f"training runs: {_names(data.training_runs) or '—'}")
    table = _table("role", "name", "version", "platform", "via", "owners", "urn")
    for t in data.training_datasets:
        ds = t.dataset
        table.add_row(
            t.role,
            ds.name or short(ds.urn),
            ds.version or "",
            ds.platform or "",
            _names(t.via),
            _names(ds.owners),
            ds.urn,
        )
    if data.training_datasets:
        _console().print(table)
    else:
        click.echo("no training or evaluation dataset recorded")
    if data.upstream_datasets:
        further = _table("degree", "name", "platform", "urn", title="further upstream")
        for u in data.upstream_datasets:
            further.add_row(str(u.degree), u.name or short(u.urn), u.platform or "", u.urn)
        _console().print(further)


@click.command()
@click.argument("urn")
@url_option
def impact(urn: str, url: str) -> None:
    """What is downstream of a dataset or column, grouped by type, and whom to tell."""
    with connected(url) as client:
        found = client.impact(urn)
    table = _table(
        "type", "degree", "name", "owners", "urn", title=f"downstream of {short(urn)} ({urn})"
    )
    for kind, nodes in found.by_type.items():
        for i, n in enumerate(nodes):
            label = f"{kind} ({len(nodes)})" if i == 0 else ""
            name = n.name or short(n.urn)
            table.add_row(label, str(n.degree), name, _names(n.owners) or "—", n.urn)
        table.add_section()
    _console().print(table)
    click.echo(f"{found.total} downstream entit{'y' if found.total == 1 else 'ies'}")
    if found.truncated:
        click.echo("truncated: the walk stopped at its node limit; there is more downstream")
    click.echo("owners to notify:")
    for owner in found.owners_to_notify or ["(no owner recorded)"]:
        click.echo(f"  {owner}")


@click.command()
@click.argument("urn")
@url_option
def endpoints(urn: str, url: str) -> None:
    """The deployments serving a model."""
    with connected(url) as client:
        found = client.endpoints(urn)
    if not found:
        click.echo(f"no deployment serves {urn}")
        return
    table = _table("name", "status", "platform", "endpoint", "urn", title=f"serving {short(urn)}")
    for e in found:
        table.add_row(
            e.name or short(e.urn), e.status or "", e.platform or "", e.endpoint_url or "", e.urn
        )
    _console().print(table)


@click.command()
@click.argument("urn")
@url_option
def ancestry(urn: str, url: str) -> None:
    """Everything upstream of URN (a deployment, say), to the sources."""
    with connected(url) as client:
        walk = client.ancestry(urn)
    print_walk(walk, f"ancestry of {urn}")


def _unique(stages: Iterable[str]) -> list[str]:
    """Each stage once: the server may report one twice (as an alias and as a tag)."""
    seen: dict[str, str] = {}
    for stage in stages:
        if stage:
            seen.setdefault(stage.lower(), stage)
    return list(seen.values())


@click.command()
@click.argument("urn")
@url_option
@click.pass_context
def approved(ctx: click.Context, urn: str, url: str) -> None:
    """Is a model approved for production? Exit 0 if so, 1 if not (with the reasons)."""
    with connected(url) as client:
        answer = client.approval(urn)
    stages = _unique(answer.stages)
    shown = f"  (stages: {', '.join(stages)})" if stages else "  (no stage or alias)"
    record = answer.approval
    if answer.approved:
        click.echo(f"approved: {short(urn)} is approved for production{shown}")
        if record is not None and record.decided_by:
            click.echo(
                f"  approved by {short(record.decided_by)} (requested by "
                f"{short(record.requester)}), request {record.id}"
            )
            for e in record.evidence:
                click.echo(f"  evidence: {e.label + ': ' if e.label else ''}{e.link}")
        return
    click.echo(f"not approved: {short(urn)} is not approved for production{shown}")
    for reason in answer.reasons:
        click.echo(f"  - {reason}")
    ctx.exit(1)


COMMANDS = (lineage, training_data, impact, endpoints, ancestry, approved)
