"""`Client`: the typed Python client of the mlgraph REST API, shaped like DataHub's
`DataHubClient` (`client.entities.upsert/get/update`) plus the training-run helpers
of DataHub's AI client example."""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from types import TracebackType
from typing import Any, Self

import httpx

from mlgraph.config import DEFAULT_PORT
from mlgraph.model.aspects.process import (
    DataProcessInstanceProperties,
    MLTrainingRunProperties,
    RunResultType,
)
from mlgraph.sdk.approval_client import ApprovalClient
from mlgraph.sdk.aspect_client import AspectClient, ProposalClient
from mlgraph.sdk.entities.base import Timestamp
from mlgraph.sdk.entity_client import EntityClient
from mlgraph.sdk.http import Http, HttpClient, entity_path
from mlgraph.sdk.lineage_client import LineageClient
from mlgraph.sdk.lineage_types import (
    Approval,
    Comparison,
    Endpoint,
    Impact,
    Lineage,
    TrainingData,
)
from mlgraph.sdk.run_client import RunClient
from mlgraph.sdk.types import Relationship, WriteResult

DEFAULT_URL = f"http://127.0.0.1:{DEFAULT_PORT}"


class Client:
    """A connection to one mlgraph server.

    `actor` (a user URN) and `run_id` are recorded with every write. For tests, pass
    `transport` (an httpx transport) or a ready `http_client`, e.g.
    `fastapi.testclient.TestClient(app)`, to talk to an app in-process; the caller
    then owns and closes that client.
    """

    def __init__(
        self,
        url: str = DEFAULT_URL,
        token: str | None = None,
        *,
        actor: str | None = None,
        run_id: str | None = None,
        timeout: float = 30.0,
        transport: httpx.BaseTransport | None = None,
        http_client: HttpClient | None = None,
    ) -> None:
        self._http = Http(
            url,
            token=token,
            actor=actor,
            run_id=run_id,
            timeout=timeout,
            transport=transport,
            http_client=http_client,
        )
        self.entities = EntityClient(self._http)
        self.aspects = AspectClient(self._http)
        self.proposals = ProposalClient(self._http)
        self.runs = RunClient(self.entities, self.aspects, actor)
        self._lineage = LineageClient(self._http)
        self.approvals = ApprovalClient(self._http)

    @classmethod
    def from_env(cls, **overrides: Any) -> Client:
        """A client configured from MLGRAPH_URL, MLGRAPH_TOKEN and MLGRAPH_ACTOR."""
        settings: dict[str, Any] = {
            "url": os.environ.get("MLGRAPH_URL") or DEFAULT_URL,
            "token": os.environ.get("MLGRAPH_TOKEN") or None,
            "actor": os.environ.get("MLGRAPH_ACTOR") or None,
        }
        settings.update(overrides)
        return cls(**settings)

    @property
    def url(self) -> str:
        return self._http.url

    def as_user(self, *, token: str | None = None, actor: str | None = None) -> Client:
        """A client on this one's connection that calls with other credentials: another
        user's `token`, or (on a server with authentication off) an `actor` to name."""
        return Client(self._http.url, token=token, actor=actor, http_client=self._http.client)

    def whoami(self) -> dict[str, Any]:
        """The caller as the server sees it (`auth` says whether it checks credentials)."""
        me: dict[str, Any] = self._http.call("GET", "/api/v1/me")
        return me

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"Client({self.url!r})"

    def health(self) -> dict[str, Any]:
        """The server's `/health` answer (status and version)."""
        data: dict[str, Any] = self._http.call("GET", "/health")
        return data

    def relationships(
        self, urn: str, *, direction: str = "both", types: Iterable[str] | None = None
    ) -> list[Relationship]:
        """Edges of an entity: `outgoing` (declared by its aspects), `incoming`, or both."""
        data = self._http.call(
            "GET",
            entity_path(str(urn), "relationships"),
            params={"direction": direction, "types": list(types) if types else None},
        )
        return [Relationship.from_json(r) for r in data["relationships"]]

    # Lineage and seed 004's questions.

    def lineage(
        self,
        urn: str,
        direction: str = "upstream",
        depth: int = 1,
        types: Iterable[str] | None = None,
        platforms: Iterable[str] | None = None,
        containment: bool = False,
        max_nodes: int | None = None,
        *,
        page_size: int | None = None,
    ) -> Lineage:
        """Walk lineage from `urn`: `direction` upstream, downstream or both; `depth`
        hops (0: the whole graph); only nodes of `types` / `platforms` returned (the
        walk goes through the others); `containment` also follows experiment
        membership; `max_nodes` stops the walk (`truncated` then says so). Every page
        is fetched (`page_size` nodes a request)."""
        return self._lineage.lineage(
            urn,
            direction=direction,
            depth=depth,
            types=types,
            platforms=platforms,
            containment=containment,
            max_nodes=max_nodes,
            page_size=page_size,
        )

    def training_data(self, urn: str) -> TrainingData:
        """The datasets a model, model group or deployment was trained and evaluated on."""
        return self._lineage.training_data(urn)

    def impact(self, urn: str) -> Impact:
        """Everything downstream of a dataset or column, by type, and the owners to tell."""
        return self._lineage.impact(urn)

    def endpoints(self, urn: str) -> list[Endpoint]:
        """The deployments serving a model (or a group's models)."""
        return self._lineage.endpoints(urn)

    def ancestry(self, urn: str) -> Lineage:
        """Everything upstream of `urn`, to the sources, in one call."""
        return self._lineage.ancestry(urn)

    def approval(self, urn: str) -> Approval:
        """Whether a model is approved for production, and if not, why not."""
        return self._lineage.approval(urn)

    def compare(self, a: str, b: str) -> Comparison:
        """The lineage diff of two models: datasets, hyperparameters, metrics, commit,
        features, training runs and deployments."""
        return self._lineage.compare(a, b)

    # DataHub AI-client helpers, also under `client.runs`.

    def create_training_run(
        self,
        run_id: str,
        run_name: str | None = None,
        *,
        properties: DataProcessInstanceProperties | Mapping[str, Any] | None = None,
        training_run_properties: MLTrainingRunProperties | Mapping[str, Any] | None = None,
        run_result: RunResultType | str | None = None,
        start_timestamp: Timestamp | None = None,
        end_timestamp: Timestamp | None = None,
        hyper_params: Mapping[str, Any] | None = None,
        metrics: Mapping[str, Any] | None = None,
        experiment: Any = None,
        inputs: Iterable[Any] = (),
        outputs: Iterable[Any] = (),
        platform: str | None = None,
    ) -> str:
        """See `RunClient.create_training_run`; returns the run's URN."""
        return self.runs.create_training_run(
            run_id,
            run_name,
            properties=properties,
            training_run_properties=training_run_properties,
            run_result=run_result,
            start_timestamp=start_timestamp,
            end_timestamp=end_timestamp,
            hyper_params=hyper_params,
            metrics=metrics,
            experiment=experiment,
            inputs=inputs,
            outputs=outputs,
            platform=platform,
        )

    def add_run_to_experiment(self, run_urn: str, experiment_urn: Any) -> WriteResult:
        return self.runs.add_run_to_experiment(run_urn, experiment_urn)

    def add_input_datasets_to_run(self, run_urn: str, dataset_urns: Iterable[Any]) -> WriteResult:
        return self.runs.add_input_datasets_to_run(run_urn, dataset_urns)

    def add_output_datasets_to_run(self, run_urn: str, dataset_urns: Iterable[Any]) -> WriteResult:
        return self.runs.add_output_datasets_to_run(run_urn, dataset_urns)
