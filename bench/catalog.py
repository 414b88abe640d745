"""A synthetic ML catalog in the shape the lineage/search benchmark needs, written
through mlgraph's normal write path (`WriteService.apply`, the service every API uses).

Per `scale` unit of 1,000,000 entities: 300k datasets (30% derived from others),
250k training runs (2-4 input datasets, in one of 20k experiments), 250k models (trained
by a run, in one of 20k groups, consuming 4 features), 50k deployments, 100k features
(sourced from 1-2 dataset columns), 10k feature tables — about 3 million edges.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

from mlgraph.runtime import Services
from mlgraph.services.proposals import Op, Proposal, WriteContext

P = "urn:li:dataPlatform:"
PLATFORMS = ["snowflake", "s3", "bigquery", "hive"]
TEAMS = ["ana", "ben", "cy", "dee", "eli", "fay"]
TAGS = ["pii", "tier1", "gold", "raw", "production", "experimental"]


@dataclass(frozen=True)
class Shape:
    datasets: int
    runs: int
    models: int
    deployments: int
    features: int
    feature_tables: int
    experiments: int
    groups: int

    @classmethod
    def of(cls, entities: int) -> Shape:
        f = entities / 1_000_000
        return cls(
            datasets=int(300_000 * f),
            runs=int(250_000 * f),
            models=int(250_000 * f),
            deployments=int(50_000 * f),
            features=int(100_000 * f),
            feature_tables=int(10_000 * f),
            experiments=max(1, int(20_000 * f)),
            groups=max(1, int(20_000 * f)),
        )

    @property
    def total(self) -> int:
        return (
            self.datasets
            + self.runs
            + self.models
            + self.deployments
            + self.features
            + self.feature_tables
            + self.experiments
            + self.groups
        )


def dataset_urn(i: int) -> str:
    return f"urn:li:dataset:({P}{PLATFORMS[i % 4]},warehouse.table_{i},PROD)"


def run_urn(i: int) -> str:
    return f"urn:li:dataProcessInstance:run_{i}"


def model_urn(i: int) -> str:
    return f"urn:li:mlModel:({P}mlflow,model_{i},PROD)"


def deployment_urn(i: int) -> str:
    return f"urn:li:mlModelDeployment:({P}sagemaker,endpoint_{i},PROD)"


def feature_urn(i: int) -> str:
    return f"urn:li:mlFeature:(features_{i % 1000},feature_{i})"


def group_urn(i: int) -> str:
    return f"urn:li:mlModelGroup:({P}mlflow,group_{i},PROD)"


def experiment_urn(i: int) -> str:
    return f"urn:li:container:experiment_{i}"


def _upsert(urn: str, aspect: str, value: dict) -> Proposal:
    return Proposal(Op.UPSERT, urn, aspect, value=value)


def proposals(shape: Shape, seed: int = 7) -> Iterator[Proposal]:
    rng = random.Random(seed)
    for i in range(shape.experiments):
        yield _upsert(
            experiment_urn(i),
            "containerProperties",
            {"name": f"experiment {i}", "description": f"experiment number {i}"},
        )
        yield _upsert(experiment_urn(i), "subTypes", {"typeNames": ["ML Experiment"]})
    for i in range(shape.groups):
        yield _upsert(
            group_urn(i),
            "mlModelGroupProperties",
            {"name": f"group {i}", "description": "a model family"},
        )
    for i in range(shape.datasets):
        urn = dataset_urn(i)
        yield _upsert(
            urn,
            "datasetProperties",
            {
                "name": f"table_{i}",
                "description": f"warehouse table {i} of {TEAMS[i % 6]}",
                "customProperties": {"team": TEAMS[i % 6]},
            },
        )
        if i >= 1000 and rng.random() < 0.3:
            ups = [
                {"dataset": dataset_urn(rng.randrange(i)), "type": "TRANSFORMED"}
                for _ in range(rng.randint(1, 2))
            ]
            yield _upsert(urn, "upstreamLineage", {"upstreams": ups})
    for i in range(shape.features):
        cols = [
            f"urn:li:schemaField:({dataset_urn(rng.randrange(shape.datasets))},col_{rng.randrange(20)})"
            for _ in range(rng.randint(1, 2))
        ]
        yield _upsert(
            feature_urn(i),
            "mlFeatureProperties",
            {"description": f"feature {i}", "dataType": "CONTINUOUS", "sources": cols},
        )
    per_table = max(1, shape.features // max(1, shape.feature_tables))
    for t in range(shape.feature_tables):
        feats = [
            feature_urn(t * per_table + k)
            for k in range(per_table)
            if t * per_table + k < shape.features
        ]
        yield _upsert(
            f"urn:li:mlFeatureTable:({P}feast,feature_table_{t})",
            "mlFeatureTableProperties",
            {"description": f"feature table {t}", "mlFeatures": feats},
        )
    for i in range(shape.runs):
        urn = run_urn(i)
        inputs = sorted(
            {dataset_urn(rng.randrange(shape.datasets)) for _ in range(rng.randint(2, 4))}
        )
        yield _upsert(
            urn,
            "dataProcessInstanceProperties",
            {
                "name": f"run {i}",
                "created": {
                    "time": 1_700_000_000_000 + i,
                    "actor": f"urn:li:corpuser:{TEAMS[i % 6]}",
                },
                "customProperties": {
                    "dataset_version": f"v{i % 50}",
                    "git_commit": f"{i * 2654435761 % 16**7:07x}",
                },
            },
        )
        yield _upsert(urn, "dataProcessInstanceInput", {"inputs": inputs})
        yield _upsert(
            urn,
            "mlTrainingRunProperties",
            {
                "id": f"run_{i}",
                "hyperParams": [
                    {"name": "learning_rate", "value": rng.choice(["0.1", "0.01", "3e-4", "1e-3"])}
                ],
                "trainingMetrics": [{"name": "auc", "value": f"{rng.uniform(0.6, 0.99):.4f}"}],
            },
        )
        yield _upsert(urn, "container", {"container": experiment_urn(i % shape.experiments)})
    for i in range(shape.models):
        urn = model_urn(i)
        feats = (
            [feature_urn(rng.randrange(shape.features)) for _ in range(4)] if shape.features else []
        )
        deployments = [deployment_urn(i)] if i < shape.deployments else []
        yield _upsert(
            urn,
            "mlModelProperties",
            {
                "name": f"model_{i}",
                "description": f"{rng.choice(['churn', 'fraud', 'ranking', 'forecast'])} model {i}",
                "trainingJobs": [run_urn(i % shape.runs)],
                "groups": [group_urn(i % shape.groups)],
                "mlFeatures": sorted(set(feats)),
                "deployments": deployments,
                "hyperParams": [{"name": "max_depth", "value": str(rng.randint(2, 12))}],
                "trainingMetrics": [{"name": "auc", "value": f"{rng.uniform(0.6, 0.99):.4f}"}],
            },
        )
        yield _upsert(
            urn,
            "ownership",
            {"owners": [{"owner": f"urn:li:corpuser:{TEAMS[i % 6]}", "type": "TECHNICAL_OWNER"}]},
        )
        yield _upsert(urn, "globalTags", {"tags": [{"tag": f"urn:li:tag:{TAGS[i % 6]}"}]})
    for i in range(shape.deployments):
        yield _upsert(
            deployment_urn(i),
            "mlModelDeploymentProperties",
            {"description": f"endpoint {i}", "status": "IN_SERVICE"},
        )


def load(
    services: Services,
    shape: Shape,
    *,
    batch: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> tuple[int, float]:
    """Write the catalog; returns (aspects written, seconds)."""
    ctx = WriteContext(actor="urn:li:corpuser:bench")
    started = time.perf_counter()
    pending: list[Proposal] = []
    written = 0
    for p in proposals(shape):
        pending.append(p)
        if len(pending) >= batch:
            services.writes.apply(pending, ctx)
            written += len(pending)
            pending = []
            if progress:
                progress(written)
    if pending:
        services.writes.apply(pending, ctx)
        written += len(pending)
    return written, time.perf_counter() - started
