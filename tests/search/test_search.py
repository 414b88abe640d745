"""Search over the demo catalog: text, facets, every filter operator, sorting, paging,
bad input — the same answers on SQLite and PostgreSQL (the fixtures run both)."""

from __future__ import annotations

from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

pytestmark = pytest.mark.usefixtures("demo")

CHURN = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,customer-churn-predictor,PROD)"
CLF20 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.0,PROD)"
CLF21 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
EXP41A = "urn:li:dataProcessInstance:exp-41a"
EXP47B = "urn:li:dataProcessInstance:exp-47b"
ARIMA = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,arima_model,PROD)"
FRAUD = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_detection,PROD)"


def search(client: TestClient, **params: object) -> dict:
    r = client.get("/api/v1/search", params=params)
    assert r.status_code == 200, r.text
    return r.json()


def urns(body: dict) -> set[str]:
    return {r["urn"] for r in body["results"]}


def test_full_text_finds_names_descriptions_and_prefixes(client: TestClient) -> None:
    body = search(client, q="churn", type="mlModel")
    assert urns(body) == {CHURN}
    hit = body["results"][0]
    assert hit["display_name"] == "Customer Churn Prediction Model"
    assert "gradient boosting" in hit["description"]
    assert urns(search(client, q="chur", type="mlModel")) == {CHURN}  # last word is a prefix
    assert urns(search(client, q="gradient boosting", type="mlModel")) == {CHURN}
    assert search(client, q="gradient nonexistentword")["total"] == 0


def test_text_reaches_tags_owners_params_and_custom_properties(client: TestClient) -> None:
    assert CHURN in urns(search(client, q="xgboost"))  # custom property value
    assert CHURN in urns(search(client, q="n_estimators"))  # hyperparameter name
    assert CHURN in urns(search(client, q="data_science_team", type="mlModel"))  # owner
    assert ARIMA in urns(search(client, q="arima", type="mlModel"))  # tag


def test_facets_count_over_every_match(client: TestClient) -> None:
    body = search(client, type="mlModel", limit=1)
    assert body["total"] == 5 and len(body["results"]) == 1
    facets = body["facets"]
    assert facets["type"] == {"mlModel": 5}
    assert facets["tag"]["urn:li:tag:production"] == 3
    assert facets["alias"]["champion"] == 1
    assert facets["algorithm"] == {"Random Forest": 1}
    assert facets["owner"]["urn:li:corpuser:data_science_team"] == 4


def test_facet_filters_narrow_the_results(client: TestClient) -> None:
    assert urns(search(client, alias="champion")) == {ARIMA}
    prod = urns(search(client, type="mlModel", tag="urn:li:tag:production"))
    assert CHURN in prod and ARIMA not in prod
    both = search(client, type=["mlModel", "dataset"], platform="mlflow")
    assert {r["type"] for r in both["results"]} == {"mlModel"}


@pytest.mark.parametrize(
    ("filter", "expected"),
    [
        ("tags.dataset_version = 'orders_v2.1+users_v3.0'", {EXP47B}),
        (
            "tags.dataset_version != 'orders_v2.1+users_v3.0' AND type = 'dataProcessInstance'",
            {EXP41A},
        ),
        ("metrics.val_auc > 0.935", {CLF20, EXP41A}),
        ("metrics.val_auc >= 0.93 AND metrics.val_auc < 0.94", {CLF21, EXP47B}),
        ("metrics.val_accuracy <= 0.87", {CLF21, EXP47B}),
        ("metrics.val_accuracy = 0.89", {CLF20, EXP41A}),
        ("params.learning_rate = '3e-4'", {CLF21, EXP47B}),
        ("params.learning_rate LIKE '1e%' AND type = 'mlModel'", {CLF20}),
        ("params.learning_rate ILIKE '3E-4' AND type = 'mlModel'", {CLF21}),
        ("params.learning_rate LIKE '3E-4'", set()),  # LIKE is case-sensitive
        ("tags.git_commit IS NOT NULL AND type = 'mlModel'", {CLF20, CLF21}),
        (
            "tags.git_commit IS NULL AND name LIKE 'clf%'",
            {
                "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,clf_orders,PROD)",
                "urn:li:versionSet:(clf_orders,mlModel)",
            },
        ),
        ("name IN ('clf-v2.0', 'clf-v2.1')", {CLF20, CLF21}),
        ("name NOT IN ('clf-v2.0') AND name LIKE 'clf-v2%'", {CLF21}),
        ("type = 'mlModel' AND metrics.auc_roc > 0.9", {CHURN}),
    ],
)
def test_each_filter_operator(client: TestClient, filter: str, expected: set[str]) -> None:
    assert urns(search(client, filter=filter, limit=100)) == expected


def test_the_seed_004_search_combines_tags_metrics_and_params(client: TestClient) -> None:
    body = search(
        client,
        filter="tags.dataset_version = 'orders_v2.1+users_v3.0' AND metrics.val_auc > 0.9 "
        "AND params.learning_rate = '3e-4'",
    )
    assert urns(body) == {EXP47B}


def test_sorting_and_paging_with_a_cursor(client: TestClient) -> None:
    names = [r["name"] for r in search(client, type="mlModel", sort="name", limit=100)["results"]]
    assert names == sorted(names, key=str.lower)
    desc = [r["name"] for r in search(client, type="mlModel", sort="name", order="desc")["results"]]
    assert desc == names[::-1]
    seen: list[str] = []
    cursor = None
    while True:
        params: dict[str, object] = {"type": "mlModel", "sort": "name", "limit": 2}
        if cursor:
            params["cursor"] = cursor
        page = search(client, **params)
        seen += [r["name"] for r in page["results"]]
        cursor = page["next_cursor"]
        if not cursor:
            break
    assert seen == names


def test_the_index_follows_writes_in_the_same_transaction(client: TestClient) -> None:
    path = f"/api/v1/entities/{quote(FRAUD, safe='')}/aspects/mlModelProperties"
    props = client.get(path).json()["value"]
    props["description"] = "detects zanzibarian card fraud"
    assert client.put(path, json=props).status_code == 200
    assert urns(search(client, q="zanzibarian")) == {FRAUD}
    assert FRAUD in urns(search(client, tag="urn:li:tag:fraud"))
    assert client.delete(f"/api/v1/entities/{quote(FRAUD, safe='')}").status_code == 200
    assert search(client, q="zanzibarian")["total"] == 0  # soft-deleted: hidden
    assert FRAUD not in urns(search(client, tag="urn:li:tag:fraud"))  # from a facet too
    client.post(f"/api/v1/entities/{quote(FRAUD, safe='')}/restore")
    assert client.delete(path).status_code == 200
    assert search(client, q="zanzibarian")["total"] == 0  # aspect gone: words gone
    assert FRAUD not in urns(search(client, filter="metrics.auc > 0", limit=100))


@pytest.mark.parametrize(
    ("params", "fragment"),
    [
        ({"filter": "tags.a = 'x' OR tags.b = 'y'"}, "OR is not supported"),
        ({"filter": "metrics.auc > 'high'"}, "a metric compares with a number"),
        ({"filter": "params.lr > '3'"}, "operator > does not apply to params"),
        ({"filter": "colour = 'red'"}, "unknown key 'colour'"),
        ({"filter": "tags.x = 'open"}, "position 9"),
        ({"filter": "metrics.auc >"}, "at the end"),
        ({"sort": "size"}, "sort 'size'"),
        ({"order": "sideways"}, "order 'sideways'"),
        ({"cursor": "nope!"}, "cursor"),
        ({"limit": 0}, "limit"),
        ({"exact_total": "maybe"}, "exact_total"),
    ],
)
def test_bad_searches_are_4xx_naming_the_problem(
    client: TestClient, params: dict, fragment: str
) -> None:
    r = client.get("/api/v1/search", params=params)
    assert r.status_code == 422, r.text
    assert fragment in r.json()["error"]["message"]


def test_filter_values_are_bound_not_spliced(client: TestClient) -> None:
    body = search(client, filter="name = \"x' OR '1'='1\"")
    assert body["total"] == 0
    assert search(client, q="'; DROP TABLE entities; --")["total"] == 0
    assert search(client, type="mlModel")["total"] == 5


def test_facets_of_a_broad_search_are_counted_over_a_sample_and_say_so(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Facet counts are exact over a match set no larger than the sample; over a larger
    one they count the sample's most relevant matches and say so."""
    from mlgraph.services import search as search_service
    from mlgraph.services.filters import parse_filter

    full = search(client, type="mlModel")
    assert (full["total"], full["facets"]["type"], full["facets_exact"]) == (
        5,
        {"mlModel": 5},
        True,
    )
    monkeypatch.setattr(search_service, "FACET_SAMPLE", 5)
    assert search(client, type="mlModel")["facets"] == full["facets"]  # 5 <= the sample
    monkeypatch.setattr(search_service, "FACET_SAMPLE", 2)
    sampled = search(client, type="mlModel")
    assert len(sampled["results"]) == 5
    assert sampled["facets"]["type"] == {"mlModel": 2} and sampled["facets_exact"] is False
    # An exact total does not make the counts exact: they still cover the sample.
    counted = search(client, type="mlModel", exact_total="true")
    assert counted["total"] == 5 and counted["facets_exact"] is False
    assert search(client, type="mlModel", facets="false")["facets"] == {}

    # However few matches the store keeps at first, exact counts cover every match.
    from dataclasses import replace

    from mlgraph.store.search_store import SearchSpec

    store = client.app.state.services.search.store  # type: ignore[attr-defined]
    for spec in (
        SearchSpec(facet_filters={"type": ["mlModel", "dataset"]}),
        SearchSpec(words=["model"]),
        SearchSpec(clauses=parse_filter("params.learning_rate LIKE '%'")),
    ):
        whole = store.search(spec)
        few = store.search(replace(spec, facet_sample=2, keep=1, limit=1))
        assert whole.total > 2 and (few.facets, few.facets_exact) == (whole.facets, True), spec
        assert [r["urn"] for r in few.rows] == [r["urn"] for r in whole.rows[:1]]

    # A broad text ranked over a window: exact facets cover every match, not the window.
    monkeypatch.setattr(search_service, "FACET_SAMPLE", 1_000)
    monkeypatch.setattr(search_service, "RANK_WINDOW", 2)
    windowed = search(client, q="model")
    monkeypatch.setattr(search_service, "RANK_WINDOW", 10_000)
    whole = search(client, q="model")
    assert windowed["ranked_recent"] is True and whole["ranked_recent"] is False
    assert windowed["total"] > 2 and windowed["facets_exact"] is True
    assert windowed["facets"] == whole["facets"]


# Searches through each way the store gathers and counts matches: facets alone, a
# filter, a text alone (counted in its own index), a text with a facet, a broad text
# ranked over a window; some match more than the shrunk limit (3), some fewer.
BOUNDED = [
    {"type": "mlModel"},
    {"type": ["mlModel", "dataset"]},
    {"alias": "champion"},
    {"filter": "metrics.val_auc > 0"},
    {"filter": "params.learning_rate = '3e-4'"},
    {"q": "model"},
    {"q": "model", "type": "mlModel"},
    {"q": "churn"},
    {"q": "model", "sort": "name"},
]


@pytest.mark.parametrize("window", [10_000, 2], ids=["ranked-whole", "ranked-window"])
def test_the_total_stops_at_the_limit_unless_an_exact_one_is_asked_for(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, window: int
) -> None:
    """Past TOTAL_LIMIT matches the total is the limit and says it is not exact;
    `exact_total=true` counts them all; pages cut the same order either way and a
    cursor follows every page but the last."""
    from mlgraph.services import search as search_service

    monkeypatch.setattr(search_service, "RANK_WINDOW", window)
    monkeypatch.setattr(search_service, "TOTAL_LIMIT", 3)
    sizes = set()
    for params in BOUNDED:
        exact = search(client, **params, limit=1000, exact_total="true")
        n = len(exact["results"])
        assert (exact["total"], exact["total_exact"]) == (n, True), params
        bounded = search(client, **params, limit=1000)
        assert (bounded["total"], bounded["total_exact"]) == (min(n, 3), n <= 3), params
        assert bounded["results"] == exact["results"], params
        sizes.add(n > 3)
        for exact_total in ("false", "true"):
            seen: list[dict] = []
            cursor = None
            while True:
                more = {"cursor": cursor} if cursor else {}
                page = search(client, **params, **more, limit=2, exact_total=exact_total)
                if exact_total == "true":
                    assert (page["total"], page["total_exact"]) == (n, True), params
                else:
                    assert (page["total"], page["total_exact"]) == (min(n, 3), n <= 3), params
                seen += page["results"]
                cursor = page["next_cursor"]
                if not cursor:
                    break
            assert seen == exact["results"], (params, exact_total)
    assert sizes == {True, False}  # both kinds were tried

    # A soft-deleted match is not counted, whether the text's index counts or the query.
    assert client.delete(f"/api/v1/entities/{quote(FRAUD, safe='')}").status_code == 200
    for params in ({"q": "model"}, {"q": "fraud"}, {"q": "model", "platform": "mlflow"}):
        exact = search(client, **params, limit=1000, exact_total="true")
        n = len(exact["results"])
        assert FRAUD not in urns(exact) and exact["total"] == n, params
        bounded = search(client, **params, limit=1000)
        assert (bounded["total"], bounded["total_exact"]) == (min(n, 3), n <= 3), params
        assert bounded["results"] == exact["results"], params


@pytest.mark.parametrize("probe", [False, True], ids=["sets-read-whole", "sets-probed"])
def test_pages_are_the_same_however_the_matches_are_gathered(
    client: TestClient, monkeypatch: pytest.MonkeyPatch, probe: bool
) -> None:
    """Every way the store may gather matches — a small result kept whole, a large one
    counted apart from its first page, a set read whole or tested per candidate —
    gives the same total and the same pages in the same order."""
    from dataclasses import replace

    from mlgraph.services.filters import parse_filter
    from mlgraph.store import search_store
    from mlgraph.store.search_store import SearchSpec

    if probe:  # every set beyond the driving one is tested per candidate
        monkeypatch.setattr(search_store, "_LIST_LIMIT", 0)
        monkeypatch.setattr(search_store, "_ESTIMATE_CAP", 1)
    store = client.app.state.services.search.store  # type: ignore[attr-defined]
    everything = store.search(SearchSpec(limit=1000, facets=False))
    tags = store.search(SearchSpec(limit=1000)).facets["tag"]
    specs = [
        SearchSpec(words=["model"]),
        SearchSpec(words=["model"], descending=True),
        SearchSpec(words=["model"], facet_filters={"type": ["mlModel", "mlModelGroup"]}),
        SearchSpec(facet_filters={"type": ["mlModel", "dataset", "dataProcessInstance"]}),
        # Decided by the entity row alone: the page by time or name is read in order.
        SearchSpec(facet_filters={"type": ["mlModel", "dataset"]}, sort="updated"),
        SearchSpec(facet_filters={"type": ["mlModel"]}, sort="updated", descending=True),
        SearchSpec(facet_filters={"type": ["dataset", "mlModel"]}, sort="name"),
        SearchSpec(facet_filters={"tag": list(tags)}, descending=True),
        SearchSpec(facet_filters={"tag": list(tags), "type": ["mlModel", "dataset"]}),
        SearchSpec(clauses=parse_filter("params.learning_rate LIKE '%'"), sort="name"),
        SearchSpec(clauses=parse_filter("params.learning_rate IS NULL"), sort="updated"),
        SearchSpec(clauses=parse_filter("tags.git_commit LIKE '%'")),
        SearchSpec(
            clauses=parse_filter("params.learning_rate LIKE '%' AND metrics.val_accuracy > 0"),
            facet_filters={"subtype": ["ML Training Run"]},
        ),
    ]
    for base in specs:
        whole = store.search(replace(base, limit=1000, facets=False))
        assert 1 < whole.total < everything.total, base  # a real narrowing, several pages
        expected = [r["urn"] for r in whole.rows]
        for keep in (1, 3, 1000):
            seen: list[str] = []
            for offset in range(whole.total):
                page = store.search(replace(base, offset=offset, limit=1, keep=keep, facets=False))
                assert page.total == whole.total, (base, keep)
                seen += [r["urn"] for r in page.rows]
            assert seen == expected, (base, keep)


def test_a_broad_text_is_ranked_over_its_most_recently_changed_matches(
    client: TestClient,
) -> None:
    """A text matching more entities than the rank window: the most recently changed
    matches are ranked and come first, every other match follows (most recent first),
    the total counts them all, and pages cut that one order without gaps or repeats."""
    from dataclasses import replace

    from mlgraph.store.search_store import SearchSpec

    store = client.app.state.services.search.store  # type: ignore[attr-defined]
    path = f"/api/v1/entities/{quote(FRAUD, safe='')}/aspects/mlModelProperties"
    props = client.get(path).json()["value"]
    props["description"] = "a model model model of card fraud"  # changed last
    assert client.put(path, json=props).status_code == 200

    # Every type but one: a facet larger than the text's matches, so the text drives.
    types = sorted(store.search(SearchSpec(limit=1)).facets["type"])
    broad_types = [t for t in types if t != "glossaryTerm"]
    for base in (
        SearchSpec(words=["model"], limit=1000, facets=False),
        SearchSpec(words=["model"], facet_filters={"type": broad_types}, limit=1000, facets=False),
    ):
        exact = store.search(replace(base, rank_window=10**6))
        assert exact.ranked_recent is False and exact.total > 2, base
        windowed = store.search(replace(base, rank_window=2))
        assert windowed.ranked_recent is True
        assert windowed.total == exact.total
        order = [r["urn"] for r in windowed.rows]
        assert sorted(order) == sorted(r["urn"] for r in exact.rows)
        assert FRAUD in order[:2]  # the latest change is in the ranked window
        for limit in (1, 3):
            seen: list[str] = []
            for offset in range(0, windowed.total, limit):
                page = store.search(replace(base, rank_window=2, offset=offset, limit=limit))
                assert page.total == windowed.total
                seen += [r["urn"] for r in page.rows]
            assert seen == order, (base, limit)

    text_only = SearchSpec(words=["model"], rank_window=2, facets=False)
    before = store.search(text_only).total
    assert client.delete(f"/api/v1/entities/{quote(FRAUD, safe='')}").status_code == 200
    after = store.search(replace(text_only, limit=1000))
    assert after.total == before - 1 and FRAUD not in {r["urn"] for r in after.rows}
    assert client.post(f"/api/v1/entities/{quote(FRAUD, safe='')}/restore").status_code == 200
    assert store.search(text_only).total == before


@pytest.mark.parametrize(
    "types",
    [["mlModel"], ["mlModel", "dataset"], ["dataProcessInstance"], ["MLMODEL"], ["nosuch"]],
)
def test_words_within_types_are_the_matches_of_those_types(
    client: TestClient, types: list[str]
) -> None:
    """However the store tests the type (in the full-text index on SQLite, on the URN
    otherwise), words within types are exactly the word's matches of those types."""
    from mlgraph.store.search_store import SearchSpec

    store = client.app.state.services.search.store  # type: ignore[attr-defined]
    for words in (["model"], ["data"], ["v2"]):
        every = store.search(SearchSpec(words=words, limit=1000, facets=False)).rows
        expected = [r["urn"] for r in every if r["entity_type"] in types]
        within = store.search(
            SearchSpec(words=words, facet_filters={"type": types}, limit=1000, facets=False)
        )
        assert [r["urn"] for r in within.rows] == expected, (words, types)
        assert within.total == len(expected)


def test_no_two_entity_types_differ_only_in_case() -> None:
    """SQLite's full-text index folds case, and the search folds a type facet into it."""
    from mlgraph.model.registry import ENTITIES

    assert len({t.lower() for t in ENTITIES}) == len(ENTITIES)


def test_a_search_leaves_its_scratch_tables_empty(client: TestClient) -> None:
    """Searches fill per-connection scratch tables; each search empties them when it
    ends. On PostgreSQL they are truncated, not rolled back: rolled-back rows would stay
    as dead tuples that every later search on the connection reads past."""
    from mlgraph.store.search_store import SearchSpec

    store = client.app.state.services.search.store  # type: ignore[attr-defined]
    for _ in range(3):
        assert store.search(SearchSpec(words=["model"])).total > 0
    with store.engines.reading() as conn:  # the connection those searches used
        for table in ("search_hits", "search_text_hits"):
            assert conn.exec_driver_sql(f"SELECT count(*) FROM {table}").scalar_one() == 0
            if conn.dialect.name == "postgresql":
                size = f"SELECT pg_relation_size('{table}')"
                assert conn.exec_driver_sql(size).scalar_one() == 0


def test_an_entity_with_a_key_in_two_aspects_is_one_match(client: TestClient) -> None:
    run = "urn:li:dataProcessInstance:twice-tagged"
    base = f"/api/v1/entities/{quote(run, safe='')}/aspects"
    custom = {"customProperties": {"twice": "yes"}}
    r = client.put(
        f"{base}/dataProcessInstanceProperties",
        json={"name": "twice", "created": {"time": 1}, **custom},
    )
    assert r.status_code == 200, r.text
    r = client.put(f"{base}/mlTrainingRunProperties", json={"id": "twice", **custom})
    assert r.status_code == 200, r.text
    for spelled in ("tags.twice = 'yes'", "tags.twice LIKE 'y%'", "tags.twice IS NOT NULL"):
        body = search(client, filter=spelled)
        assert (body["total"], urns(body)) == (1, {run}), spelled
        assert body["facets"]["type"] == {"dataProcessInstance": 1}
