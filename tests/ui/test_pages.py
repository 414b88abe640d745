"""Every page type rendered in-process over the demo catalog: what each shows, that
it escapes what users wrote, and that HTML errors keep the API's statuses."""

from __future__ import annotations

import json
import re
from html import unescape
from typing import Any
from urllib.parse import quote

import pytest
from fastapi.testclient import TestClient

from mlgraph.runtime import Services
from mlgraph.services.proposals import Op, Proposal
from mlgraph.ui.entity import tabs_for
from mlgraph.ui.header import header

CHURN = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,customer-churn-predictor,PROD)"
FRAUD = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,fraud_detection,PROD)"
CLF_V20 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.0,PROD)"
CLF_V21 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,clf_orders,PROD)"
ENDPOINT = "urn:li:mlModelDeployment:(urn:li:dataPlatform:mlflow,/predict v2.1,PROD)"
RUN_47B = "urn:li:dataProcessInstance:exp-47b"
ORDERS = "urn:li:dataset:(urn:li:dataPlatform:s3,orders_v2.1,PROD)"
USERS = "urn:li:dataset:(urn:li:dataPlatform:s3,users_v3.0,PROD)"

DESCRIBE_ORDERS = {"op": "add", "path": "/description", "value": "orders, v2.1"}

pytestmark = pytest.mark.usefixtures("demo")


def page(urn: str, **params: str) -> str:
    query = "&".join(f"{k}={quote(str(v), safe='')}" for k, v in params.items())
    return "/entity/" + quote(urn, safe=":,()") + (f"?{query}" if query else "")


def text(html: str) -> str:
    """The page's visible text, roughly: tags dropped, entities decoded."""
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def get(client: TestClient, url: str, status: int = 200) -> str:
    r = client.get(url)
    assert r.status_code == status, r.text[:2000]
    assert r.headers["content-type"].startswith("text/html")
    return r.text


def island(html: str, element_id: str) -> Any:
    """The JSON a page hands its script in <script type="application/json">."""
    m = re.search(rf'id="{element_id}">(.*?)</script>', html)
    assert m, f"no #{element_id} on the page"
    return json.loads(m.group(1))


def experiment_urn(services: Services, name: str) -> str:
    found = services.search.search(name, facets={"type": ["container"]})["results"]
    return next(r["urn"] for r in found if r["display_name"] == name)


def test_home_shows_counts_recent_changes_and_models_in_production(client: TestClient) -> None:
    html = get(client, "/")
    body = text(html)
    assert "63 entities" in body
    assert 'href="/search?type=mlModel"' in html
    recent = html[html.index('id="recent"') :]
    assert "clf_orders" in recent
    production = text(html[html.index('id="production"') : html.index('id="recent"')])
    assert "clf_orders v2.1" in production  # Production alias
    assert "Customer Churn Prediction Model" in production  # production tag
    assert "clf_orders v2.0" not in production  # Archived


def test_home_recent_changes_are_newest_first_and_live_only(
    client: TestClient, services: Services
) -> None:
    services.writes.apply(
        [Proposal(Op.PATCH, ORDERS, "datasetProperties", patch=[DESCRIBE_ORDERS])]
    )
    recent = text(get(client, "/").split('id="recent"')[1]).split("Recently changed")[1]
    assert recent.split()[:2] == ["dataset", "orders_v2.1"]  # type badge, then name

    services.writes.apply([Proposal(Op.DELETE_ENTITY, ORDERS)])
    html = get(client, "/")
    assert "orders_v2.1" not in text(html.split('id="recent"')[1])
    assert "62 entities" in text(html)


def test_home_lists_a_bounded_number_of_tagged_models_and_links_to_the_rest(
    client: TestClient, services: Services
) -> None:
    tags = {"tags": [{"tag": "urn:li:tag:production"}]}
    services.writes.apply(
        [
            Proposal(
                Op.UPSERT,
                f"urn:li:mlModel:(urn:li:dataPlatform:mlflow,m{i:02d},PROD)",
                "globalTags",
                value=tags,
            )
            for i in range(60)
        ]
        + [Proposal(Op.UPSERT, ORDERS, "globalTags", value=tags)]
        + [Proposal(Op.DELETE_ENTITY, CHURN)]
    )
    html = get(client, "/")
    production = html[html.index('id="production"') : html.index('id="recent"')]
    shown = re.findall(r'<li class="result">', production)
    assert 50 <= len(shown) <= 52  # 50 tagged, plus those with a Production alias
    assert "clf_orders v2.1" in text(production)  # by alias, always shown
    assert "urn:li:dataset:" not in production  # tagged, but not a model
    assert "Customer Churn" not in text(production)  # soft-deleted
    assert 'href="/search?type=mlModel&amp;tag=urn%3Ali%3Atag%3Aproduction"' in production


def test_search_facets_are_links_that_narrow_and_widen(client: TestClient) -> None:
    html = get(client, "/search?q=churn")
    assert "5 results" in text(html)
    link = re.search(r'href="(/search\?q=churn&amp;type=mlModel)"', html)
    assert link, "the type facet offers mlModel as a link"
    narrowed = get(client, unescape(link.group(1)))
    assert "1 result" in text(narrowed)
    assert "Customer Churn Prediction Model" in text(narrowed)
    # The chosen value links back to the unfiltered search.
    assert 'href="/search?q=churn" class="on"' in narrowed


def test_search_says_when_a_broad_word_is_ranked_over_recent_matches(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlgraph.services import search

    html = get(client, "/search?q=churn")
    assert 'id="ranked-recent"' not in html  # 5 matches: every one ranked
    monkeypatch.setattr(search, "RANK_WINDOW", 2)
    html = get(client, "/search?q=churn")
    assert "5 results" in text(html)
    assert "the 2 most recently changed are ranked first" in text(html)
    assert client.get("/api/v1/search", params={"q": "churn"}).json()["ranked_recent"] is True


def test_search_says_when_the_total_stopped_at_the_limit(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    from mlgraph.services import search

    assert "5 results" in text(get(client, "/search?type=mlModel"))
    monkeypatch.setattr(search, "TOTAL_LIMIT", 3)
    assert "3+ results" in text(get(client, "/search?type=mlModel"))
    assert "1 result" in text(get(client, "/search?alias=champion"))
    monkeypatch.setattr(search, "TOTAL_LIMIT", 1000)
    monkeypatch.setattr(search, "FACET_SAMPLE", 5)
    assert 'id="facets-sampled"' not in get(client, "/search?type=mlModel")
    monkeypatch.setattr(search, "FACET_SAMPLE", 2)
    monkeypatch.setattr(search, "TOTAL_LIMIT", 4)
    sampled = get(client, "/search?type=mlModel")
    assert "4+ results" in text(sampled)
    assert "Counts over the 2 most relevant results." in text(sampled)


def test_search_filter_grammar_and_its_errors(client: TestClient) -> None:
    html = get(client, "/search?filter=" + quote("metrics.val_auc > 0.935"))
    body = text(html)
    assert "clf_orders v2.0" in body and "clf_orders v2.1" not in body
    bad = get(client, "/search?filter=" + quote("metrics.val_auc >>"), status=422)
    assert "invalid_input" in bad


def test_every_entity_renders_every_tab(client: TestClient, services: Services) -> None:
    rows, _ = services.entities.page(limit=1000)
    assert len(rows) == 63
    for row in rows:
        for tab, _label in tabs_for(header(services.entities.get(row.urn))):
            get(client, page(row.urn, tab=tab))


def test_model_header_card_and_metrics(client: TestClient) -> None:
    html = get(client, page(CHURN))
    body = text(html)
    for expected in (
        "Customer Churn Prediction Model",
        "data_science_team",
        "production",
        "customer-churn",
        "customer-analytics",
        "A gradient boosting model that predicts customer churn",
    ):
        assert expected in body
    card = text(get(client, page(CHURN, tab="card")))
    for expected in (
        "Intended use",
        "Not suitable for real-time predictions (batch inference only)",
        "Ethical considerations",
        "Regular bias audits conducted quarterly",
        "Caveats and recommendations",
        "Accuracy drops for customers with under 90 days of history",
        "Factors",
        "subscription tier",
        "Quantitative analyses",
        "AUC by subscription tier",
        "Training data",
        "Removed customers with less than 30 days of history",
        "Evaluation data",
        "customer_features_holdout",
        "Source code",
        "churn-predictor/eval",
        "Cost",
        "ml-churn-retention",
    ):
        assert expected in card, expected
    metrics = text(get(client, page(CHURN, tab="metrics")))
    assert "max_depth 6" in metrics and "auc_roc 0.91" in metrics


def test_version_badges_and_deprecation(client: TestClient, services: Services) -> None:
    html = get(client, page(CLF_V21))
    assert "v2.1" in text(html) and "Production" in text(html)
    # approved on record: the badge names the approver
    assert 'class="badge approved" title="approved by mokafor"' in html
    assert "approved" not in text(get(client, page(CHURN))).split("Custom properties")[0]
    deprecation = {"deprecated": True, "note": "superseded by v2.1", "replacement": CLF_V21}
    services.writes.apply_one(Proposal(Op.UPSERT, CLF_V20, "deprecation", value=deprecation))
    body = text(get(client, page(CLF_V20)))
    assert "Deprecated: superseded by v2.1" in body


def test_features_reach_their_source_columns(client: TestClient) -> None:
    html = get(client, page(FRAUD, tab="features"))
    table = html[html.index('id="features"') :]
    assert "amount_zscore" in table
    assert "transactions</a>.<code>amount</code>" in table


def test_related_entities_both_ways(client: TestClient, services: Services) -> None:
    group = text(get(client, page(GROUP, tab="related")))
    assert "Models (versions)" in group and "clf_orders v2.0" in group
    model = text(get(client, page(CLF_V21, tab="related")))
    assert "Model group" in model and "Deployments" in model and "/predict v2.1" in model
    run = text(get(client, page(RUN_47B, tab="related")))
    assert "Inputs" in run and "orders_v2.1" in run and "users_v3.0" in run
    assert "Outputs" in run and "clf_orders v2.1" in run
    experiment = experiment_urn(services, "orders_fraud_detection")
    exp = text(get(client, page(experiment, tab="related")))
    assert "Members (runs)" in exp and "exp-41a" in exp and "exp-47b" in exp


def test_history_lists_changes_and_diffs_two_versions(client: TestClient) -> None:
    html = get(client, page(CHURN, tab="history"))
    table = text(html[html.index('id="history"') :])
    assert "mlModelProperties v2" in table and "mlModelProperties v1" in table
    assert "demo_loader" in table
    diff = get(client, page(CHURN, tab="history", aspect="mlModelProperties", old="1", new="2"))
    section = text(diff[diff.index('id="diff"') :])
    assert "/hyperParams" in section and "added" in section
    assert "max_depth" in section
    get(client, page(CHURN, tab="history", aspect="mlModelProperties", old="1", new="9"), 404)


def test_model_group_versions_table_and_chart_data(client: TestClient) -> None:
    html = get(client, page(GROUP))
    assert 'data-tab="versions" aria-current="page"' in html
    rows = html[html.index('id="versions"') : html.index("</table>")]
    assert rows.index("clf_orders v2.0") < rows.index("clf_orders v2.1")
    for expected in ("GradientBoostingClassifier", "orders_v2.0", "orders_v2.1", "users_v3.0"):
        assert expected in rows
    assert "/predict v2.1" in rows and "Archived" in rows and "Production" in rows
    chart = island(html, "chart-data")
    assert chart == {
        "kind": "line",
        "labels": ["2.0", "2.1"],
        "series": {"val_accuracy": [0.89, 0.87], "val_auc": [0.94, 0.93]},
    }
    assert "/static/vendor/chart.js-4.4.7/chart.umd.js" in html


def test_experiment_runs_table(client: TestClient, services: Services) -> None:
    html = get(client, page(experiment_urn(services, "orders_fraud_detection")))
    table = text(html[html.index('id="runs"') : html.index("</table>")])
    assert "learning_rate" in table and "val_auc" in table
    assert "exp-41a SUCCESS" in table and "1e-3" in table and "3e-4" in table


def test_lineage_page_embeds_the_first_view(client: TestClient) -> None:
    html = get(client, "/lineage/" + quote(ENDPOINT, safe=":,()"))
    data = island(html, "lineage-data")
    assert data["root"] == ENDPOINT and data["root_name"] == "/predict v2.1"
    assert [n["urn"] for n in data["graph"]["nodes"]] == [CLF_V21]
    assert data["ancestry"] is None
    assert "/static/vendor/cytoscape-3.30.4/cytoscape.min.js" in html

    full = get(client, "/lineage/" + quote(ENDPOINT, safe=":,()") + "?ancestry=1")
    data = island(full, "lineage-data")
    upstream = {n["urn"] for n in data["ancestry"]["nodes"]}
    assert {CLF_V21, RUN_47B, ORDERS, USERS} <= upstream


def test_compare_page_shows_the_lineage_diff(client: TestClient) -> None:
    html = get(client, f"/compare?a={quote(CLF_V20)}&b={quote(CLF_V21)}")
    body = text(html)
    assert "dataset orders_v2.0 -> orders_v2.1" in body
    assert "hyperparameter learning_rate: 1e-3 -> 3e-4" in body
    assert "git commit: b7d9e4 -> e41c07a" in body
    assert "/predict v2.1" in body
    get(client, f"/compare?a={quote(CLF_V20)}&b={quote(ORDERS)}", status=422)


def test_compare_pickers_suggest_recent_models_and_search_the_rest(
    client: TestClient, services: Services
) -> None:
    services.writes.apply([Proposal(Op.PATCH, CHURN, "mlModelProperties", patch=[DESCRIBE_ORDERS])])
    html = get(client, "/compare")
    for field in ("a", "b"):
        assert re.search(
            rf'<input list="models-{field}" name="{field}"[^>]*data-search-type="mlModel"', html
        )
        listed = re.search(rf'<datalist id="models-{field}">(.*?)</datalist>', html)
        assert listed
        urns = re.findall(r'<option value="([^"]+)">', listed.group(1))
        assert urns[0] == CHURN  # changed last
        assert 1 < len(urns) <= 20 and all(u.startswith("urn:li:mlModel:") for u in urns)
    assert '<script src="/static/js/picker.js"></script>' in html
    assert client.get("/static/js/picker.js").status_code == 200


EVIL = '<script>alert("x")</script><img src=x onerror=alert(1)>'


def test_user_text_is_escaped_everywhere(client: TestClient) -> None:
    urn = "urn:li:dataset:(urn:li:dataPlatform:s3,evil,PROD)"
    value = {
        "description": EVIL,
        "name": EVIL,
        "customProperties": {EVIL: EVIL},
    }
    proposals = [
        {"urn": urn, "aspect": "datasetProperties", "value": value},
        {
            "urn": urn,
            "aspect": "schemaMetadata",
            "value": {"fields": [{"fieldPath": "c", "description": EVIL}]},
        },
    ]
    assert client.post("/api/v1/proposals", json={"proposals": proposals}).status_code == 200
    for url in (
        page(urn),
        page(urn, tab="history"),
        page(urn, tab="edit"),
        page(urn, tab="history", aspect="datasetProperties", old="1", new="1"),
        "/search?q=evil",
        "/",
        "/lineage/" + quote(urn, safe=":,()"),
        "/search?q=" + quote(EVIL),
        "/search?filter=" + quote(EVIL),
    ):
        r = client.get(url)
        assert "<script>alert" not in r.text, url
        assert "<img src=x" not in r.text, url
        assert "script-src 'self'" in r.headers["content-security-policy"]
    html = get(client, page(urn))
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert EVIL in text(html)


def test_a_json_island_cannot_close_its_script_tag(client: TestClient) -> None:
    urn = "urn:li:dataset:(urn:li:dataPlatform:s3,x</script><script>alert(1)</script>,PROD)"
    proposal = {"urn": urn, "aspect": "datasetProperties", "value": {"description": "d"}}
    assert client.post("/api/v1/proposals", json={"proposals": [proposal]}).status_code == 200
    html = get(client, "/lineage/" + quote(urn, safe=":,()"))
    island = html[html.index('id="lineage-data">') :]
    assert island.index("</script>") > island.index("\\u003c/script\\u003e")
    assert "<script>alert(1)" not in html


def test_errors_are_html_pages_with_the_api_status(client: TestClient) -> None:
    missing = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,nope,PROD)"
    assert "no entity" in get(client, page(missing), status=404)
    assert "unknown entity type" in get(client, "/entity/urn:li:nope:x", status=422)
    assert "no tab" in get(client, page(CHURN, tab="versions"), status=404)
    assert "no tab" in get(client, page(ORDERS, tab="card"), status=404)


def test_related_lists_are_capped_with_a_count(client: TestClient) -> None:
    proposals = [
        {
            "urn": f"urn:li:dataset:(urn:li:dataPlatform:s3,tagged_{i},PROD)",
            "aspect": "globalTags",
            "value": {"tags": [{"tag": "urn:li:tag:iris"}]},
        }
        for i in range(205)
    ]
    assert client.post("/api/v1/proposals", json={"proposals": proposals}).status_code == 200
    html = get(client, page("urn:li:tag:iris", tab="related"))
    section = html[html.index('data-rel="TaggedWith"') :]
    assert section.count("<li>") == 200
    assert "… and 6 more." in text(section)  # 205 + the demo's iris_input
