"""mlgraph: an ML metadata catalog and lineage service."""

from __future__ import annotations

__version__ = "0.1.0"

from mlgraph.errors import (
    Conflict,
    Forbidden,
    InvalidInput,
    MlgraphError,
    NotFound,
    Unauthorized,
)

__all__ = [
    "Conflict",
    "Forbidden",
    "InvalidInput",
    "MlgraphError",
    "NotFound",
    "Unauthorized",
    "__version__",
]
