"""The MLflow pull source (`mlgraph ingest mlflow`): read a tracking server and model
registry page by page, map what it holds with `mapping` — the same mapping the MLflow
API mlgraph serves uses — and yield it as proposals for the runner to write.

Idempotent by construction: every aspect is whole and built only from MLflow's state,
so the server skips the unchanged ones and a second pull writes nothing. Metric history
is the one append-only part: it is read from MLflow and appended only for the metrics
whose latest point differs from the one mlgraph holds, in the same group (so the same
atomic batch) as the run's aspects.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

from mlgraph.errors import NotFound
from mlgraph.integrations.mlflow import mapping, urns
from mlgraph.integrations.mlflow.datasets import DatasetRecord
from mlgraph.integrations.mlflow.objects import (
    Experiment,
    LoggedModel,
    ModelVersion,
    RegisteredModel,
    Run,
)
from mlgraph.integrations.mlflow.rest import MlflowRest
from mlgraph.integrations.source import Group, IngestSummary, Option, Progress, upsert
from mlgraph.integrations.source import run as run_source
from mlgraph.sdk import Client


def proposals(mapped: mapping.Mapped) -> Group:
    return [upsert(urn, aspect) for urn, aspect in mapped]


class MlflowSource:
    """Every experiment, run (deleted ones too, marked removed), metric history, dataset
    input, logged model, registered model and model version of an MLflow server."""

    name: ClassVar[str] = "mlflow"
    summary: ClassVar[str] = "An MLflow tracking server and model registry."
    options: ClassVar[tuple[Option, ...]] = (
        Option(
            "tracking-uri",
            "The MLflow tracking server, e.g. http://127.0.0.1:5000.",
            envvar="MLFLOW_TRACKING_URI",
            required=True,
        ),
        Option(
            "registry-uri",
            "The model registry, if not the tracking server.",
            envvar="MLFLOW_REGISTRY_URI",
        ),
    )

    def __init__(
        self,
        tracking_uri: str,
        registry_uri: str | None = None,
        *,
        rest: MlflowRest | None = None,
    ) -> None:
        self.rest = rest or MlflowRest(tracking_uri, registry_uri)
        self._owns_rest = rest is None
        self.ui = self.rest.tracking_uri
        self.points = 0
        self.logged_models: int | None = None  # None: the server predates logged models

    def close(self) -> None:
        if self._owns_rest:
            self.rest.close()

    def counts(self) -> Mapping[str, int]:
        out = {"metric points sent": self.points}
        if self.logged_models is not None:
            out["logged models read"] = self.logged_models
        return out

    def read(self, catalog: Client, progress: Progress) -> Iterator[Group]:
        models = [RegisteredModel.from_json(m) for m in self.rest.registered_models()]
        versions = [ModelVersion.from_json(v) for v in self.rest.model_versions()]
        progress("registry", 0, len(models) + len(versions))
        by_run: dict[str, list[str]] = defaultdict(list)
        for v in versions:
            if v.run_id:
                by_run[v.run_id].append(urns.model_version_urn(v.name, v.version))
        self.runs: dict[str, Run] = {}  # for the versions registered from them
        self.logged: dict[str, LoggedModel] = {}
        datasets: dict[str, tuple[tuple[int, str], DatasetRecord]] = {}
        experiments = [Experiment.from_json(e) for e in self.rest.experiments()]
        for i, exp in enumerate(experiments, 1):
            yield from self._experiment(catalog, exp, by_run, datasets, progress)
            progress("experiments", i, len(experiments))
        # A dataset several runs read is written once, as the latest-started run saw it.
        for urn in sorted(datasets):
            record = datasets[urn][1]
            yield proposals([(record.urn, a) for a in record.aspects])
        yield from self._registry(models, versions, progress)

    # -- tracking ---------------------------------------------------------------

    def _experiment(
        self,
        catalog: Client,
        exp: Experiment,
        by_run: dict[str, list[str]],
        datasets: dict[str, tuple[tuple[int, str], DatasetRecord]],
        progress: Progress,
    ) -> Iterator[Group]:
        exp_urn = urns.experiment_urn(exp.name)
        yield proposals(mapping.experiment(exp, exp_urn, self.ui))
        logged = self.rest.logged_models(exp.experiment_id)
        if logged is not None:
            self.logged_models = (self.logged_models or 0) + len(logged)
            for raw in logged:
                m = LoggedModel.from_json(raw)
                self.logged[m.model_id] = m
                yield proposals(mapping.logged_model(m, exp_urn))
        done = total = 0
        for page in self.rest.run_pages(exp.experiment_id):
            total += len(page)
            for raw in page:
                r = Run.from_json(raw)
                self.runs[r.run_id] = r
                mapped = mapping.run(r, exp_urn, versions=by_run.get(r.run_id, []), ui_url=self.ui)
                group = proposals(mapped.aspects)
                for key in self._changed_metrics(catalog, mapped.urn, r):
                    points = mapping.metric_points(self.rest.metric_history(r.run_id, key))
                    if points:
                        self.points += len(points)
                        group.append(
                            {"op": "append_metrics", "urn": mapped.urn, "value": {"points": points}}
                        )
                yield group
                rank = (r.start_time or 0, r.run_id)
                for d in mapped.datasets:
                    if d.urn not in datasets or rank > datasets[d.urn][0]:
                        datasets[d.urn] = (rank, d)
                done += 1
                progress("runs", done, total)

    def _changed_metrics(self, catalog: Client, urn: str, r: Run) -> list[str]:
        """Metrics whose latest point (value, time) is not the one mlgraph holds: their
        history is (re)sent; the server drops points it already has."""
        try:
            stored = catalog.aspects.get(urn, "mlTrainingRunProperties").value or {}
        except NotFound:
            stored = {}
        held = {
            s["name"]: (s.get("value"), s.get("createdAt"))
            for s in stored.get("trainingMetrics") or []
        }
        latest = {m["name"]: (m["value"], m.get("createdAt")) for m in mapping.training_metrics(r)}
        return [key for key, point in sorted(latest.items()) if held.get(key) != point]

    # -- registry ---------------------------------------------------------------

    def _registry(
        self, models: list[RegisteredModel], versions: list[ModelVersion], progress: Progress
    ) -> Iterator[Group]:
        by_model: dict[str, list[ModelVersion]] = defaultdict(list)
        for v in versions:
            by_model[v.name].append(v)
        for stage in sorted({v.current_stage for v in versions}):
            yield proposals(mapping.stage_tag(stage))
        done = 0
        for model in models:
            # Search answers may leave aliases out (MLflow issue #16734): ask the model.
            aliases = RegisteredModel.from_json(self.rest.registered_model(model.name)).aliases
            mine = sorted(by_model.get(model.name, []), key=lambda v: int(v.version))
            latest = mine[-1].version if mine else None
            group: mapping.Mapped = mapping.registered_model(model, latest, self.ui)
            for v in mine:
                v.aliases = sorted(a for a, target in aliases.items() if target == v.version)
                logged = self.logged.get(v.logged_model_id or "")
                group += mapping.model_version(v, self._run_of(v, logged), logged, self.ui)
            if latest:
                group += mapping.version_set(model.name, latest)
            yield proposals(group)
            done += 1 + len(mine)
            progress("registry", done, len(models) + len(versions))

    def _run_of(self, version: ModelVersion, logged: LoggedModel | None) -> Run | None:
        run_id = version.run_id or (logged.source_run_id if logged else "")
        if not run_id:
            return None
        if run_id not in self.runs:
            found: dict[str, Any] | None = self.rest.run(run_id)
            if found is None:
                return None
            self.runs[run_id] = Run.from_json(found)
        return self.runs[run_id]


def ingest(
    tracking_uri: str,
    client: Client,
    registry_uri: str | None = None,
    progress: Progress | None = None,
    *,
    rest: MlflowRest | None = None,
) -> IngestSummary:
    """Pull an MLflow server into the catalog `client` writes to (`mlgraph ingest
    mlflow` from Python). Raises `MlflowUnreachable` / `MlflowError` naming the MLflow
    URL when MLflow cannot be read, and the SDK's errors when mlgraph cannot be written."""
    return run_source(MlflowSource(tracking_uri, registry_uri, rest=rest), client, progress)
