"""The pull: read an MLflow tracking server (and registry) page by page, turn what it
holds into proposals (`mapping`), and apply them through the SDK.

Idempotent by construction: every aspect is sent whole and built only from MLflow's
state, so the server skips the unchanged ones and a second run writes nothing. Metric
history is the one append-only part: it is read from MLflow and appended only for the
metrics whose latest point differs from the one mlgraph holds, in the same atomic batch
as the run's aspects.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from mlgraph.errors import NotFound
from mlgraph.integrations.mlflow import mapping, urns
from mlgraph.integrations.mlflow.datasets import DatasetRecord
from mlgraph.integrations.mlflow.rest import MlflowRest
from mlgraph.model.urn import Urn
from mlgraph.sdk import Client, WriteResult

Progress = Callable[[str, int, int], None]
"""`progress(stage, done, total)`: stage is "registry", "experiments" or "runs"; the
total of a stage can grow as pages arrive."""

BATCH = 500  # proposals per request; a run's proposals are never split


@dataclass
class IngestSummary:
    """What an ingest did, per entity type. An entity is *created* when every aspect
    written for it is new, *updated* when some write changed it, else *unchanged*."""

    created: Counter[str] = field(default_factory=Counter)
    updated: Counter[str] = field(default_factory=Counter)
    unchanged: Counter[str] = field(default_factory=Counter)
    writes: int = 0
    changed_writes: int = 0
    metric_points: int = 0
    logged_models: bool = False  # the server has MLflow 3's logged-models API

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
    """Collects proposals into batches of at most BATCH (never splitting a group) and
    keeps every write result."""

    def __init__(self, client: Client) -> None:
        self.client = client
        self.pending: list[dict[str, Any]] = []
        self.results: list[WriteResult] = []

    def add(self, group: list[dict[str, Any]]) -> None:
        if self.pending and len(self.pending) + len(group) > BATCH:
            self.flush()
        self.pending.extend(group)

    def flush(self) -> None:
        if self.pending:
            self.results.extend(self.client.proposals.apply(self.pending))
            self.pending = []


def ingest(
    tracking_uri: str,
    client: Client,
    registry_uri: str | None = None,
    progress: Progress | None = None,
    *,
    mlflow: MlflowRest | None = None,
) -> IngestSummary:
    """Pull every experiment, run (deleted ones too, marked removed), metric history,
    dataset input, registered model and model version from MLflow into mlgraph.

    Raises `MlflowUnreachable` / `MlflowError` naming the MLflow URL when MLflow cannot
    be read, and the SDK's errors when mlgraph cannot be written."""
    rest = mlflow or MlflowRest(tracking_uri, registry_uri)
    try:
        return _Ingest(rest, client, progress or _quiet).run()
    finally:
        if mlflow is None:
            rest.close()


def _quiet(stage: str, done: int, total: int) -> None:
    return None


class _Ingest:
    def __init__(self, rest: MlflowRest, client: Client, progress: Progress) -> None:
        self.rest = rest
        self.client = client
        self.progress = progress
        self.ui = rest.tracking_uri
        self.writer = _Writer(client)
        self.datasets: dict[str, DatasetRecord] = {}
        self.runs: dict[str, dict[str, Any]] = {}  # runs some model version came from
        self.logged: dict[str, dict[str, Any]] = {}  # model_id -> logged model info
        self.has_logged_models = False
        self.points = 0

    def run(self) -> IngestSummary:
        models = self.rest.registered_models()
        versions = self.rest.model_versions()
        self.progress("registry", 0, len(models) + len(versions))
        by_run: dict[str, list[str]] = defaultdict(list)
        for v in versions:
            if v.get("run_id"):
                by_run[v["run_id"]].append(urns.model_version_urn(v["name"], v["version"]))
        experiments = self.rest.experiments()
        for i, exp in enumerate(experiments, 1):
            self._experiment(exp, by_run)
            self.progress("experiments", i, len(experiments))
        self._write_datasets()
        self._registry(models, versions)
        self.writer.flush()
        summary = IngestSummary.from_results(self.writer.results)
        summary.metric_points = self.points
        summary.logged_models = self.has_logged_models
        return summary

    # -- tracking ---------------------------------------------------------------

    def _experiment(self, exp: dict[str, Any], by_run: dict[str, list[str]]) -> None:
        self.writer.add(mapping.experiment(exp, self.ui))
        exp_id = str(exp["experiment_id"])
        logged = self.rest.logged_models(exp_id)
        artifacts: dict[str, list[str]] = defaultdict(list)
        if logged is not None:
            self.has_logged_models = True
            for m in logged:
                info = m.get("info") or {}
                self.logged[info.get("model_id", "")] = info
                if info.get("source_run_id") and info.get("artifact_uri"):
                    artifacts[info["source_run_id"]].append(info["artifact_uri"])
        done = total = 0
        for page in self.rest.run_pages(exp_id):
            total += len(page)
            for raw in page:
                run_id = raw["info"].get("run_id") or raw["info"]["run_uuid"]
                self.runs[run_id] = raw
                self._run(raw, exp["name"], by_run.get(run_id, []), artifacts.get(run_id, []))
                done += 1
                self.progress("runs", done, total)

    def _run(
        self, raw: dict[str, Any], experiment: str, outputs: list[str], output_urls: list[str]
    ) -> None:
        m = mapping.run(raw, experiment, self.ui, outputs, output_urls)
        group = list(m.proposals)
        for key in self._changed_metrics(m):
            points = mapping.metric_points(self.rest.metric_history(m.run_id, key))
            if points:
                self.points += len(points)
                group.append({"op": "append_metrics", "urn": m.urn, "value": {"points": points}})
        self.writer.add(group)
        for d in m.datasets:
            known = self.datasets.get(d.urn)
            if known is None or d.rank > known.rank:
                self.datasets[d.urn] = d

    def _changed_metrics(self, m: mapping.RunMapping) -> list[str]:
        """Metrics whose latest point (value, time) is not the one mlgraph holds: their
        history is (re)sent; the server drops points it already has."""
        try:
            stored = self.client.aspects.get(m.urn, "mlTrainingRunProperties").value or {}
        except NotFound:
            stored = {}
        held = {
            s["name"]: (s.get("value"), s.get("createdAt"))
            for s in stored.get("trainingMetrics") or []
        }
        return [key for key, latest in sorted(m.metrics.items()) if held.get(key) != latest]

    def _write_datasets(self) -> None:
        for record in sorted(self.datasets.values(), key=lambda d: d.urn):
            self.writer.add(record.proposals)

    # -- registry ---------------------------------------------------------------

    def _registry(self, models: list[dict[str, Any]], versions: list[dict[str, Any]]) -> None:
        by_model: dict[str, list[dict[str, Any]]] = defaultdict(list)
        for v in versions:
            by_model[v["name"]].append(v)
        stages = sorted({str(v.get("current_stage") or "None") for v in versions})
        self.writer.add([mapping.stage_tag(s) for s in stages])
        done = 0
        for model in models:
            name = model["name"]
            aliases: dict[str, list[str]] = defaultdict(list)
            # Search answers may leave aliases out (MLflow issue #16734): ask the model.
            for a in self.rest.registered_model(name).get("aliases") or []:
                aliases[str(a["version"])].append(a["alias"])
            mine = sorted(by_model.get(name, []), key=lambda v: int(v["version"]))
            latest = str(mine[-1]["version"]) if mine else None
            group = mapping.model_group(model, latest, self.ui)
            for v in mine:
                group += mapping.model_version(
                    v,
                    aliases.get(str(v["version"]), []),
                    self._run_of(v),
                    self.logged.get(_model_id(v) or ""),
                    self.ui,
                )
            if latest:
                group.append(mapping.version_set(name, latest))
            self.writer.add(group)
            done += 1 + len(mine)
            self.progress("registry", done, len(models) + len(versions))

    def _run_of(self, version: dict[str, Any]) -> dict[str, Any] | None:
        run_id = version.get("run_id") or self.logged.get(_model_id(version) or "", {}).get(
            "source_run_id"
        )
        if not run_id:
            return None
        if run_id not in self.runs:
            found = self.rest.run(run_id)
            if found is None:
                return None
            self.runs[run_id] = found
        return self.runs[run_id]


def _model_id(version: dict[str, Any]) -> str | None:
    """A version's MLflow 3 logged model: its `model_id`, or a `models:/m-...` source."""
    if version.get("model_id"):
        return str(version["model_id"])
    source = str(version.get("source") or "")
    if source.startswith("models:/m-"):
        return source.removeprefix("models:/").split("/", 1)[0]
    return None
