"""The Source contract: a package of its own adds a source by an entry point, and
`mlgraph ingest` finds it, offers its options, writes what it yields in batches, and
summarises what it created, updated and left unchanged."""

from __future__ import annotations

import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from click.testing import CliRunner
from fastapi.testclient import TestClient

from mlgraph.cli.main import cli
from mlgraph.integrations import source as sources
from mlgraph.sdk import Client

DOC = Path(__file__).resolve().parents[2] / "docs" / "adding-a-source.md"


def documented_source() -> str:
    """The whole source docs/adding-a-source.md shows: the test runs the doc's own code."""
    text = DOC.read_text(encoding="utf-8")
    return text.split("## A whole source", 1)[1].split("```python\n", 1)[1].split("```", 1)[0]


@pytest.fixture
def installed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """The package on sys.path with its distribution metadata, as pip would leave it."""
    (tmp_path / "listed_source.py").write_text(documented_source())
    info = tmp_path / "listed_source-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: listed-source\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(
        textwrap.dedent(
            """\
            [mlgraph.sources]
            listed = listed_source:ListedDatasets
            """
        )
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    yield tmp_path


@pytest.fixture
def sdk(client: TestClient) -> Iterator[Client]:
    with Client(http_client=client) as c:
        yield c


def test_ingest_lists_the_sources_it_finds(installed: Path) -> None:
    assert list(sources.sources()) == ["listed", "mlflow"]
    result = CliRunner().invoke(cli, ["ingest", "--help"])
    assert result.exit_code == 0, result.output
    assert "listed" in result.output and "Datasets listed in a JSON file." in result.output
    assert "mlflow" in result.output
    help_ = CliRunner().invoke(cli, ["ingest", "listed", "--help"]).output
    assert "--path" in help_ and "--url" in help_


def test_a_source_runs_with_a_summary_and_repeats_harmlessly(
    installed: Path, sdk: Client, tmp_path: Path
) -> None:
    listed = tmp_path / "datasets.json"
    listed.write_text('[{"name": "orders", "about": "every order"}, {"name": "users"}]')
    first = CliRunner().invoke(cli, ["ingest", "listed", "--path", str(listed)], obj=sdk)
    assert first.exit_code == 0, first.output
    assert "2 created, 0 updated, 0 unchanged" in first.output and "1 files read" in first.output
    orders = sdk.entities.get("urn:li:dataset:(urn:li:dataPlatform:files,orders,PROD)")
    assert orders.description == "every order"
    again = CliRunner().invoke(cli, ["ingest", "listed", "--path", str(listed)], obj=sdk)
    assert "0 created, 0 updated, 2 unchanged" in again.output
    missing = CliRunner().invoke(cli, ["ingest", "listed"], obj=sdk)
    assert missing.exit_code == 2 and "--path" in missing.output


def test_groups_are_never_split_across_batches(
    installed: Path, sdk: Client, tmp_path: Path
) -> None:
    listed = tmp_path / "many.json"
    listed.write_text("[" + ",".join(f'{{"name": "t{i}"}}' for i in range(1200)) + "]")
    seen: list[tuple[str, int, int]] = []
    cls = sources.source_class("listed")
    summary = sources.run(cls(path=str(listed)), sdk, progress=lambda *a: seen.append(a))
    assert summary.created["dataset"] == 1200 and summary.writes == 1200
    assert seen[-1] == ("datasets", 1200, 1200)
