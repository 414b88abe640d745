"""The UI in a real headless Chromium (Playwright) against a live uvicorn serving the
demo catalog: search and facets, the model card, the lineage explorer expanded click
by click from `/predict v2.1` to its datasets, the versions table and its chart, the
experiment's runs, an edit read back through the REST API, and escaping in a browser.

Saves its screenshots under $MLGRAPH_SCREENSHOTS_DIR, or a temporary directory
(`make screenshots` retakes the ones under docs/screenshots/)."""

from __future__ import annotations

import os
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from mlgraph.demo import write_demo
from mlgraph.sdk import Client
from tests.browser import chromium
from tests.live import mlgraph_server

pytestmark = pytest.mark.live

# A test run leaves the checkout untouched: the screenshots go to a temporary directory
# unless MLGRAPH_SCREENSHOTS_DIR names one (`make screenshots` points it at the copies
# committed under docs/).
SCREENSHOTS = Path(
    os.environ.get("MLGRAPH_SCREENSHOTS_DIR") or Path(tempfile.gettempdir()) / "mlgraph-screenshots"
)

CHURN = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,customer-churn-predictor,PROD)"
ENDPOINT = "urn:li:mlModelDeployment:(urn:li:dataPlatform:mlflow,/predict v2.1,PROD)"
CLF_V20 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.0,PROD)"
CLF_V21 = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
RUN_47B = "urn:li:dataProcessInstance:exp-47b"
ORDERS = "urn:li:dataset:(urn:li:dataPlatform:s3,orders_v2.1,PROD)"
USERS = "urn:li:dataset:(urn:li:dataPlatform:s3,users_v3.0,PROD)"
GROUP = "urn:li:mlModelGroup:(urn:li:dataPlatform:mlflow,clf_orders,PROD)"


def _page_url(urn: str) -> str:
    return "/entity/" + quote(urn, safe=":,()")


@pytest.fixture(scope="module")
def server_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """mlgraph under uvicorn with a fresh data dir, the demo loaded over HTTP through
    the SDK."""
    with mlgraph_server(tmp_path_factory.mktemp("ui-live")) as live:
        with Client(live.url, actor="urn:li:corpuser:demo_loader") as sdk:
            write_demo(sdk)
        yield live.url


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with chromium() as b:
        yield b


@pytest.fixture
def page(browser: Browser, server_url: str) -> Iterator[Page]:
    context = browser.new_context(base_url=server_url, viewport={"width": 1400, "height": 900})
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    try:
        yield page
    finally:
        context.close()
    assert not errors, f"the page logged errors: {errors}"


def _shot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name), full_page=False)


def test_search_and_facet_to_the_churn_model_card(page: Page) -> None:
    page.goto("/")
    expect(page.locator("#production")).to_contain_text("clf_orders v2.1")
    expect(page.locator("#counts")).to_contain_text("mlModel")
    _shot(page, "home.png")

    page.fill("input[name=q] >> nth=1", "churn")
    page.press("input[name=q] >> nth=1", "Enter")
    page.wait_for_url("**/search?q=churn")
    page.click("section.facet[data-facet=type] a[data-value=mlModel]")
    page.wait_for_url("**/search?q=churn&type=mlModel")
    expect(page.locator("#total")).to_have_text("1 result")
    page.click("text=Customer Churn Prediction Model")

    page.click("nav.tabs a[data-tab=card]")
    expect(page.locator("#card-intendedUse")).to_contain_text(
        "Predict customer churn to enable proactive retention campaigns"
    )
    expect(page.locator("#card-mlModelEthicalConsiderations")).to_contain_text(
        "Regular bias audits conducted quarterly"
    )
    expect(page.locator("#card-sourceCode")).to_contain_text("churn-predictor/train")
    expect(page.locator("#entity-name")).to_contain_text("Customer Churn Prediction Model")
    _shot(page, "model.png")


def _click_node(page: Page, urn: str) -> None:
    """A real mouse click on the node's spot on the canvas."""
    point = page.evaluate(
        """(id) => {
            const cy = window.mlgraphLineage.cy;
            const p = cy.getElementById(id).renderedPosition();
            const box = document.getElementById('cy').getBoundingClientRect();
            return {x: box.left + p.x, y: box.top + p.y};
        }""",
        urn,
    )
    page.mouse.click(point["x"], point["y"])


def _node(page: Page, urn: str) -> Locator:
    return page.locator(f'#node-list li[data-urn="{urn}"]')


def test_lineage_explorer_expands_from_the_endpoint_to_its_datasets(
    page: Page,
) -> None:
    page.goto(_page_url(ENDPOINT))
    page.click("#open-lineage")
    expect(_node(page, CLF_V21)).to_have_count(1)
    expect(_node(page, ORDERS)).to_have_count(0)

    _click_node(page, CLF_V21)
    expect(_node(page, RUN_47B)).to_have_count(1)
    _click_node(page, RUN_47B)
    expect(_node(page, ORDERS)).to_have_count(1)
    expect(_node(page, USERS)).to_have_count(1)

    # Filter by type: hiding datasets hides them on the canvas.
    page.uncheck("#type-filter input[value=dataset]")
    hidden = page.evaluate(
        "(id) => window.mlgraphLineage.cy.getElementById(id).hasClass('hidden')", ORDERS
    )
    assert hidden
    page.check("#type-filter input[value=dataset]")

    # The path from the endpoint back to its datasets, highlighted.
    page.click("#btn-ancestry")
    expect(page.locator("#status")).to_contain_text("path to the datasets highlighted")
    on_path = page.evaluate(
        """(ids) => ids.map(id => window.mlgraphLineage.cy.getElementById(id).hasClass('path'))""",
        [ENDPOINT, CLF_V21, RUN_47B, ORDERS, USERS],
    )
    assert on_path == [True] * 5
    _shot(page, "lineage.png")

    # Jump to a node's page.
    _click_node(page, ORDERS)
    page.click("#open-page")
    expect(page.locator("#entity-name")).to_contain_text("orders_v2.1")


def test_one_click_full_ancestry_of_the_endpoint(page: Page) -> None:
    page.goto(_page_url(ENDPOINT))
    page.click("#full-ancestry")
    expect(_node(page, ORDERS)).to_have_count(1)
    expect(_node(page, USERS)).to_have_count(1)
    expect(page.locator("#status")).to_contain_text("path to the datasets highlighted")


def test_model_group_versions_table_and_metric_chart(page: Page) -> None:
    page.goto(_page_url(GROUP))
    rows = page.locator("#versions tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text("2.0")
    expect(rows.nth(0)).to_contain_text("orders_v2.0")
    expect(rows.nth(0)).to_contain_text("Archived")
    expect(rows.nth(1)).to_contain_text("/predict v2.1")
    expect(rows.nth(1)).to_contain_text("Production")

    series = "() => window.mlgraphChart.data.datasets[0].data"
    assert page.evaluate(series) == [0.89, 0.87]
    page.select_option("#metric-select", "val_auc")
    assert page.evaluate(series) == [0.94, 0.93]
    expect(page.locator("#metric-chart")).to_have_attribute("data-metric", "val_auc")

    page.click("#versions thead th >> text=Version")  # ascending
    page.click("#versions thead th >> text=Version")  # descending
    expect(rows.nth(0)).to_contain_text("2.1")


def test_experiment_runs_table_and_chart(page: Page) -> None:
    page.goto("/search?q=orders_fraud_detection&type=container")
    page.click("li.result a >> nth=0")
    expect(page.locator("#runs tbody tr")).to_have_count(2)
    expect(page.locator("#runs thead")).to_contain_text("learning_rate")
    expect(page.locator("#runs thead")).to_contain_text("val_auc")
    page.wait_for_function("() => window.mlgraphChart !== undefined")  # drawn after load
    assert page.evaluate("() => window.mlgraphChart.data.labels") == ["exp-41a", "exp-47b"]
    _shot(page, "experiment.png")


def test_lineage_diff_picks_two_models_by_typing_their_names(page: Page) -> None:
    page.goto("/compare")
    # The pickers suggest a few recent models, and search every model as one types.
    page.locator("input[name=a]").press_sequentially("clf", delay=50)
    expect(page.locator(f'#models-a option[value="{CHURN}"]')).to_have_count(0)  # searched
    expect(page.locator(f'#models-a option[value="{CLF_V20}"]')).to_have_count(1)
    expect(page.locator(f'#models-a option[value="{CLF_V21}"]')).to_have_text("clf_orders v2.1")
    page.fill("input[name=a]", CLF_V20)  # what choosing the suggestion puts in the box
    page.fill("input[name=b]", CLF_V21)
    page.click("form.compareform button[type=submit]")
    page.wait_for_url("**/compare?a=*")
    expect(page.locator("#summary")).to_contain_text("dataset orders_v2.0 -> orders_v2.1")


def test_edit_description_then_read_it_from_the_api(page: Page, server_url: str) -> None:
    page.goto(_page_url(CLF_V21) + "?tab=edit")
    page.fill("#f-description", "Order fraud classifier; edited in the UI")
    page.click("#edit-description button")
    expect(page.locator("#saved")).to_contain_text("Saved description")

    body = httpx.get(f"{server_url}/api/v1/entities/{quote(CLF_V21, safe='')}").json()
    props = body["aspects"]["mlModelProperties"]
    assert props["value"]["description"] == "Order fraud classifier; edited in the UI"
    assert props["actor"] == "urn:li:corpuser:anonymous"  # the default actor, as on every door


def test_a_script_in_a_description_renders_as_text(page: Page, server_url: str) -> None:
    evil = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">'
    urn = "urn:li:dataset:(urn:li:dataPlatform:s3,evil,PROD)"
    proposal = {"urn": urn, "aspect": "datasetProperties", "value": {"description": evil}}
    r = httpx.post(f"{server_url}/api/v1/proposals", json={"proposals": [proposal]})
    assert r.status_code == 200, r.text
    page.goto(_page_url(urn))
    expect(page.locator("#description")).to_have_text(evil)
    assert page.evaluate("() => window.__pwned === undefined")


def test_the_explorer_stays_usable_at_a_few_hundred_nodes(page: Page, server_url: str) -> None:
    """A table fed by 300 tables, each fed by one more: 301 nodes at first, 601 with
    the whole ancestry; expanding one node still answers at once."""

    def ds(name: str) -> str:
        return f"urn:li:dataset:(urn:li:dataPlatform:hive,{name},PROD)"

    hub = ds("wide.hub")
    sources = [ds(f"wide.src_{i}") for i in range(300)]
    proposals = [
        {
            "urn": hub,
            "aspect": "upstreamLineage",
            "value": {"upstreams": [{"dataset": s} for s in sources]},
        }
    ] + [
        {
            "urn": s,
            "aspect": "upstreamLineage",
            "value": {"upstreams": [{"dataset": ds(f"wide.raw_{i}")}]},
        }
        for i, s in enumerate(sources)
    ]
    r = httpx.post(f"{server_url}/api/v1/proposals", json={"proposals": proposals}, timeout=60)
    assert r.status_code == 200, r.text

    started = time.monotonic()
    page.goto("/lineage/" + quote(hub, safe=":,()"))
    expect(page.locator("#node-count")).to_have_text("301")
    first_view = time.monotonic() - started

    _click_node(page, sources[0])
    expect(page.locator("#node-count")).to_have_text("302")
    started = time.monotonic()
    page.click("#btn-ancestry")
    expect(page.locator("#node-count")).to_have_text("601", timeout=20_000)
    ancestry = time.monotonic() - started
    assert first_view < 10 and ancestry < 15, (first_view, ancestry)
