"""Where a model version stands in its registry, as the catalog stores it: its stage is
the tag `urn:li:tag:mlflow_<stage>` (the convention of DataHub's MLflow source), its
aliases are `versionProperties.aliases`. A *target* names one of them: `stage:Production`
or `alias:champion`."""

from __future__ import annotations

from typing import Any

STAGE_TAG_PREFIX = "urn:li:tag:mlflow_"
STAGES = {s.lower(): s for s in ("None", "Staging", "Production", "Archived")}


def stage_tag_urn(stage: str) -> str:
    return f"{STAGE_TAG_PREFIX}{stage.lower()}"


def stage_target(stage: str) -> str:
    return f"stage:{STAGES.get(stage.lower(), stage)}"


def alias_target(alias: str) -> str:
    return f"alias:{alias}"


def parse_target(target: str) -> tuple[str, str] | None:
    """("stage", "Production") or ("alias", "champion"); None if malformed."""
    kind, _, name = target.partition(":")
    if kind == "stage" and name.lower() in STAGES:
        return kind, STAGES[name.lower()]
    if kind == "alias" and name and len(name) <= 255 and name.strip() == name:
        return kind, name
    return None


def stages_of(global_tags: dict[str, Any] | None) -> list[str]:
    out = []
    for t in (global_tags or {}).get("tags") or []:
        tag = t.get("tag", "") if isinstance(t, dict) else ""
        if tag.startswith(STAGE_TAG_PREFIX):
            name = tag.removeprefix(STAGE_TAG_PREFIX)
            out.append(STAGES.get(name, name))
    return out


def aliases_of(version_properties: dict[str, Any] | None) -> list[str]:
    return [
        a["versionTag"]
        for a in (version_properties or {}).get("aliases") or []
        if isinstance(a, dict) and a.get("versionTag")
    ]


def targets_held(
    global_tags: dict[str, Any] | None, version_properties: dict[str, Any] | None
) -> set[str]:
    return {stage_target(s) for s in stages_of(global_tags)} | {
        alias_target(a) for a in aliases_of(version_properties)
    }
