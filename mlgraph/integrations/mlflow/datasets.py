"""The datasets an MLflow run read, as catalog datasets and the properties of the run's
input edge to each. Two ways to say it, both followed:

- `mlflow.log_input(dataset)`: a source in a known store (`s3://...`, `gs://...`) is the
  dataset on that platform, named by its path; anything else (local files, in-memory
  frames, code) is a dataset on platform mlflow named as MLflow names it, as DataHub's
  MLflow source does. A dataset logged without a name of its own (MLflow calls those
  "dataset") is named by its digest too, `dataset@<digest>`, so two of them stay apart.
- seed 004's convention, the `dataset_version` param or tag: `"orders_v2.1+users_v3.0"`
  names the datasets `orders_v2.1` and `users_v3.0`, on platform mlflow.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from mlgraph.integrations.mlflow.objects import DatasetInput, Run
from mlgraph.integrations.mlflow.urns import PLATFORM, PLATFORM_URN, dataset_urn
from mlgraph.model.aspects import Aspect
from mlgraph.model.aspects.common import DataPlatformInstance
from mlgraph.model.aspects.dataset import DatasetProperties, SchemaMetadata
from mlgraph.model.urn import platform_urn

DATASET_VERSION = "dataset_version"
UNNAMED = "dataset"  # the name MLflow gives a dataset logged without one
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


@dataclass
class DatasetRecord:
    """A dataset a run read: the aspects that describe it and the properties of the
    run's edge to it."""

    urn: str
    aspects: list[Aspect]
    edge: dict[str, str]


def _source_uri(source: str) -> str | None:
    try:
        parsed = json.loads(source or "")
    except ValueError:
        return None
    uri = parsed.get("uri") or parsed.get("url") if isinstance(parsed, dict) else None
    return str(uri) if uri else None


def logged_input(item: DatasetInput) -> DatasetRecord:
    """One `log_input` dataset."""
    uri = _source_uri(item.source)
    edge = {"source": "mlflow.log_input"}
    for key in ("digest", "source_type"):
        if getattr(item, key):
            edge[key] = getattr(item, key)
    if uri:
        edge["uri"] = uri
    edge.update({k.removeprefix("mlflow.data."): v for k, v in item.tags.items()})
    platform = SOURCE_PLATFORMS.get(item.source_type.lower())
    if platform and uri and "://" in uri:
        # Someone else may own this dataset's properties (an S3 crawler): only make
        # sure it exists; what MLflow knows about it travels on the run's edge.
        urn = dataset_urn(uri.split("://", 1)[1].rstrip("/"), platform)
        return DatasetRecord(urn, [DataPlatformInstance(platform=platform_urn(platform))], edge)
    name = item.name or item.digest or UNNAMED
    if name == UNNAMED and item.digest:
        name = f"{UNNAMED}@{item.digest}"
    urn = dataset_urn(name)
    custom = {
        k: getattr(item, k)
        for k in ("digest", "source_type", "source", "profile")
        if getattr(item, k)
    }
    aspects: list[Aspect] = [
        DatasetProperties(name=name, customProperties=custom, uri=uri),
        DataPlatformInstance(platform=PLATFORM_URN),
    ]
    schema = _schema(name, item)
    if schema is not None:
        aspects.append(schema)
    return DatasetRecord(urn, aspects, edge)


def _schema(name: str, item: DatasetInput) -> SchemaMetadata | None:
    try:
        raw: Any = json.loads(item.schema or "")
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
        {"schemaName": name, "platform": PLATFORM_URN, "hash": item.digest, "fields": fields}
    )


def versioned(run: Run) -> list[DatasetRecord]:
    """The datasets the run's `dataset_version` tag or param names. Only their
    existence is written: a dataset's properties belong to whoever describes it (a
    `log_input` of the same name, a crawler, a person)."""
    out: dict[str, DatasetRecord] = {}
    for where, value in (
        ("param", run.params.get(DATASET_VERSION)),
        ("tag", run.tags.get(DATASET_VERSION)),
    ):
        for name in (part.strip() for part in (value or "").split("+")):
            if name and dataset_urn(name) not in out:
                edge = {"source": f"{where}:{DATASET_VERSION}", DATASET_VERSION: value or ""}
                out[dataset_urn(name)] = DatasetRecord(
                    dataset_urn(name), [DataPlatformInstance(platform=PLATFORM_URN)], edge
                )
    return list(out.values())


def run_datasets(run: Run) -> list[DatasetRecord]:
    """Every dataset the run read, once each (a `log_input` record wins over the
    convention's for the same dataset: it says more)."""
    found: dict[str, DatasetRecord] = {r.urn: r for r in versioned(run)}
    for item in run.inputs:
        record = logged_input(item)
        found[record.urn] = record
    return [found[u] for u in sorted(found)]


__all__ = ["DATASET_VERSION", "PLATFORM", "DatasetRecord", "logged_input", "run_datasets"]
