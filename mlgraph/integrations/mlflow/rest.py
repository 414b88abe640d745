"""A small reader of MLflow's REST API (`/api/2.0/mlflow/...`) over httpx: every search
is followed through all its pages, and every failure becomes an `MlgraphError` that
names the MLflow URL. No dependency on the `mlflow` package."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx

from mlgraph.errors import MlgraphError

API = "/api/2.0/mlflow"


class MlflowUnreachable(MlgraphError):
    """The MLflow server could not be reached (refused, DNS, timeout)."""

    code = "mlflow_unreachable"
    status = 502


class MlflowError(MlgraphError):
    """The MLflow server answered with an error, or with something that is not MLflow."""

    code = "mlflow_error"
    status = 502


class EndpointNotFound(MlflowError):
    """The server does not have this endpoint (an older MLflow)."""


class MlflowRest:
    """The reads the connector needs. `registry_uri` defaults to `tracking_uri`."""

    def __init__(
        self,
        tracking_uri: str,
        registry_uri: str | None = None,
        *,
        timeout: float = 60.0,
        headers: dict[str, str] | None = None,
        transport: httpx.BaseTransport | None = None,
    ) -> None:
        self.tracking_uri = tracking_uri.rstrip("/")
        self.registry_uri = (registry_uri or tracking_uri).rstrip("/")
        self._http = httpx.Client(timeout=timeout, headers=headers, transport=transport)

    def close(self) -> None:
        self._http.close()

    def _call(
        self,
        base: str,
        method: str,
        path: str,
        *,
        params: dict[str, Any] | None = None,
        json: dict[str, Any] | None = None,
    ) -> dict[str, Any]:
        url = f"{base}{API}/{path}"
        try:
            response = self._http.request(method, url, params=params, json=json)
        except httpx.TransportError as exc:
            raise MlflowUnreachable(
                f"cannot reach the MLflow server at {base}: {exc or type(exc).__name__}; "
                "is it running and is --tracking-uri right?"
            ) from exc
        try:
            body = response.json()
        except ValueError:
            body = None
        if response.status_code >= 400:
            code = body.get("error_code") if isinstance(body, dict) else None
            message = body.get("message") if isinstance(body, dict) else response.text[:200]
            error = (
                EndpointNotFound
                if response.status_code == 404
                and code
                in (
                    None,
                    "ENDPOINT_NOT_FOUND",
                )
                else MlflowError
            )
            raise error(
                f"the MLflow server at {base} answered HTTP {response.status_code} to "
                f"{method} {API}/{path}: {code or 'error'}: {message}"
            )
        if not isinstance(body, dict):
            raise MlflowError(
                f"the MLflow server at {base} answered {method} {API}/{path} with a body "
                "that is not a JSON object; is --tracking-uri an MLflow server?"
            )
        return body

    def _pages(
        self, base: str, method: str, path: str, field: str, request: dict[str, Any]
    ) -> Iterator[list[dict[str, Any]]]:
        """Each page of a search, following `next_page_token` to the end."""
        token: str | None = None
        while True:
            args = {**request, "page_token": token} if token else request
            if method == "GET":
                body = self._call(base, method, path, params=args)
            else:
                body = self._call(base, method, path, json=args)
            yield list(body.get(field) or [])
            token = body.get("next_page_token") or None
            if not token:
                return

    # -- tracking ---------------------------------------------------------------

    def experiments(self) -> list[dict[str, Any]]:
        """Every experiment, deleted ones included (their lifecycle_stage says so)."""
        request = {"max_results": 1000, "view_type": "ALL"}
        pages = self._pages(self.tracking_uri, "POST", "experiments/search", "experiments", request)
        return [e for page in pages for e in page]

    def run_pages(self, experiment_id: str) -> Iterator[list[dict[str, Any]]]:
        """The runs of one experiment, deleted ones included, oldest first (so runs
        started during the walk land on later pages instead of shifting earlier ones)."""
        request = {
            "experiment_ids": [experiment_id],
            "run_view_type": "ALL",
            "max_results": 1000,
            "order_by": ["attributes.start_time ASC"],
        }
        return self._pages(self.tracking_uri, "POST", "runs/search", "runs", request)

    def run(self, run_id: str) -> dict[str, Any] | None:
        try:
            body = self._call(self.tracking_uri, "GET", "runs/get", params={"run_id": run_id})
        except MlflowError as exc:
            if "RESOURCE_DOES_NOT_EXIST" in exc.message:
                return None
            raise
        run: dict[str, Any] | None = body.get("run")
        return run

    def metric_history(self, run_id: str, key: str) -> list[dict[str, Any]]:
        request = {"run_id": run_id, "metric_key": key, "max_results": 25_000}
        pages = self._pages(self.tracking_uri, "GET", "metrics/get-history", "metrics", request)
        return [m for page in pages for m in page]

    def logged_models(self, experiment_id: str) -> list[dict[str, Any]] | None:
        """MLflow 3's logged models of an experiment; None when the server predates them."""
        request = {"experiment_ids": [experiment_id], "max_results": 100}
        try:
            pages = self._pages(
                self.tracking_uri, "POST", "logged-models/search", "models", request
            )
            return [m for page in pages for m in page]
        except EndpointNotFound:
            return None

    # -- registry ---------------------------------------------------------------

    def registered_models(self) -> list[dict[str, Any]]:
        request = {"max_results": 1000}
        pages = self._pages(
            self.registry_uri, "GET", "registered-models/search", "registered_models", request
        )
        return [m for page in pages for m in page]

    def registered_model(self, name: str) -> dict[str, Any]:
        body = self._call(self.registry_uri, "GET", "registered-models/get", params={"name": name})
        model: dict[str, Any] = body.get("registered_model") or {}
        return model

    def model_versions(self) -> list[dict[str, Any]]:
        """Every model version of every registered model, in one paged search."""
        request = {"max_results": 10_000}
        pages = self._pages(
            self.registry_uri, "GET", "model-versions/search", "model_versions", request
        )
        return [v for page in pages for v in page]
