"""`mlgraph approvals list|request|approve|reject|withdraw`, in-process over the demo
catalog (authentication off: each command's client names its person)."""

from __future__ import annotations

import pytest
from click.testing import CliRunner, Result

from mlgraph.cli.main import cli
from mlgraph.sdk import Client
from tests.demo.conftest import demo, sdk
from tests.lineage.test_questions import CLF20
from tests.lineage.test_walk import CLF21

__all__ = ["demo", "sdk"]

pytestmark = pytest.mark.usefixtures("demo")
RZENG = "urn:li:corpuser:rzeng"
OKAFOR = "urn:li:corpuser:mokafor"


def run(client: Client, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), obj=client)


def test_request_approve_then_the_move_uses_it(sdk: Client) -> None:
    rzeng, okafor = sdk.as_user(actor=RZENG), sdk.as_user(actor=OKAFOR)
    made = run(
        rzeng,
        "approvals",
        "request",
        CLF21,
        "--target",
        "alias:champion",
        "-e",
        "eval=urn:li:dataProcessInstance:exp-47b",
        "-e",
        "https://example.com/report",
        "-m",
        "AUC holds on March data",
    )
    assert made.exit_code == 0, made.output
    rid = made.output.split()[0]
    assert made.output.splitlines()[1:] == [
        "  requested by rzeng at " + made.output.splitlines()[1].split(" at ")[1],
        "  comment: AUC holds on March data",
        "  evidence: eval: urn:li:dataProcessInstance:exp-47b",
        "  evidence: https://example.com/report",
    ]
    pending = run(sdk, "approvals", "list", "--state", "pending")
    assert f"{rid}  pending   clf-v2.1 -> alias:champion" in pending.output

    own = run(rzeng, "approvals", "approve", rid)
    assert own.exit_code == 1
    assert "segregation of duties" in own.output

    done = run(okafor, "approvals", "approve", rid, "-m", "checked")
    assert done.exit_code == 0, done.output
    assert "approved by mokafor" in done.output and "decision: checked" in done.output

    # The move uses the approval: the request reads "used", and the answer names it.
    current = sdk.aspects.get(CLF21, "versionProperties").value
    moved = {**current, "aliases": [*current.get("aliases", []), {"versionTag": "champion"}]}
    rzeng.aspects.put(CLF21, "versionProperties", moved)
    shown = run(sdk, "approvals", "list", "--model", CLF21)
    assert f"{rid}  approved  clf-v2.1 -> alias:champion" in shown.output
    assert "used for the move at" in shown.output


def test_reject_and_withdraw(sdk: Client) -> None:
    rzeng, okafor = sdk.as_user(actor=RZENG), sdk.as_user(actor=OKAFOR)
    first = run(rzeng, "approvals", "request", CLF20).output.split()[0]
    no = run(okafor, "approvals", "reject", first, "-m", "v2.0 is archived")
    assert no.exit_code == 0 and "rejected by mokafor" in no.output
    second = run(rzeng, "approvals", "request", CLF20).output.split()[0]
    other = run(okafor, "approvals", "withdraw", second)
    assert other.exit_code == 1 and "only its requester" in other.output
    gone = run(rzeng, "approvals", "withdraw", second)
    assert gone.exit_code == 0 and f"{second}  withdrawn" in gone.output
    bad = run(rzeng, "approvals", "request", CLF20, "--target", "stage:Prod")
    assert bad.exit_code == 1 and "not a target" in bad.output
