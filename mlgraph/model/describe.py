"""The declared model as plain data: served at /api/v1/model and rendered into
docs/data-model.md (a test keeps that page in step with the declaration)."""

from __future__ import annotations

from functools import cache
from typing import Any

from mlgraph.model.registry import ASPECTS, ENTITIES


@cache
def describe_model() -> dict[str, Any]:
    return {
        "entities": {
            e.name: {
                "description": e.description,
                "key": [{"name": p.name, "kind": p.kind} for p in e.key],
                "aspects": sorted(e.aspects),
            }
            for e in ENTITIES.values()
        },
        "aspects": {
            a.name: {
                "entity_types": sorted(a.entity_types),
                "relationships": [
                    {
                        "path": r.dotted,
                        "name": r.rel.name,
                        "lineage": r.rel.lineage.value if r.rel.lineage else None,
                        "targets": list(r.rel.targets),
                    }
                    for r in a.relationships
                ],
                "searchable": [
                    {"path": ".".join(s.path).replace(".[]", "[]"), "kind": s.kind}
                    for s in a.searchable
                ],
                "schema": a.schema.model_json_schema(),
            }
            for a in sorted(ASPECTS.values(), key=lambda a: a.name)
        },
    }


def render_markdown() -> str:
    """docs/data-model.md, generated from the declaration."""
    model = describe_model()
    out = [
        "# Data model",
        "",
        "Generated from `mlgraph/model/` by `make docs` (`mlgraph docs write`); a test fails when it drifts.",
        "",
        "Every entity is named by a URN `urn:li:<type>:<key>` and described by aspects:",
        "named JSON documents, each versioned on its own. Relationship fields create",
        "edges; those marked upstream/downstream are lineage.",
        "",
        "## Entity types",
        "",
        "| type | URN key | aspects | what it is |",
        "|---|---|---|---|",
    ]
    for name, e in model["entities"].items():
        key = ", ".join(p["name"] for p in e["key"])
        out.append(f"| `{name}` | ({key}) | {', '.join(e['aspects'])} | {e['description']} |")
    out += [
        "",
        "## Relationships",
        "",
        "`lineage` says where the target sits relative to the entity holding the aspect.",
        "",
        "| aspect | field | relationship | lineage | targets |",
        "|---|---|---|---|---|",
    ]
    for name, a in model["aspects"].items():
        for r in a["relationships"]:
            out.append(
                f"| `{name}` | `{r['path']}` | {r['name']} | {r['lineage'] or '-'} | "
                f"{', '.join(r['targets']) or 'any'} |"
            )
    out += ["", "## Aspects", ""]
    for name, a in model["aspects"].items():
        props = a["schema"].get("properties", {})
        required = set(a["schema"].get("required", []))
        out.append(f"### `{name}`")
        out.append("")
        out.append(f"On: {', '.join(a['entity_types'])}.")
        out.append("")
        out.append("| field | required |")
        out.append("|---|---|")
        for field in props:
            out.append(f"| `{field}` | {'yes' if field in required else ''} |")
        out.append("")
    return "\n".join(out)
