"""The people, tags, glossary terms and domains the demo stories point at, written as
entities of their own so every URN the stories use resolves to a name and a meaning.

mlgraph's SDK has no typed classes for these yet, so they are plain `Entity`s with
their properties aspect set from the declared aspect classes."""

from __future__ import annotations

from mlgraph.model.aspects.common import (
    CorpUserInfo,
    DomainProperties,
    GlossaryTermInfo,
    TagProperties,
)
from mlgraph.sdk import CorpUserUrn, DomainUrn, Entity, GlossaryTermUrn, TagUrn

USERS = {
    "datahub": "DataHub",
    "data_science_team": "Data Science Team",
    "rzeng": "R. Zeng",
    "mokafor": "M. Okafor (model risk)",
}

# Who asks for the demo's moves into Production, and who approves them.
REQUESTER = "urn:li:corpuser:rzeng"
APPROVER = "urn:li:corpuser:mokafor"

TAGS = {
    "production": "Serving live traffic.",
    "classification": "A classifier.",
    "forecasting": "Time-series forecasting.",
    "arima": "ARIMA family of models.",
    "marketing": "Used by the marketing team.",
    "ml_data": "Data read or written by ML training.",
    "iris": "The Iris dataset.",
    "predictions": "Model output.",
    "fraud": "Fraud detection.",
    "pii": "Holds personal data.",
    "archived": "Retired; kept for audit and rollback.",
    "time-series": "Works on data indexed by time.",
}

TERMS = {
    "forecasting": "Predicting future values of a time series.",
    "time-series": "Data indexed by time.",
    "marketing": "Activities that promote products to customers.",
    "raw_data": "Data as it arrived from its source, before cleaning.",
    "model_output": "Values a model produced.",
    "customer-churn": "A customer ending their subscription within the prediction window.",
    "fraud-score": "The probability, from 0 to 1, that a transaction is fraudulent.",
}

DOMAINS = {
    "customer-analytics": "Customer behaviour, retention and lifetime value.",
    "risk": "Fraud and payment risk.",
    "operations": "Airline operations planning.",
}


def vocabulary() -> list[Entity]:
    """One entity per user, tag, term and domain above."""
    out: list[Entity] = []
    for name, display in USERS.items():
        user = Entity(CorpUserUrn(name))
        user.set_aspect(CorpUserInfo(displayName=display, fullName=display))
        out.append(user)
    for name, description in TAGS.items():
        tag = Entity(TagUrn(name))
        tag.set_aspect(TagProperties(name=name, description=description))
        out.append(tag)
    for name, definition in TERMS.items():
        term = Entity(GlossaryTermUrn(name))
        term.set_aspect(GlossaryTermInfo(name=name, definition=definition))
        out.append(term)
    for name, description in DOMAINS.items():
        domain = Entity(DomainUrn(name))
        domain.set_aspect(DomainProperties(name=name, description=description))
        out.append(domain)
    return out
