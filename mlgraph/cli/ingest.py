"""`mlgraph ingest <source>`: pull metadata from another system into a running catalog,
with a progress bar while it runs and a per-type summary at the end. One command per
source found (`mlgraph.integrations.source.sources`: mlgraph's own and those other
packages declare as `mlgraph.sources` entry points), its options read from the source."""

from __future__ import annotations

from typing import Any

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from mlgraph.cli.catalog import connected, url_option
from mlgraph.integrations import source as sources
from mlgraph.integrations.source import IngestSummary, Source


def _command(name: str, cls: type[Source]) -> click.Command:
    def callback(url: str, **options: Any) -> None:
        given = {k: v for k, v in options.items() if v is not None}
        console = Console(stderr=True)
        with connected(url) as client:
            source = cls(**given)
            with _Bar(console) as bar:
                summary = sources.run(source, client, progress=bar.update)
        _print_summary(summary, name)

    params: list[click.Parameter] = []
    for o in cls.options:
        # click takes an explicit default of None for a value given: pass none then
        extra: dict[str, Any] = {} if o.default is None else {"default": o.default}
        help_ = f"{o.help}{f' (env {o.envvar})' if o.envvar else ''}"
        params.append(
            click.Option([f"--{o.name}"], envvar=o.envvar, required=o.required, help=help_, **extra)
        )
    command = click.Command(
        name,
        callback=callback,
        params=params,
        help=f"{cls.summary} Safe to repeat: a second run changes nothing, a later one "
        "adds what is new.",
        short_help=cls.summary,
    )
    return url_option(command)


class _Sources(click.Group):
    """The sources as subcommands, each loaded only when named."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        return list(sources.sources())

    def get_command(self, ctx: click.Context, cmd_name: str) -> click.Command | None:
        found = sources.sources().get(cmd_name)
        return _command(cmd_name, found()) if found else None


@click.group(cls=_Sources)
def ingest() -> None:
    """Pull metadata from another system into the catalog (one command per source)."""


class _Bar:
    """One rich progress bar per stage a source reports."""

    def __init__(self, console: Console) -> None:
        self.progress = Progress(
            TextColumn("{task.description:<12}"),
            BarColumn(),
            MofNCompleteColumn(),
            console=console,
            transient=True,
        )
        self.tasks: dict[str, TaskID] = {}

    def __enter__(self) -> _Bar:
        self.progress.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def update(self, stage: str, done: int, total: int) -> None:
        if stage not in self.tasks:
            self.tasks[stage] = self.progress.add_task(stage, total=total)
        self.progress.update(self.tasks[stage], completed=done, total=total)


def _print_summary(summary: IngestSummary, source: str) -> None:
    table = Table("entity type", "created", "updated", "unchanged", title=f"ingested {source}")
    for kind in summary.types:
        table.add_row(
            kind,
            str(summary.created[kind]),
            str(summary.updated[kind]),
            str(summary.unchanged[kind]),
        )
    Console(width=200, soft_wrap=True).print(table)
    extra = "".join(f", {n} {label}" for label, n in summary.counts.items())
    click.echo(
        f"{summary.total('created')} created, {summary.total('updated')} updated, "
        f"{summary.total('unchanged')} unchanged; {summary.changed_writes} of "
        f"{summary.writes} writes changed something{extra}"
    )


COMMANDS = (ingest,)
