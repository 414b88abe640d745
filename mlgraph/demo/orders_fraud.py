"""Seed 004 — "ML Metadata & Lineage": in the MLflow experiment
`orders_fraud_detection`, run `exp-47b` consumed `orders_v2.1` and `users_v3.0` and
produced `clf-v2.1` (model group `clf_orders`, version 2.1, stage Production), served
at `/predict v2.1`. The previous passing version, `clf-v2.0` (now Archived), was
trained by run `exp-41a` on `orders_v2.0` and `users_v3.0` at git commit b7d9e4 with
a different learning rate — the lineage to compare when v2.1 regresses.

Each version reached Production the way seed 004 asks, through a documented review:
R. Zeng asked for it with the evaluation run as evidence, M. Okafor (model risk)
approved, then the version moved; promoting v2.1 archived v2.0."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from mlgraph.demo.writer import DemoWriter
from mlgraph.model.aspects.common import VersionSetProperties
from mlgraph.model.aspects.mlmodel import VersionProperties
from mlgraph.model.fields import VersionTag
from mlgraph.sdk import (
    CorpUserUrn,
    DataProcessInstanceUrn,
    Dataset,
    DatasetUrn,
    Deployment,
    DeploymentStatus,
    Entity,
    Experiment,
    MLModel,
    MLModelGroup,
    MlModelUrn,
    RunResultType,
    TrainingRun,
    VersionSetUrn,
)

PLATFORM = "mlflow"
GROUP_ID = "clf_orders"
MODEL_VERSIONS = VersionSetUrn(GROUP_ID, "mlModel")
OWNER = CorpUserUrn("data_science_team")
DEPLOYMENT_NAME = "/predict v2.1"
STAGE_TAGS = {"Production": "mlflow_production", "Archived": "mlflow_archived"}


@dataclass(frozen=True)
class Release:
    """One trained version of clf_orders and the run that produced it."""

    version: str
    run_id: str
    datasets: tuple[str, ...]
    git_commit: str
    learning_rate: str
    val_accuracy: str
    val_auc: str
    stage: str
    started: datetime

    @property
    def model_id(self) -> str:
        return f"clf-v{self.version}"

    @property
    def dataset_version(self) -> str:
        return "+".join(self.datasets)


RELEASES = (
    Release(
        "2.0",
        "exp-41a",
        ("orders_v2.0", "users_v3.0"),
        "b7d9e4",
        "1e-3",
        "0.89",
        "0.94",
        "Archived",
        datetime(2024, 2, 12, 8, 0, tzinfo=UTC),
    ),
    Release(
        "2.1",
        "exp-47b",
        ("orders_v2.1", "users_v3.0"),
        "e41c07a",
        "3e-4",
        "0.87",
        "0.93",
        "Production",
        datetime(2024, 3, 14, 8, 0, tzinfo=UTC),
    ),
)


def model_urn(release: Release) -> str:
    return MlModelUrn(PLATFORM, release.model_id)


def datasets() -> list[Dataset]:
    out = []
    for name, rows in (("orders_v2.0", 8_400_000), ("orders_v2.1", 9_100_000)):
        out.append(_versioned(name, "orders", "Orders, with the fraud label", rows))
    out.append(_versioned("users_v3.0", "users", "Users who place orders", 1_900_000))
    return out


def _versioned(name: str, family: str, description: str, rows: int) -> Dataset:
    version = name.rsplit("_v", 1)[1]
    ds = Dataset(
        platform="s3",
        name=name,
        display_name=name,
        description=f"{description} (version {version}, tracked with DVC)",
        custom_properties={"dvc_path": f"data/{family}.parquet", "rows": str(rows)},
        owners=[OWNER],
        tags=["ml_data"],
        domain="risk",
    )
    ds.set_aspect(
        VersionProperties(
            versionSet=VersionSetUrn(family, "dataset"),
            version=VersionTag(versionTag=version),
            sortId=version,
        )
    )
    return ds


def _run(release: Release, experiment: Experiment) -> TrainingRun:
    return TrainingRun(
        release.run_id,
        platform=PLATFORM,
        created_by=str(CorpUserUrn("rzeng")),
        experiment=experiment,
        custom_properties={
            "dataset_version": release.dataset_version,
            "git_commit": release.git_commit,
            "triggered_by": "ci/github-actions",
            "business_unit": "payments",
        },
        hyper_params={"learning_rate": release.learning_rate, "epochs": "15"},
        training_metrics={"val_accuracy": release.val_accuracy, "val_auc": release.val_auc},
        output_urls=[f"mlflow-artifacts:/orders_fraud_detection/{release.run_id}/model.pkl"],
        inputs=[DatasetUrn("s3", name) for name in release.datasets],
        outputs=[model_urn(release)],
        result=RunResultType.SUCCESS,
        start_timestamp=release.started,
        end_timestamp=int(release.started.timestamp() * 1000) + 3_600_000,
    )


def _model(
    release: Release, run: TrainingRun, group: MLModelGroup, stage_tags: list[str]
) -> MLModel:
    mlmodel = MLModel(
        id=release.model_id,
        platform=PLATFORM,
        name=f"clf_orders v{release.version}",
        description=f"Gradient-boosted order fraud classifier, trained on "
        f"{release.dataset_version} at git {release.git_commit}",
        model_type="GradientBoostingClassifier",
        hyper_params=run.hyper_params,
        training_metrics=run.training_metrics,
        model_group=group,
        training_jobs=[run],
        owners=[OWNER],
        tags=[release.stage.lower(), *stage_tags],
        custom_properties={"stage": release.stage, "git_commit": release.git_commit},
        domain="risk",
    )
    # Every version of clf_orders in one version set (the SDK's set_version would
    # give each model URN a set of its own).
    mlmodel.set_aspect(
        VersionProperties(
            versionSet=MODEL_VERSIONS,
            version=VersionTag(versionTag=release.version),
            aliases=[VersionTag(versionTag=release.stage)],
            sortId=release.version,
        )
    )
    return mlmodel


def load(writer: DemoWriter) -> None:
    experiment = Experiment(
        "orders_fraud_detection",
        name="orders_fraud_detection",
        description="Fraud classifiers for orders, tracked in MLflow",
        owners=[OWNER],
    )
    group = MLModelGroup(
        id=GROUP_ID,
        platform=PLATFORM,
        name="clf_orders",
        description="Registered model: the order fraud classifier",
        owners=[OWNER],
        domain="risk",
    )
    entities: list[Entity] = [*datasets(), experiment, group]
    models: list[MLModel] = []
    held = {r.version: _stage_tags(writer, model_urn(r)) for r in RELEASES}
    for release in RELEASES:
        run = _run(release, experiment)
        group.add_training_job(run)
        mlmodel = _model(release, run, group, held[release.version])
        models.append(mlmodel)
        entities += [run, mlmodel]
    latest = models[-1]
    endpoint = Deployment(
        platform=PLATFORM,
        name=DEPLOYMENT_NAME,
        display_name=DEPLOYMENT_NAME,
        description="Online order fraud scoring",
        status=DeploymentStatus.IN_SERVICE,
        endpoint_url="https://ml.example.com/predict",
        version="2.1",
        created=datetime(2024, 3, 15, 10, 0, tzinfo=UTC),
        owners=[OWNER],
    )
    latest.add_deployment(endpoint)
    versions = Entity(MODEL_VERSIONS)
    versions.set_aspect(VersionSetProperties(latest=latest.urn))
    writer.upsert(*entities, endpoint, versions)
    if not any(held.values()):
        _promote(writer)


def _stage_tags(writer: DemoWriter, urn: str) -> list[str]:
    """The registry stage tags a version holds already (a second load keeps them)."""
    if not writer.client.entities.exists(urn):
        return []
    tags = writer.client.entities.get(urn, MLModel).tags
    return [t.removeprefix("urn:li:tag:") for t in tags if t.startswith("urn:li:tag:mlflow_")]


def _promote(writer: DemoWriter) -> None:
    """Each release into Production through an approval, the older one then Archived.
    Skipped where the loader cannot act as the requester and the approver."""
    previous: MLModel | None = None
    for release in RELEASES:
        urn = str(model_urn(release))
        evidence = [
            ("training run", str(DataProcessInstanceUrn(release.run_id))),
            ("model card", urn),
        ]
        comment = (
            f"v{release.version} passes validation: val_auc {release.val_auc}, "
            f"val_accuracy {release.val_accuracy}"
        )
        if not writer.approved(urn, "stage:Production", evidence, comment):
            return
        with writer.edit(urn, MLModel) as model:
            model.add_tag(STAGE_TAGS["Production"])
        if previous is not None:
            with writer.edit(previous.urn, MLModel) as old:
                old.remove_tag(STAGE_TAGS["Production"])
                old.add_tag(STAGE_TAGS["Archived"])
        previous = writer.client.entities.get(urn, MLModel)
