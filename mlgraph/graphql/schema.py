"""The executable schema: the SDL files under `schema/`, with the `Entity` interface's
fields copied into every entity type, bound to the resolver modules."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from ariadne import EnumType, QueryType, ScalarType, make_executable_schema
from graphql import (
    DocumentNode,
    GraphQLSchema,
    InterfaceTypeDefinitionNode,
    ObjectTypeDefinitionNode,
    parse,
    print_ast,
)

from mlgraph.graphql import entities, lineage, properties, search
from mlgraph.graphql.names import (
    ENTITY_TYPES,
    LINEAGE_DIRECTIONS,
    RELATIONSHIP_DIRECTIONS,
    SEARCH_SORTS,
    SORT_ORDERS,
)

SDL_DIR = Path(__file__).parent / "schema"


def type_defs() -> str:
    """The whole schema as SDL, entity types complete."""
    doc = parse("\n".join(p.read_text() for p in sorted(SDL_DIR.glob("*.graphql"))))
    interface = next(
        d
        for d in doc.definitions
        if isinstance(d, InterfaceTypeDefinitionNode) and d.name.value == "Entity"
    )
    definitions = []
    for d in doc.definitions:
        if isinstance(d, ObjectTypeDefinitionNode) and any(
            i.name.value == "Entity" for i in d.interfaces or ()
        ):
            d = ObjectTypeDefinitionNode(
                name=d.name,
                description=d.description,
                interfaces=d.interfaces,
                directives=d.directives,
                fields=(*(interface.fields or ()), *(d.fields or ())),
            )
        definitions.append(d)
    return print_ast(DocumentNode(definitions=tuple(definitions)))


def _long(value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise TypeError(f"Long cannot represent {value!r}")
    return int(value)


@cache
def build_schema() -> GraphQLSchema:
    """Built once per process: the schema is immutable and holds no resources."""
    query = QueryType()
    types = entities.bind(query)
    lineage.bind(query)
    search.bind(query)
    return make_executable_schema(
        type_defs(),
        query,
        *types,
        *properties.bindables(),
        ScalarType("Long", serializer=_long, value_parser=_long),
        ScalarType("JSON"),
        EnumType("EntityType", ENTITY_TYPES),
        EnumType("LineageDirection", LINEAGE_DIRECTIONS),
        EnumType("RelationshipDirection", RELATIONSHIP_DIRECTIONS),
        EnumType("SearchSort", SEARCH_SORTS),
        EnumType("SortOrder", SORT_ORDERS),
    )
