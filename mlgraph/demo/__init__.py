"""The demo catalog: one connected ML system, written through the SDK as a user would.

Four stories, one module each, from the seeds the project was specified with:
`churn` (000), `airline_forecast` (001), `fraud_detection` (003) and `orders_fraud`
(004), plus the people, tags, terms and domains they share (`vocabulary`).
Loading is idempotent: a second load writes nothing new.
"""

from __future__ import annotations

from mlgraph.demo import airline_forecast, churn, fraud_detection, orders_fraud
from mlgraph.demo.vocabulary import vocabulary
from mlgraph.demo.writer import DemoWriter, People
from mlgraph.sdk import Client, WriteResult

STORIES = (churn, airline_forecast, fraud_detection, orders_fraud)


def write_demo(client: Client, people: People | None = None) -> list[WriteResult]:
    """Write the demo catalog; every write result, in order. `people` gives a client
    acting as each person the stories need (a requester and an approver); by default,
    on a server with authentication off, the caller names them."""
    writer = DemoWriter(client, people)
    writer.upsert(*vocabulary())
    for story in STORIES:
        story.load(writer)
    return writer.results


def load_demo(client: Client, people: People | None = None) -> int:
    """Write the demo catalog and return how many entities were created or changed
    (0 when it is already loaded)."""
    return len({r.urn for r in write_demo(client, people) if r.changed})


__all__ = ["People", "load_demo", "write_demo"]
