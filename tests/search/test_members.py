"""The search service's index reads for MLflow's runs/search: the members of an
experiment filtered and ordered in SQL, and the entities matching filter clauses. The
service checks a query before the store builds SQL from it."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from mlgraph.errors import InvalidInput
from mlgraph.model.query import Clause, Condition, MemberQuery, Sort, Value
from mlgraph.runtime import Services

pytestmark = pytest.mark.usefixtures("demo")

EXP41A = "urn:li:dataProcessInstance:exp-41a"
EXP47B = "urn:li:dataProcessInstance:exp-47b"
LEARNING_RATE = Value("param", "mlTrainingRunProperties", "learning_rate")
RUN_NAME = Value("field", "dataProcessInstanceProperties", "name")


def _experiment(client: TestClient) -> str:
    r = client.get(f"/api/v1/entities/{EXP47B}", params={"aspects": "container"})
    assert r.status_code == 200, r.text
    return str(r.json()["aspects"]["container"]["value"]["container"])


def _query(experiment: str, *conditions: Condition, descending: bool = False) -> MemberQuery:
    return MemberQuery(
        containers=[experiment],
        rel="IsPartOf",
        entity_type="dataProcessInstance",
        required_aspect="dataProcessInstanceProperties",
        conditions=list(conditions),
        sorts=[Sort(RUN_NAME, descending)],
    )


def test_members_are_filtered_and_ordered(client: TestClient, services: Services) -> None:
    experiment = _experiment(client)
    assert services.search.members(_query(experiment)) == [EXP41A, EXP47B]
    assert services.search.members(_query(experiment, descending=True)) == [EXP47B, EXP41A]
    slow = Condition(LEARNING_RATE, "=", "1e-3")
    assert services.search.members(_query(experiment, slow)) == [EXP41A]
    assert services.search.members(_query(experiment, Condition(LEARNING_RATE, "IS NULL"))) == []
    nowhere = _query(experiment)
    nowhere.containers = []
    assert services.search.members(nowhere) == []


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        (Condition(LEARNING_RATE, "LIKE", "1%"), "operator LIKE"),
        (Condition(LEARNING_RATE, "IN", "1e-3"), "IN takes a list"),
        (Condition(Value("score", "x", "y"), "=", "1"), "member value"),
    ],
)
def test_a_malformed_member_query_is_refused(
    client: TestClient, services: Services, condition: Condition, message: str
) -> None:
    with pytest.raises(InvalidInput, match=message):
        services.search.members(_query(_experiment(client), condition))


def test_matching_reads_filter_clauses_off_the_index(services: Services) -> None:
    found = services.search.matching(
        [Clause("param", "learning_rate", "=", "3e-4")], "dataProcessInstance", 10
    )
    assert found == {EXP47B}
    models = services.search.matching(
        [Clause("param", "learning_rate", "=", "3e-4")], "mlModel", 10
    )
    assert models == {"urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"}
    with pytest.raises(InvalidInput, match="unknown entity type"):
        services.search.matching([], "run", 10)
