"""Pull sources: the contract every connector follows, and the one runner that gives
them all batching, progress, idempotent re-runs and the created/updated/unchanged
summary.

A source reads another system and yields *groups* of proposals: each group is written
atomically (never split across requests), in batches of at most `BATCH` proposals,
through the SDK — the REST API, so every policy holds. A source builds every value only
from what the other system stores, so a second run writes nothing new.

`mlgraph ingest` finds sources by the `mlgraph.sources` entry point, so a package of
its own can add one (docs/adding-a-source.md):

    [project.entry-points."mlgraph.sources"]
    mytool = "mytool_mlgraph.source:MyToolSource"
"""

from __future__ import annotations

import importlib
from collections import Counter, defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from importlib.metadata import entry_points
from typing import Any, ClassVar, Protocol

from mlgraph.errors import InvalidInput
from mlgraph.model.aspects import Aspect
from mlgraph.model.urn import Urn
from mlgraph.sdk import Client, WriteResult

ENTRY_POINT_GROUP = "mlgraph.sources"
# mlgraph's own sources, also found without installed package metadata (a source tree).
BUILTIN = {"mlflow": "mlgraph.integrations.mlflow.source:MlflowSource"}
BATCH = 500  # proposals per request

Proposal = dict[str, Any]
Group = list[Proposal]
Progress = Callable[[str, int, int], None]
"""`progress(stage, done, total)`; a stage's total may grow as pages arrive."""


def upsert(urn: str, aspect: Aspect) -> Proposal:
    """A whole-aspect upsert, from its schema class (a mistake fails here, not later)."""
    value = aspect.model_dump(mode="json", exclude_none=True)
    return {"op": "upsert", "urn": urn, "aspect": aspect.ASPECT_NAME, "value": value}


@dataclass(frozen=True)
class Option:
    """One setting of a source: `--<name>` on the command line, `<name_with_underscores>`
    as the keyword its class takes."""

    name: str
    help: str
    envvar: str | None = None
    required: bool = False
    default: str | None = None

    @property
    def keyword(self) -> str:
        return self.name.replace("-", "_")


class Source(Protocol):
    """What a pull connector provides. Its class is built with its options as keywords."""

    name: ClassVar[str]  # the `mlgraph ingest <name>` command
    summary: ClassVar[str]  # one line for `mlgraph ingest --help`
    options: ClassVar[tuple[Option, ...]]

    def read(self, catalog: Client, progress: Progress) -> Iterator[Group]:
        """The groups of proposals to write, in order. `catalog` reads what mlgraph
        holds already (for incremental pulls)."""
        ...

    def counts(self) -> Mapping[str, int]:
        """Figures of its own for the summary, e.g. {"metric points sent": 120}."""
        ...

    def close(self) -> None: ...


@dataclass
class IngestSummary:
    """What a run did, per entity type. An entity is *created* when every aspect
    written for it is new, *updated* when some write changed it, else *unchanged*."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    writes: int = 0
    changed_writes: int = 0
    counts: dict[str, int] = field(default_factory=dict)  # the source's own figures

    @property
    def types(self) -> list[str]:
        return sorted(set(self.created) | set(self.updated) | set(self.unchanged))

    def total(self, kind: str) -> int:
        counts: Counter[str] = getattr(self, kind)
        return sum(counts.values())

    @classmethod
    def from_results(cls, results: Iterable[WriteResult]) -> IngestSummary:
        by_urn: dict[str, list[WriteResult]] = defaultdict(list)
        summary = cls()
        for r in results:
            by_urn[r.urn].append(r)
            summary.writes += 1
            summary.changed_writes += r.changed
        for urn, rs in by_urn.items():
            kind = Urn.parse(urn).entity_type
            aspects = [r for r in rs if r.aspect is not None]
            if aspects and all(r.changed and r.version == 1 for r in aspects):
                summary.created[kind] += 1
            elif any(r.changed for r in rs):
                summary.updated[kind] += 1
            else:
                summary.unchanged[kind] += 1
        return summary


class _Writer:
    """Collects groups into batches of at most BATCH proposals (a group larger than
    that is a batch of its own) and keeps every write result."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.pending: list[Proposal] = []
        self.results: list[WriteResult] = []

    def add(self, group: Group) -> None:
        if self.pending and len(self.pending) + len(group) > BATCH:
            self.flush()
        self.pending.extend(group)

    def flush(self) -> None:
        if self.pending:
            self.results.extend(self.client.proposals.apply(self.pending))
            self.pending = []


def _quiet(stage: str, done: int, total: int) -> None:
    return None


def run(source: Source, client: Client, progress: Progress | None = None) -> IngestSummary:
    """Read `source` to the end and write what it yields; the source is closed after."""
    writer = _Writer(client)
    try:
        for group in source.read(client, progress or _quiet):
            writer.add(group)
        writer.flush()
    finally:
        source.close()
    summary = IngestSummary.from_results(writer.results)
    summary.counts = dict(source.counts())
    return summary


def _load(target: str) -> type[Source]:
    module, _, name = target.partition(":")
    loaded: type[Source] = getattr(importlib.import_module(module), name)
    return loaded


def _loader(target: str) -> Callable[[], type[Source]]:
    return lambda: _load(target)


def sources() -> dict[str, Callable[[], type[Source]]]:
    """Every source this installation knows, by name, each loaded only when asked for."""
    found = {name: _loader(target) for name, target in BUILTIN.items()}
    for ep in entry_points(group=ENTRY_POINT_GROUP):
        found[ep.name] = ep.load
    return dict(sorted(found.items()))


def source_class(name: str) -> type[Source]:
    known = sources()
    if name not in known:
        raise InvalidInput(f"no source {name!r}; sources: {', '.join(known) or 'none'}")
    return known[name]()
