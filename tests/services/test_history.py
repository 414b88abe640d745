"""What a write keeps of the versions it replaces."""

from __future__ import annotations

from mlgraph.runtime import Services
from mlgraph.services.proposals import Op, Proposal

URN = "urn:li:tag:history"


def test_replaced_versions_go_to_history_unless_the_writer_keeps_none(
    services: Services,
) -> None:
    for i in range(3):
        services.writes.apply_one(Proposal(Op.UPSERT, URN, "tagProperties", {"name": f"v{i}"}))
        raw = Proposal(Op.UPSERT, URN, "peerState", {"n": i}, strict=False, keep_history=False)
        services.writes.apply_one(raw)
    kept = services.entities.history(URN, "tagProperties")
    assert [(v.version, v.value) for v in kept] == [
        (3, {"name": "v2"}),
        (2, {"name": "v1"}),
        (1, {"name": "v0"}),
    ]
    unkept = services.entities.history(URN, "peerState")
    assert [(v.version, v.value) for v in unkept] == [(3, {"n": 2})]  # the latest only
