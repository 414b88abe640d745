"""The one-query walk (`GraphStore.reach`) against the hop-by-hop reads it replaces:
over the whole demo catalog, in both directions, with and without containment, every
node it expands carries exactly the edge hops a single-hop read finds."""

from __future__ import annotations

import pytest

from mlgraph.runtime import Services
from mlgraph.services.lineage import REACH_ROWS_PER_NODE, LineageQuery
from mlgraph.store.graph_store import GraphStore, Hop

pytestmark = pytest.mark.usefixtures("demo")


def _key(h: Hop) -> tuple[str, str, str, str, str]:
    return (h.upstream, h.downstream, h.rel, h.owner, h.aspect)


def _edge_hops(graph: GraphStore, urn: str, upstream: bool, containment: bool) -> list[tuple]:
    """One node's hops read alone, less the column hops `reach` leaves to `hops`."""
    return sorted(
        _key(h)
        for h in graph.hops([urn], upstream=upstream, containment=containment)
        if h.rel != "HasColumn"
    )


def _hop_by_hop(
    graph: GraphStore, root: str, upstream: bool, containment: bool, depth: int
) -> set[str]:
    """The nodes within `depth` edge hops of `root`, read one hop at a time."""
    seen, frontier = {root}, [root]
    for _ in range(depth):
        nxt = []
        for urn in frontier:
            for up, down, *_ in _edge_hops(graph, urn, upstream, containment):
                there = up if upstream else down
                if there not in seen:
                    seen.add(there)
                    nxt.append(there)
        frontier = nxt
    return seen


@pytest.mark.parametrize("containment", [False, True])
@pytest.mark.parametrize("upstream", [True, False])
def test_reach_finds_the_hops_of_every_node_within_depth(
    services: Services, upstream: bool, containment: bool
) -> None:
    graph = GraphStore(services.engines)
    with services.engines.reading() as conn:
        urns = [u for (u,) in conn.exec_driver_sql("SELECT source_urn FROM edges")]
    checked = 0
    for root in sorted(set(urns)):
        for depth in (1, 3):
            known = graph.reach(
                root, upstream=upstream, containment=containment, depth=depth, cap=10_000
            )
            assert known is not None
            assert set(known) == _hop_by_hop(graph, root, upstream, containment, depth)
            for urn, hops in known.items():
                assert sorted(map(_key, hops)) == _edge_hops(graph, urn, upstream, containment)
                checked += bool(hops)
    assert checked > 100  # the demo has enough lineage for this to mean something


def test_reach_gives_up_past_its_cap_and_the_walk_still_answers(services: Services) -> None:
    graph = GraphStore(services.engines)
    model = "urn:li:mlModel:(urn:li:dataPlatform:mlflow,clf-v2.1,PROD)"
    run = "urn:li:dataProcessInstance:exp-47b"
    full = services.lineage.walk(LineageQuery(model, depth=5))
    assert [n.urn for n in full.nodes][:1] == [run] and len(full.nodes) == 3
    # With max_nodes=1 the walk reads at most REACH_ROWS_PER_NODE rows at once; its
    # upstream holds more, so it goes hop by hop instead, and stops at its limit with
    # the nearest node.
    cap = REACH_ROWS_PER_NODE
    assert graph.reach(model, upstream=True, containment=False, depth=5, cap=cap) is None
    small = services.lineage.walk(LineageQuery(model, depth=5, max_nodes=1))
    assert small.truncated and [n.urn for n in small.nodes] == [run]
