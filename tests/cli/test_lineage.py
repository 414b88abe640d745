"""`mlgraph lineage` (a walk, and `lineage diff A B`), `training-data`, `impact`,
`endpoints`, `ancestry` and `approved`, in-process over the demo catalog."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from mlgraph.cli.main import cli
from mlgraph.sdk import Client
from tests.demo.conftest import demo, sdk
from tests.lineage.test_questions import CLF20
from tests.lineage.test_walk import (
    AMOUNT,
    CLF21,
    DASHBOARD,
    EXP47B,
    FRAUD_ENDPOINT,
    FRAUD_MODEL,
    ORDERS21,
    PREDICT,
    USERS30,
)

__all__ = ["demo", "sdk"]

pytestmark = pytest.mark.usefixtures("demo")

CHAIN = "orders_v2.1 → exp-47b → clf-v2.1 → /predict v2.1"


def run(sdk: Client, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=sdk)


def ok(sdk: Client, *args: str) -> str:
    result = run(sdk, *args)
    assert result.exit_code == 0, result.output
    return result.output


def rows(output: str, *needles: str) -> list[str]:
    return [line for line in output.splitlines() if all(n in line for n in needles)]


def test_lineage_prints_the_seed_chain_nearest_first(sdk: Client) -> None:
    out = ok(sdk, "lineage", PREDICT, "--depth", "0")
    assert f"upstream lineage of {PREDICT} (the whole graph)" in out
    order = [out.index(urn) for urn in (CLF21, EXP47B, ORDERS21, USERS30)]
    assert order == sorted(order)
    (orders,) = rows(out, ORDERS21)
    assert orders.split()[:3] == ["3", "dataset", "orders_v2.1"]
    assert orders.rstrip().endswith(CHAIN)
    assert "4 node(s), 4 edge(s)" in out
    assert "beyond depth" not in out and "truncated" not in out
    # `lineage URN` is `lineage show URN`, with options before or after the URN.
    assert ok(sdk, "lineage", "show", PREDICT, "--depth", "0") == out
    assert ok(sdk, "lineage", "--depth", "0", PREDICT) == out


def test_lineage_says_when_more_lies_beyond_the_depth_or_it_was_truncated(sdk: Client) -> None:
    out = ok(sdk, "lineage", PREDICT, "--depth", "2")
    assert EXP47B in out and ORDERS21 not in out
    assert "more lineage lies beyond depth 2" in out

    out = ok(
        sdk, "lineage", AMOUNT, "--direction", "downstream", "--depth", "0", "--max-nodes", "3"
    )
    assert "3 node(s)" in out
    assert "truncated: stopped at 3 nodes" in out


def test_lineage_filters_and_both_directions(sdk: Client) -> None:
    down = ("lineage", AMOUNT, "--direction", "downstream", "--depth", "0")
    out = ok(sdk, *down, "--type", "mlModelDeployment", "--type", "dashboard")
    assert FRAUD_ENDPOINT in out and DASHBOARD in out and FRAUD_MODEL not in out
    assert ok(sdk, *down, "--type", "mlModelDeployment,dashboard") == out
    (row,) = rows(ok(sdk, *down, "--platform", "sagemaker"), FRAUD_ENDPOINT)
    path = "transactions.amount → fraud_features → fraud_detection → fraud-detection-prod"
    assert row.rstrip().endswith(f"{path}  (+1 more)")

    out = ok(sdk, "lineage", CLF21, "--direction", "both")
    assert rows(out, "upstream", EXP47B) and rows(out, "downstream", PREDICT)


def test_lineage_diff_prints_the_summary_then_each_section(sdk: Client) -> None:
    out = ok(sdk, "lineage", "diff", CLF20, CLF21)
    lines = out.splitlines()
    first_section = lines.index("Datasets")
    summary = lines[:first_section]
    assert "  dataset orders_v2.0 -> orders_v2.1" in summary
    assert "  hyperparameter learning_rate: 1e-3 -> 3e-4" in summary
    sections = ["Datasets", "Hyperparameters  (* changed)", "Metrics  (* changed)"]
    sections += ["Git commit", "Features", "Training runs", "Deployments"]
    where = [lines.index(s) for s in sections]
    assert where == sorted(where) and where[0] == first_section
    assert "  version changed: orders_v2.0 → orders_v2.1" in lines
    assert "  in both:   users_v3.0" in lines
    tables = "\n".join(lines[first_section:])
    (lr,) = rows(tables, "learning_rate")
    assert lr.split() == ["*", "learning_rate", "1e-3", "3e-4"]
    (epochs,) = rows(tables, "epochs")
    assert epochs.split() == ["epochs", "15", "15"]
    assert "  b7d9e4 → e41c07a  (changed)" in lines
    assert "  only in B: /predict v2.1" in lines[where[-1] :]


def test_ancestry_and_training_data(sdk: Client) -> None:
    out = ok(sdk, "ancestry", PREDICT)
    assert f"ancestry of {PREDICT}" in out
    assert rows(out, ORDERS21, CHAIN) and rows(out, USERS30)

    out = ok(sdk, "training-data", PREDICT)
    assert "models: clf-v2.1" in out and "training runs: exp-47b" in out
    (orders,) = rows(out, ORDERS21)
    assert orders.split()[:6] == [
        "training",
        "orders_v2.1",
        "2.1",
        "s3",
        "exp-47b",
        "data_science_team",
    ]
    assert rows(out, "training", "users_v3.0", "3.0")


def test_impact_groups_by_type_then_lists_owners_to_notify(sdk: Client) -> None:
    out = ok(sdk, "impact", AMOUNT)
    assert "downstream of transactions.amount" in out
    (model,) = rows(out, FRAUD_MODEL)
    assert model.split()[:5] == ["mlModel", "(1)", "2", "fraud_detection", "data_science_team"]
    assert rows(out, "mlModelDeployment (1)", FRAUD_ENDPOINT)
    assert rows(out, "dashboard (1)", DASHBOARD)
    lines = out.splitlines()
    tail = lines[lines.index("owners to notify:") :]
    assert tail == ["owners to notify:", "  urn:li:corpuser:data_science_team"]


def test_endpoints(sdk: Client) -> None:
    (row,) = rows(ok(sdk, "endpoints", CLF21), PREDICT)
    assert row.split()[:4] == ["/predict", "v2.1", "IN_SERVICE", "mlflow"]
    assert "https://ml.example.com/predict" in row
    assert ok(sdk, "endpoints", CLF20).strip() == f"no deployment serves {CLF20}"


def test_approved_exits_0_or_1_with_the_reasons(sdk: Client) -> None:
    yes = run(sdk, "approved", CLF21)
    assert yes.exit_code == 0, yes.output
    lines = yes.output.splitlines()
    assert lines[0] == "approved: clf-v2.1 is approved for production  (stages: Production)"
    assert lines[1].startswith("  approved by mokafor (requested by rzeng), request ")
    assert lines[2:] == [
        "  evidence: training run: urn:li:dataProcessInstance:exp-47b",
        f"  evidence: model card: {CLF21}",
    ]

    no = run(sdk, "approved", CLF20)
    assert no.exit_code == 1, no.output
    assert no.output.splitlines() == [
        "not approved: clf-v2.0 is not approved for production  (stages: Archived)",
        "  - Archived: it may no longer be deployed",
    ]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("lineage", "urn:li:corpuser:nobody"), "not_found: no entity urn:li:corpuser:nobody"),
        (("lineage", CLF21, "--type", "rocket"), "invalid_input: unknown entity type(s) rocket"),
        (("lineage", "diff", CLF21, ORDERS21), "lineage diff compares two mlModels"),
        (("approved", ORDERS21), "approvals are for model versions (mlModel)"),
        (("training-data", ORDERS21), "training data is asked of a model"),
    ],
)
def test_server_errors_are_one_line_and_exit_1(
    sdk: Client, args: tuple[str, ...], message: str
) -> None:
    result = run(sdk, *args)
    assert result.exit_code == 1
    assert message in result.output
    assert "Traceback" not in result.output


def test_bad_options_are_usage_errors(sdk: Client) -> None:
    result = run(sdk, "lineage", CLF21, "--direction", "sideways")
    assert result.exit_code == 2
    assert "'sideways' is not one of" in result.output
    assert run(sdk, "lineage", "diff", CLF21).exit_code == 2
