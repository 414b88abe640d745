"""Search over GraphQL: `search` / `searchAcrossEntities` return what
`SearchService.search` finds, with facets, filters, start/count and cursors."""

from __future__ import annotations

import pytest
from fastapi.testclient import TestClient

from tests.graphql.conftest import gql

pytestmark = pytest.mark.usefixtures("demo")

MODEL = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,airline_forecast_models_group,PROD)"

SEARCH = """
query Search($input: SearchInput!) {
  search(input: $input) {
    start count total nextCursor
    searchResults { entity { urn type name } displayName description }
    facets { field displayName aggregations { value count entity { urn name } } }
  }
}
"""


def search(client: TestClient, **input: object) -> dict:
    body = gql(client, SEARCH, {"input": input})
    assert "errors" not in body, body["errors"]
    result: dict = body["data"]["search"]
    return result


def test_full_text_with_facet_counts(client: TestClient) -> None:
    result = search(client, query="forecast")
    urns = {r["entity"]["urn"] for r in result["searchResults"]}
    assert {MODEL, GROUP} <= urns
    assert result["total"] >= len(result["searchResults"]) == result["count"]
    facets = {f["field"]: f for f in result["facets"]}
    types = {a["value"]: a["count"] for a in facets["type"]["aggregations"]}
    assert types["mlModel"] == 1 and types["mlModelGroup"] == 1
    tags = {a["value"]: a for a in facets["tag"]["aggregations"]}
    assert tags["urn:li:tag:forecasting"]["entity"] == {
        "urn": "urn:li:tag:forecasting",
        "name": "forecasting",
    }
    assert facets["tag"]["displayName"] == "Tag"
    counts = [a["count"] for a in facets["tag"]["aggregations"]]
    assert counts == sorted(counts, reverse=True)
    model = next(r for r in result["searchResults"] if r["entity"]["urn"] == MODEL)
    assert model["displayName"] == "ARIMA Model"
    assert model["entity"] == {"urn": MODEL, "type": "MLMODEL", "name": "ARIMA Model"}


def test_types_and_facet_filters(client: TestClient) -> None:
    models = search(client, query="forecast", types=["MLMODEL"])
    assert [r["entity"]["urn"] for r in models["searchResults"]] == [MODEL]
    tagged = search(
        client, facets=[{"field": "tag", "values": ["urn:li:tag:production"]}], count=100
    )
    assert GROUP in {r["entity"]["urn"] for r in tagged["searchResults"]}
    assert all(
        a["value"] == "urn:li:tag:production" or a["count"] <= tagged["total"]
        for f in tagged["facets"]
        for a in f["aggregations"]
    )


def test_filter_grammar(client: TestClient) -> None:
    result = search(client, filter="tags.team = 'forecasting'", types=["MLMODEL_GROUP"])
    assert [r["entity"]["urn"] for r in result["searchResults"]] == [GROUP]


def test_start_count_and_cursor_paging(client: TestClient) -> None:
    everything = search(client, query="*", sort="NAME", count=1000, withFacets=False)
    assert everything["facets"] == []
    all_urns = [r["entity"]["urn"] for r in everything["searchResults"]]
    assert len(all_urns) == everything["total"] > 10
    page = search(client, sort="NAME", start=5, count=5)
    assert (page["start"], page["count"]) == (5, 5)
    assert [r["entity"]["urn"] for r in page["searchResults"]] == all_urns[5:10]
    following = search(client, sort="NAME", count=5, cursor=page["nextCursor"])
    assert following["start"] == 10
    assert [r["entity"]["urn"] for r in following["searchResults"]] == all_urns[10:15]


def test_total_is_bounded_unless_exact_total(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlgraph.services import search as search_service

    query = """
    query Search($input: SearchInput!) { search(input: $input) {
      total totalExact facetsExact nextCursor searchResults { entity { urn } } } }
    """

    def run(**input: object) -> dict:
        body = gql(client, query, {"input": input})
        assert "errors" not in body, body["errors"]
        result: dict = body["data"]["search"]
        return result

    models = run(types=["MLMODEL"], count=100)
    assert (models["total"], models["totalExact"], models["facetsExact"]) == (5, True, True)
    monkeypatch.setattr(search_service, "TOTAL_LIMIT", 3)
    bounded = run(types=["MLMODEL"], count=2)
    assert (bounded["total"], bounded["totalExact"]) == (3, False)
    assert bounded["nextCursor"]
    exact = run(types=["MLMODEL"], count=2, exactTotal=True)
    assert (exact["total"], exact["totalExact"]) == (5, True)
    body = gql(client, query, {"input": {"exactTotal": "yes"}})
    assert body["data"] is None and "exactTotal" in body["errors"][0]["message"]


def test_search_across_entities_is_the_same_search(client: TestClient) -> None:
    query = """
    query { searchAcrossEntities(input: {query: "forecast", types: [MLMODEL]}) {
      total searchResults { entity { urn } } } }
    """
    body = gql(client, query)
    assert body["data"]["searchAcrossEntities"] == {
        "total": 1,
        "searchResults": [{"entity": {"urn": MODEL}}],
    }


@pytest.mark.parametrize(
    ("input", "words"),
    [
        ({"facets": [{"field": "colour", "values": ["red"]}]}, "colour"),
        ({"filter": "metrics.auc >"}, "filter"),
        ({"start": 5, "cursor": "bzo1"}, "start or cursor"),
        ({"count": 0}, "limit"),
    ],
)
def test_bad_search_input_is_invalid_input(client: TestClient, input: dict, words: str) -> None:
    body = gql(client, SEARCH, {"input": input})
    assert body["data"] is None
    [error] = body["errors"]
    assert error["extensions"]["code"] == "invalid_input"
    assert words in error["message"]
