"""`mlgraph ingest <source>`: pull metadata from another system into a running catalog,
with a progress bar while it runs and a per-type summary at the end."""

from __future__ import annotations

import click
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TaskID, TextColumn
from rich.table import Table

from mlgraph.cli.catalog import connected, url_option
from mlgraph.integrations.mlflow import IngestSummary
from mlgraph.integrations.mlflow import ingest as ingest_mlflow


@click.group()
def ingest() -> None:
    """Pull metadata from another system into the catalog."""


@ingest.command("mlflow")
@click.option(
    "--tracking-uri",
    envvar="MLFLOW_TRACKING_URI",
    required=True,
    help="The MLflow tracking server, e.g. http://127.0.0.1:5000 (env MLFLOW_TRACKING_URI).",
)
@click.option(
    "--registry-uri",
    envvar="MLFLOW_REGISTRY_URI",
    default=None,
    help="The model registry, if not the tracking server (env MLFLOW_REGISTRY_URI).",
)
@url_option
def mlflow(tracking_uri: str, registry_uri: str | None, url: str) -> None:
    """Copy MLflow's experiments, runs, datasets and registered models into mlgraph.
    Safe to repeat: a second run changes nothing, a later one adds what is new."""
    console = Console(stderr=True)
    with connected(url) as client, _Bar(console) as bar:
        summary = ingest_mlflow(tracking_uri, client, registry_uri, progress=bar.update)
    _print_summary(summary, tracking_uri)


class _Bar:
    """One rich progress bar per stage (registry, experiments, runs)."""

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
    click.echo(
        f"{summary.total('created')} created, {summary.total('updated')} updated, "
        f"{summary.total('unchanged')} unchanged; {summary.changed_writes} of "
        f"{summary.writes} writes changed something, {summary.metric_points} metric points sent"
    )


COMMANDS = (ingest,)
