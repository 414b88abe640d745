"""GraphQL at `/api/graphql`, shaped like DataHub's: entities, search and lineage,
read through the same services as the REST API.

Mount it with `app.include_router(mlgraph.graphql.router)`.
"""

from mlgraph.graphql.router import router, run
from mlgraph.graphql.schema import build_schema

__all__ = ["build_schema", "router", "run"]
