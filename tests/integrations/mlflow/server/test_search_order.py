"""runs/search order_by, ties and page tokens: the real mlflow client logs the same
runs to a real `mlflow server` and to mlgraph, pages through the same searches on
both, and must get the same runs in the same order."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any

import pytest

from tests.integrations.mlflow.conftest import MLFLOW_PYTHON

SCRIPT = Path(__file__).parent / "scripts" / "search_order.py"


def _answers(url: str, work: Path) -> dict[str, Any]:
    out = work / "answers.json"
    env = {**os.environ, "GIT_DIR": str(work / "no-git")}
    proc = subprocess.run(
        [str(MLFLOW_PYTHON), str(SCRIPT), url, str(out)],
        cwd=work,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-5000:]
    answers: dict[str, Any] = json.loads(out.read_text())
    return answers


@pytest.fixture(scope="module")
def both(
    live_server: str, mlflow_peer: str, tmp_path_factory: pytest.TempPathFactory
) -> tuple[dict[str, Any], dict[str, Any]]:
    return (
        _answers(mlflow_peer, tmp_path_factory.mktemp("order-mlflow")),
        _answers(live_server, tmp_path_factory.mktemp("order-mlgraph")),
    )


def test_every_search_pages_through_the_same_runs_in_mlflows_order(
    both: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    mlflow, mlgraph = both
    queries = [k for k in mlflow if not k.startswith("ties")]
    assert len(queries) == 21 * 4
    differ = {q: (mlflow[q], mlgraph[q]) for q in queries if mlflow[q] != mlgraph[q]}
    assert differ == {}
    # the queries do exercise ties, missing values, byte order and several pages
    assert mlflow[" | metrics.auc DESC | 3"] == (
        ["r09", "r05", "r02", "r01", "r04", "r00", "r08", "r11", "r06", "r10", "r07", "r03"]
    )
    assert mlflow[" | tags.team DESC | 1"][-5:] == ["r02", "r00", "r08", "r06", "r03"]


def test_runs_tied_on_every_key_come_in_run_id_order_on_every_page(
    both: tuple[dict[str, Any], dict[str, Any]],
) -> None:
    for answers in both:
        by_run_id = answers["ties, run_id order"]
        assert answers["ties, returned"] == [by_run_id] * 3
