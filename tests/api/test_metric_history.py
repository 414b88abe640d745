"""A run's metric history: appended points, read back in order and paged."""

from __future__ import annotations

import sys

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


def test_nan_and_infinity_are_kept_as_mlflow_keeps_them(client: TestClient) -> None:
    # JSON has no NaN: it comes and goes as the string "NaN" (MLflow's wire form).
    points = [
        {"key": "loss", "value": v, "timestamp": 7, "step": 1}
        for v in ["NaN", 0.0, "Infinity", "-Infinity"]
    ]
    r = append(client, RUN, points)
    assert r.status_code == 200, r.text  # type: ignore[attr-defined]
    append(client, RUN, points[:1])  # the same NaN point again is no new point
    url = path(RUN, "metrics", "loss", "history")
    whole = client.get(url).json()["points"]
    big = sys.float_info.max
    assert [p["value"] for p in whole] == [-big, 0.0, big, "NaN"]
    # Paging one point at a time passes the NaN point and stops after it.
    seen, cursor = [], None
    while True:
        page = client.get(url, params={"limit": 1, **({"cursor": cursor} if cursor else {})})
        seen += [p["value"] for p in page.json()["points"]]
        if not (cursor := page.json()["next_cursor"]):
            break
    assert seen == [-big, 0.0, big, "NaN"]
