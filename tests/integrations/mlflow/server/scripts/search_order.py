"""Log the same runs to a tracking server and page through search_runs with many
order_by / filter / max_results combinations; print what came back as JSON.
Run with the mlflow venv's Python: search_order.py URL OUT.json"""

from __future__ import annotations

import json
import sys
from typing import Any

from mlflow.entities import Metric, Param, RunTag
from mlflow.tracking import MlflowClient

# NaN metrics are left out: mlgraph cannot store their history points yet.
# name: (start_time, auc (None: not logged), lr (None: not logged), team, finished)
RUNS: dict[str, tuple[int, float | None, str | None, str | None, bool]] = {
    "r00": (1000, 0.5, "0.1", "a", True),
    "r01": (1010, 0.9, "0.01", "b", True),
    "r02": (1020, 0.9, None, "a", False),
    "r03": (1030, None, "1e-3", None, True),
    "r04": (1040, 0.7, "0.1", "c", False),
    "r05": (1050, 0.9, "0.3", "b", True),
    "r06": (1060, 0.1, None, None, True),
    "r07": (1070, None, "0.01", "a", False),
    "r08": (1080, 0.3, "0.3", "B", True),
    "r09": (1090, 0.9, "0.1", "b", True),
    "r10": (1100, None, "0.2", "a", True),
    "r11": (1110, 0.2, None, "c", False),
}
QUERIES: list[tuple[str, list[str]]] = [
    ("", []),
    ("", ["metrics.auc DESC"]),
    ("", ["metrics.auc"]),
    ("", ["metrics.auc ASC", "params.lr DESC"]),
    ("", ["params.lr"]),
    ("", ["params.lr DESC"]),
    ("", ["tags.team", "metrics.auc DESC"]),
    ("", ["tags.team DESC"]),
    ("", ["attributes.start_time ASC"]),
    ("", ["attributes.end_time DESC"]),
    ("", ["attributes.run_name DESC"]),
    ("", ["attributes.status", "params.lr"]),
    ("metrics.auc > 0.2", ["metrics.auc DESC"]),
    ("metrics.auc >= 0.5 AND params.lr = '0.1'", []),
    ("attributes.status = 'FINISHED'", ["metrics.auc"]),
    ("tags.team != 'a'", ["params.lr DESC"]),
    ("params.lr != '0.1'", ["attributes.start_time"]),
    ("attributes.start_time > 1040", ["tags.team"]),
    ("metrics.auc <= 0.9", ["metrics.auc ASC"]),
    ("metrics.auc < 0.95", ["metrics.auc DESC", "params.lr"]),
    ("params.lr = '0.1'", ["params.lr DESC"]),
]
PAGE_SIZES = [1000, 5, 3, 1]


def pages(client: MlflowClient, exp: str, flt: str, order: list[str], size: int) -> list[str]:
    names: list[str] = []
    token = None
    while True:
        found = client.search_runs([exp], flt, order_by=order, max_results=size, page_token=token)
        names += [r.info.run_name for r in found]
        token = found.token
        if not token:
            return names


def main() -> None:
    url, out = sys.argv[1], sys.argv[2]
    client = MlflowClient(tracking_uri=url)
    exp = client.create_experiment("order")
    for name, (start, auc, lr, team, finished) in RUNS.items():
        run = client.create_run(exp, start_time=start, run_name=name)
        rid = run.info.run_id
        client.log_batch(
            rid,
            metrics=[Metric("auc", auc, start, 0)] if auc is not None else [],
            params=[Param("lr", lr)] if lr is not None else [],
            tags=[RunTag("team", team)] if team is not None else [],
        )
        if finished:
            client.set_terminated(rid, end_time=start + 500 - int(start % 7) * 60)
    # Three runs that tie on every key but run_id.
    ties = client.create_experiment("ties")
    tie_ids = sorted(
        client.create_run(ties, start_time=5, run_name=f"t{k}").info.run_id for k in range(3)
    )
    results: dict[str, Any] = {}
    for flt, order in QUERIES:
        for size in PAGE_SIZES:
            results[f"{flt} | {', '.join(order)} | {size}"] = pages(client, exp, flt, order, size)
    by_id = {r.info.run_id: r.info.run_name for r in client.search_runs([ties])}
    results["ties, run_id order"] = [by_id[i] for i in tie_ids]
    results["ties, returned"] = [pages(client, ties, "", [], size) for size in (1000, 2, 1)]
    with open(out, "w") as fh:
        json.dump(results, fh)


if __name__ == "__main__":
    main()
