"""A run's metric history: appended points, read back in order and paged."""

from __future__ import annotations

from fastapi.testclient import TestClient

from tests.helpers import MODEL, RUN, path


def append(client: TestClient, urn: str, points: list[dict]) -> object:
    return client.post(
        "/api/v1/proposals",
        json={"proposals": [{"op": "append_metrics", "urn": urn, "value": {"points": points}}]},
    )


def test_points_are_kept_in_order_and_paged(client: TestClient) -> None:
    points = [
        {"key": "loss", "value": 1.0 / (s + 1), "timestamp": 1000 + s, "step": s} for s in range(5)
    ]
    r = append(client, RUN, points)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    assert r.json()["results"][0]["changed"] is True  # type: ignore[attr-defined]
    append(client, RUN, [{"key": "auc", "value": 0.9, "timestamp": 1000}])
    first = client.get(path(RUN, "metrics", "loss", "history"), params={"limit": 3}).json()
    assert [p["step"] for p in first["points"]] == [0, 1, 2]
    rest = client.get(
        path(RUN, "metrics", "loss", "history"), params={"cursor": first["next_cursor"]}
    ).json()
    assert [(p["step"], p["value"]) for p in rest["points"]] == [(3, 0.25), (4, 0.2)]
    assert rest["next_cursor"] is None
    auc = client.get(path(RUN, "metrics", "auc", "history")).json()["points"]
    assert auc == [{"key": "auc", "timestamp": 1000, "step": 0, "value": 0.9}]


def test_the_same_point_twice_is_kept_once(client: TestClient) -> None:
    point = {"key": "loss", "value": 0.5, "timestamp": 1, "step": 0}
    append(client, RUN, [point])
    append(client, RUN, [point])
    assert len(client.get(path(RUN, "metrics", "loss", "history")).json()["points"]) == 1


def test_bad_points_and_non_runs_are_refused(client: TestClient) -> None:
    bad = append(client, RUN, [{"key": "loss", "value": "high", "timestamp": 1}])
    assert bad.status_code == 422  # type: ignore[attr-defined]
    assert "points.0.value" in bad.json()["error"]["message"]  # type: ignore[attr-defined]
    model = append(client, MODEL, [{"key": "loss", "value": 1, "timestamp": 1}])
    assert model.status_code == 422  # type: ignore[attr-defined]
    assert "belongs to runs" in model.json()["error"]["message"]  # type: ignore[attr-defined]
    assert client.get(path(RUN, "metrics", "loss", "history")).status_code == 404
