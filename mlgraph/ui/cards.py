"""The model-facing tabs of an entity page: hyper-parameters and metrics, the model
card (DataHub's model card aspects, in the order a reader wants them), features with
the columns they come from, and a dataset's schema."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from mlgraph.errors import NotFound
from mlgraph.model.registry import MODEL_CARD, parse_urn
from mlgraph.runtime import Services
from mlgraph.services.entities import EntityView
from mlgraph.ui.header import value_of

# Model card sections: (aspect, title). Every aspect in MODEL_CARD appears once.
CARD_SECTIONS = (
    ("intendedUse", "Intended use"),
    ("mlModelFactorPrompts", "Factors"),
    ("mlModelMetrics", "Metrics"),
    ("mlModelQuantitativeAnalyses", "Quantitative analyses"),
    ("mlModelTrainingData", "Training data"),
    ("mlModelEvaluationData", "Evaluation data"),
    ("mlModelEthicalConsiderations", "Ethical considerations"),
    ("mlModelCaveatsAndRecommendations", "Caveats and recommendations"),
    ("sourceCode", "Source code"),
    ("cost", "Cost"),
)
assert {a for a, _ in CARD_SECTIONS} == MODEL_CARD, "a model card aspect has no section"

# Where each type keeps its params and metrics.
_PARAMS = {
    "mlModel": ("mlModelProperties", "hyperParams", "trainingMetrics"),
    "dataProcessInstance": ("mlTrainingRunProperties", "hyperParams", "trainingMetrics"),
}


def pairs(items: Any) -> list[tuple[str, Any]]:
    """`[{"name": ..., "value": ...}]` as (name, value) rows."""
    return [(str(p.get("name")), p.get("value")) for p in items or [] if isinstance(p, dict)]


def params_and_metrics(view: EntityView) -> tuple[list[tuple[str, Any]], list[tuple[str, Any]]]:
    where = _PARAMS.get(view.row.entity_type)
    if where is None:
        return [], []
    aspect, params, metrics = where
    value = value_of(view, aspect)
    return pairs(value.get(params)), pairs(value.get(metrics))


@dataclass
class CardSection:
    aspect: str
    title: str
    value: dict[str, Any]
    version: int
    actor: str
    created_at: int


def model_card(view: EntityView) -> list[CardSection]:
    """The model card sections this model has, in reading order."""
    out = []
    for aspect, title in CARD_SECTIONS:
        a = view.aspects.get(aspect)
        if a is not None and a.value:
            out.append(CardSection(aspect, title, a.value, a.version, a.actor, a.created_at))
    return out


@dataclass
class FeatureRow:
    urn: str
    name: str
    data_type: str | None
    description: str | None
    sources: list[tuple[str, str | None]]  # (dataset URN, column or None)


def _source(urn: str) -> tuple[str, str | None]:
    parsed, spec, _ = parse_urn(urn)
    if spec.name == "schemaField":
        return parsed.parts[0], parsed.parts[1]
    return urn, None


def features(services: Services, view: EntityView) -> list[FeatureRow]:
    """A model's or feature table's features (or a feature itself), each with the
    dataset columns it is computed from."""
    kind = view.row.entity_type
    if kind == "mlFeature":
        urns = [view.row.urn]
    elif kind == "mlModel":
        urns = list(value_of(view, "mlModelProperties").get("mlFeatures") or [])
    elif kind == "mlFeatureTable":
        urns = list(value_of(view, "mlFeatureTableProperties").get("mlFeatures") or [])
    else:
        return []
    rows = []
    for urn in urns:
        try:
            feature = view if urn == view.row.urn else services.entities.get(urn)
        except NotFound:  # named but not ingested yet
            rows.append(FeatureRow(urn, parse_urn(urn)[2].name, None, None, []))
            continue
        props = value_of(feature, "mlFeatureProperties")
        rows.append(
            FeatureRow(
                urn=urn,
                name=feature.row.name,
                data_type=props.get("dataType"),
                description=props.get("description"),
                sources=[_source(s) for s in props.get("sources") or []],
            )
        )
    return rows


def schema_fields(view: EntityView) -> list[dict[str, Any]]:
    return list(value_of(view, "schemaMetadata").get("fields") or [])
