"""Lineage and seed 004's questions through the SDK, over the demo catalog on the
in-process app (every configured backend): typed answers, every page gathered, server
errors kept."""

from __future__ import annotations

import pytest

from mlgraph.errors import InvalidInput, NotFound
from mlgraph.sdk import (
    Client,
    Comparison,
    Endpoint,
    Lineage,
    LineageEdge,
    LineageNode,
    TrainingData,
    VersionChange,
)
from tests.demo.conftest import demo, sdk
from tests.lineage.test_questions import CLF20, ORDERS20
from tests.lineage.test_walk import (
    AMOUNT,
    CLF21,
    DASHBOARD,
    EXP47B,
    FRAUD_ENDPOINT,
    FRAUD_MODEL,
    ORDERS21,
    PREDICT,
    SCORES,
    USERS30,
)

__all__ = ["demo", "sdk"]  # the demo fixtures, in place of tests/sdk's empty catalog

pytestmark = pytest.mark.usefixtures("demo")

DATA_SCIENCE = "urn:li:corpuser:data_science_team"


def test_ancestry_of_the_endpoint_is_the_seed_chain(sdk: Client) -> None:
    walk = sdk.ancestry(PREDICT)
    assert isinstance(walk, Lineage)
    assert walk.root == PREDICT
    assert [(n.degree, n.urn) for n in walk.nodes] == [
        (1, CLF21),
        (2, EXP47B),
        (3, ORDERS21),
        (3, USERS30),
    ]
    orders = walk.node(ORDERS21)
    assert orders == LineageNode(
        urn=ORDERS21,
        direction="upstream",
        degree=3,
        paths=((PREDICT, CLF21, EXP47B, ORDERS21),),
        type="dataset",
        platform="s3",
        name="orders_v2.1",
        env="PROD",
        removed=False,
        exists=True,
    )
    assert LineageEdge(
        ORDERS21, EXP47B, "Consumes", ("Consumes", "DataProcessInstanceConsumes")
    ) in (walk.edges)
    assert not walk.truncated and walk.truncated_reason is None
    assert not walk.more_beyond_depth
    # The same answer as a whole-graph upstream walk.
    assert sdk.lineage(PREDICT, depth=0) == walk


def test_depth_limits_the_walk_and_says_more_lies_beyond(sdk: Client) -> None:
    walk = sdk.lineage(PREDICT, depth=2)
    assert [n.urn for n in walk.nodes] == [CLF21, EXP47B]
    assert [n.name for n in walk.nodes] == ["clf-v2.1", "exp-47b"]
    assert walk.more_beyond_depth is True


def test_both_directions(sdk: Client) -> None:
    walk = sdk.lineage(CLF21, direction="both")
    assert {(n.direction, n.urn) for n in walk.nodes} >= {
        ("upstream", EXP47B),
        ("downstream", PREDICT),
    }
    pairs = {(e.upstream, e.downstream) for e in walk.edges}
    assert {(EXP47B, CLF21), (CLF21, PREDICT)} <= pairs


def test_type_and_platform_filters_and_containment(sdk: Client) -> None:
    types = sdk.lineage(AMOUNT, direction="downstream", depth=0, types=["mlModel", "dashboard"])
    assert {n.urn for n in types.nodes} == {FRAUD_MODEL, DASHBOARD}
    sage = sdk.lineage(AMOUNT, direction="downstream", depth=0, platforms=["sagemaker"])
    assert [n.urn for n in sage.nodes] == [FRAUD_ENDPOINT]
    assert all(n.type != "container" for n in sdk.lineage(EXP47B).nodes)
    assert any(n.type == "container" for n in sdk.lineage(EXP47B, containment=True).nodes)


def test_paging_gathers_every_node_and_edge(sdk: Client) -> None:
    whole = sdk.lineage(AMOUNT, direction="downstream", depth=0)
    assert len(whole.nodes) > 6
    paged = sdk.lineage(AMOUNT, direction="downstream", depth=0, page_size=2)
    assert paged == whole
    assert len({n.urn for n in paged.nodes}) == len(paged.nodes)


def test_a_node_limit_truncates_and_says_why(sdk: Client) -> None:
    walk = sdk.lineage(AMOUNT, direction="downstream", depth=0, max_nodes=3, page_size=2)
    assert walk.truncated is True
    assert walk.truncated_reason is not None and "3 nodes" in walk.truncated_reason
    assert len(walk.nodes) == 3


def test_training_data_of_the_endpoint(sdk: Client) -> None:
    data = sdk.training_data(PREDICT)
    assert isinstance(data, TrainingData)
    assert data.models == (CLF21,) and data.training_runs == (EXP47B,)
    got = {t.dataset.urn: t for t in data.training_datasets}
    assert set(got) == {ORDERS21, USERS30}
    orders = got[ORDERS21]
    assert (orders.role, orders.via) == ("training", (EXP47B,))
    assert (orders.dataset.name, orders.dataset.version) == ("orders_v2.1", "2.1")
    assert orders.dataset.owners == (DATA_SCIENCE,)
    assert data.upstream_datasets == ()


def test_impact_of_a_column_reaches_model_endpoint_and_dashboard(sdk: Client) -> None:
    impact = sdk.impact(AMOUNT)
    assert impact.urns("mlModel") == {FRAUD_MODEL}
    assert impact.urns("mlModelDeployment") == {FRAUD_ENDPOINT}
    assert impact.urns("dashboard") == {DASHBOARD}
    assert SCORES in impact.urns("dataset")
    assert impact.total == sum(len(nodes) for nodes in impact.by_type.values())
    model = impact.by_type["mlModel"][0]
    assert model.owners == (DATA_SCIENCE,) and model.path[0] == AMOUNT
    assert DATA_SCIENCE in impact.owners_to_notify
    assert impact.truncated is False


def test_endpoints_serving_a_model(sdk: Client) -> None:
    assert sdk.endpoints(CLF21) == [
        Endpoint(
            urn=PREDICT,
            name="/predict v2.1",
            platform="mlflow",
            status="IN_SERVICE",
            endpoint_url="https://ml.example.com/predict",
            degree=1,
        )
    ]
    assert sdk.endpoints(CLF20) == []


def test_approval(sdk: Client) -> None:
    approved = sdk.approval(CLF21)
    assert approved.approved is True and "Production" in approved.stages
    assert approved.reasons == ()
    archived = sdk.approval(CLF20)
    assert archived.approved is False
    assert archived.reasons == ("Archived: it may no longer be deployed",)
    assert approved.approval is not None
    assert approved.approval.decided_by == "urn:li:corpuser:mokafor"
    assert approved.approval.evidence[0].link == "urn:li:dataProcessInstance:exp-47b"


def test_lineage_diff_of_the_regressed_model(sdk: Client) -> None:
    diff = sdk.compare(CLF20, CLF21)
    assert isinstance(diff, Comparison)
    assert diff.datasets.changed_versions == (
        VersionChange(ORDERS20, ORDERS21, "orders_v2.0", "orders_v2.1"),
    )
    assert diff.datasets.common == (USERS30,)
    assert diff.datasets.only_a == diff.datasets.only_b == ()
    lr = diff.hyperparameter("learning_rate")
    assert lr is not None and (lr.a, lr.b, lr.changed) == ("1e-3", "3e-4", True)
    epochs = diff.hyperparameter("epochs")
    assert epochs is not None and epochs.changed is False
    assert (diff.git_commit.a, diff.git_commit.b, diff.git_commit.changed) == (
        "b7d9e4",
        "e41c07a",
        True,
    )
    assert diff.deployments.only_b == (PREDICT,)
    assert diff.summary[:2] == (
        "dataset orders_v2.0 -> orders_v2.1",
        "hyperparameter learning_rate: 1e-3 -> 3e-4",
    )


def test_server_errors_keep_their_class_and_message(sdk: Client) -> None:
    with pytest.raises(NotFound, match="no entity urn:li:corpuser:nobody"):
        sdk.lineage("urn:li:corpuser:nobody")
    with pytest.raises(InvalidInput, match="direction 'sideways'"):
        sdk.lineage(CLF21, direction="sideways")
    with pytest.raises(InvalidInput, match="unknown entity type"):
        sdk.lineage(CLF21, types=["rocket"])
    with pytest.raises(InvalidInput, match="mlModel"):
        sdk.approval(ORDERS21)
    with pytest.raises(InvalidInput, match="two mlModels"):
        sdk.compare(CLF21, ORDERS21)
