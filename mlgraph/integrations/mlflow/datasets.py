"""The datasets an MLflow run read: `run.inputs.dataset_inputs` (`mlflow.log_input`)
and the dataset its `dataset_version` tag names, as mlgraph datasets plus the
properties of the run's input edge to each."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mlgraph.integrations.mlflow import urns
from mlgraph.integrations.mlflow.proposal import Proposal, kv, upsert
from mlgraph.model.aspects.common import DataPlatformInstance
from mlgraph.model.aspects.dataset import DatasetProperties, SchemaMetadata
from mlgraph.model.urn import encode_part, platform_urn

MLFLOW = urns.PLATFORM
# MLflow dataset source types that name where the data lives -> mlgraph platform.
SOURCE_PLATFORMS = {
    "s3": "s3",
    "gs": "gcs",
    "gcs": "gcs",
    "hdfs": "hdfs",
    "abfss": "adls",
    "delta_table": "delta-lake",
    "bigquery": "bigquery",
    "snowflake": "snowflake",
    "huggingface": "huggingface",
}
DATASET_VERSION_TAG = "dataset_version"


@dataclass
class DatasetRecord:
    """A dataset a run read, with the aspects to write for it and the properties of
    the run's edge to it. `rank` orders records of the same dataset: the one from the
    latest-started run is the one written."""

    urn: str
    proposals: list[Proposal]
    edge: dict[str, str]
    rank: tuple[int, str] = (0, "")


def _source_uri(source: str | None) -> str | None:
    try:
        parsed = json.loads(source or "")
    except ValueError:
        return None
    uri = parsed.get("uri") or parsed.get("url") if isinstance(parsed, dict) else None
    return str(uri) if uri else None


def dataset_input(item: dict[str, Any]) -> DatasetRecord:
    """One `run.inputs.dataset_inputs[]` entry. A source in a known store (s3, gs...)
    is the dataset on that platform, named by its path; anything else (local files,
    in-memory frames, code) is a dataset on platform mlflow named as MLflow names it."""
    ds = item.get("dataset") or {}
    source_type = str(ds.get("source_type") or "").lower()
    uri = _source_uri(ds.get("source"))
    edge = {"source": "mlflow.log_input"}
    for key in ("digest", "source_type"):
        if ds.get(key):
            edge[key] = str(ds[key])
    if uri:
        edge["uri"] = uri
    edge.update({k.removeprefix("mlflow.data."): v for k, v in kv(item.get("tags")).items()})
    platform = SOURCE_PLATFORMS.get(source_type)
    if platform and uri and "://" in uri:
        # Someone else may own this dataset's properties (an S3 crawler): only make
        # sure it exists; what MLflow knows about it travels on the run's edge.
        name = uri.split("://", 1)[1].rstrip("/")
        urn = dataset_urn(platform, name)
        return DatasetRecord(
            urn, [upsert(urn, DataPlatformInstance(platform=platform_urn(platform)))], edge
        )
    name = str(ds.get("name") or ds.get("digest") or "dataset")
    urn = dataset_urn(MLFLOW, name)
    custom = {k: str(ds[k]) for k in ("digest", "source_type", "source", "profile") if ds.get(k)}
    out = [
        upsert(urn, DatasetProperties(name=name, customProperties=custom, uri=uri)),
        upsert(urn, DataPlatformInstance(platform=urns.PLATFORM_URN)),
    ]
    schema = _schema(urn, name, ds)
    if schema is not None:
        out.append(upsert(urn, schema))
    return DatasetRecord(urn, out, edge)


def _schema(urn: str, name: str, ds: dict[str, Any]) -> SchemaMetadata | None:
    try:
        raw = json.loads(ds.get("schema") or "")
    except ValueError:
        return None
    cols = raw.get("mlflow_colspec") if isinstance(raw, dict) else None
    if not isinstance(cols, list):
        return None
    fields = [
        {
            "fieldPath": str(c.get("name")),
            "nativeDataType": str(c.get("type", "")),
            "nullable": not c.get("required", True),
        }
        for c in cols
        if isinstance(c, dict) and c.get("name")
    ]
    return SchemaMetadata.model_validate(
        {
            "schemaName": name,
            "platform": urns.PLATFORM_URN,
            "hash": str(ds.get("digest") or ""),
            "fields": fields,
        }
    )


def tagged_dataset(value: str) -> DatasetRecord:
    """The dataset a run's `dataset_version` tag names, on platform mlflow."""
    urn = dataset_urn(MLFLOW, value)
    out = [
        upsert(urn, DatasetProperties(name=value)),
        upsert(urn, DataPlatformInstance(platform=urns.PLATFORM_URN)),
    ]
    return DatasetRecord(urn, out, {"source": f"tag:{DATASET_VERSION_TAG}"})


def dataset_urn(platform: str, name: str, env: str = "PROD") -> str:
    return f"urn:li:dataset:({platform_urn(platform)},{encode_part(name)},{env})"
