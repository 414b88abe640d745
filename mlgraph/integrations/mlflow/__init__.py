"""The MLflow pull connector: `ingest(tracking_uri, client)` copies an MLflow tracking
server and model registry into mlgraph, idempotently. See `mapping` for what becomes
what and `rest` for the MLflow calls made."""

from __future__ import annotations

from mlgraph.integrations.mlflow.ingest import IngestSummary, Progress, ingest
from mlgraph.integrations.mlflow.rest import MlflowError, MlflowRest, MlflowUnreachable

__all__ = [
    "IngestSummary",
    "MlflowError",
    "MlflowRest",
    "MlflowUnreachable",
    "Progress",
    "ingest",
]
