"""One page of a container's members (the entities pointing at it by one relationship),
filtered and ordered in SQL by their structured properties (entity_properties) and by
top-level fields of their aspects' JSON. MLflow's runs/search is the caller: ordering
and paging there in Python would read every run of the experiment for each page."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Float, Text, and_, case, cast, exists, func, literal, not_, select
from sqlalchemy.dialects import postgresql
from sqlalchemy.sql import ColumnElement

from mlgraph.store.engine import Engines
from mlgraph.store.schema import aspects, edges, entities, entity_properties

PROPERTY_KINDS = ("param", "metric", "tag")
OPS = ("=", "!=", ">", ">=", "<", "<=", "IN", "NOT IN", "IS NULL", "IS NOT NULL")


@dataclass(frozen=True, slots=True)
class Value:
    """A member's value: a structured property (`kind` param, metric or tag, written by
    `aspect`) or, for kind "field", the top-level `key` of `aspect`'s JSON."""

    kind: str
    aspect: str
    key: str
    numeric: bool = False  # "field" values compared and ordered as numbers


@dataclass(frozen=True, slots=True)
class Condition:
    value: Value
    op: str  # one of OPS
    operand: Any = None  # str, float, or a list of str for IN / NOT IN


@dataclass(frozen=True, slots=True)
class Sort:
    value: Value
    descending: bool = False


@dataclass
class MemberQuery:
    containers: list[str]
    rel: str
    entity_type: str
    required_aspect: str  # members without it are left out
    conditions: list[Condition] = field(default_factory=list)
    only: list[str] | None = None  # restrict to these URNs
    sorts: list[Sort] = field(default_factory=list)
    offset: int = 0
    limit: int = 100


def _json_field(dialect: str, column: Any, key: str, numeric: bool) -> ColumnElement[Any]:
    """`column` (JSON text) -> its top-level `key`; SQL NULL when absent."""
    if dialect == "postgresql":
        text = cast(column, postgresql.JSONB).op("->>", return_type=Text)(key)
        return cast(text, Float) if numeric else text.collate("C")
    return func.json_extract(column, f'$."{key}"')


def _text(dialect: str, column: Any) -> Any:
    """Byte order for text on both backends (PostgreSQL would use the locale's)."""
    return column.collate("C") if dialect == "postgresql" else column


def _compare(column: Any, op: str, operand: Any) -> ColumnElement[bool]:
    if op in ("IN", "NOT IN"):
        inside = column.in_(list(operand))
        return inside if op == "IN" else not_(inside)
    return {
        "=": column == operand,
        "!=": column != operand,
        ">": column > operand,
        ">=": column >= operand,
        "<": column < operand,
        "<=": column <= operand,
    }[op]


class MemberStore:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def page(self, q: MemberQuery) -> list[str]:
        """URNs of the members matching every condition, in the sorts' order (missing
        values last; for metrics NaN before missing, as MLflow orders them), from
        `offset`, at most `limit`. Callers add a unique last sort for a stable order."""
        with self.engines.reading() as conn:
            dialect = conn.dialect.name
            m = entities
            joined: dict[str, Any] = {}

            def aspect_of(name: str) -> Any:
                if name not in joined:
                    joined[name] = aspects.alias(f"a{len(joined)}")
                return joined[name]

            required = aspect_of(q.required_aspect)
            conds: list[ColumnElement[bool]] = [
                m.c.entity_type == q.entity_type,
                m.c.removed.is_(False),
            ]
            driver = self._driver(q)
            member = edges.alias("member")
            if driver is None:
                conds.append(
                    m.c.urn.in_(
                        select(member.c.source_urn).where(
                            member.c.target_urn.in_(q.containers), member.c.rel == q.rel
                        )
                    )
                )
            else:
                # Driven from the property index; membership is then a primary-key
                # probe (`|| ''` keeps the planner off the container's index).
                conds.append(m.c.urn.in_(self._matching(driver)))
                probe = select(literal(1)).where(
                    member.c.source_urn == m.c.urn,
                    member.c.rel == q.rel,
                    (member.c.target_urn + literal("")).in_(q.containers),
                )
                conds.append(exists(probe))
            if q.only is not None:
                conds.append(m.c.urn.in_(q.only))
            for c in q.conditions:
                if c is driver:
                    continue
                if c.value.kind == "field":
                    a = aspect_of(c.value.aspect)
                    column = _json_field(dialect, a.c.value, c.value.key, c.value.numeric)
                    if c.op in ("IS NULL", "IS NOT NULL"):
                        conds.append(column.is_(None) if c.op == "IS NULL" else column.isnot(None))
                    else:
                        conds.append(_compare(column, c.op, c.operand))
                    continue
                found = exists(self._matching(c, per_entity=True))
                conds.append(not_(found) if c.op == "IS NULL" else found)
            order: list[Any] = []
            props: dict[tuple[str, str, str], Any] = {}
            for s in q.sorts:
                v = s.value
                if v.kind == "field":
                    a = aspect_of(v.aspect)
                    column = _json_field(dialect, a.c.value, v.key, v.numeric)
                    order.append(_dir(column, s.descending))
                    continue
                if (v.kind, v.aspect, v.key) not in props:
                    props[(v.kind, v.aspect, v.key)] = entity_properties.alias(f"s{len(props)}")
                p = props[(v.kind, v.aspect, v.key)]
                if v.kind == "metric":
                    # value_num is NULL for NaN and ±inf; value_text tells them apart.
                    nan = case((p.c.value_text == "nan", 1), else_=0)
                    inf = case(
                        (p.c.value_text == "inf", 1), (p.c.value_text == "-inf", -1), else_=0
                    )
                    order += [
                        p.c.value_text.is_(None),  # no such metric: after NaN
                        nan,
                        _dir(inf, s.descending),
                        _dir(p.c.value_num, s.descending),
                    ]
                else:
                    order.append(_dir(_text(dialect, p.c.value_text), s.descending))
            source: Any = m
            for name, a in joined.items():
                on = and_(a.c.urn == m.c.urn, a.c.aspect == name)
                source = source.join(a, on) if a is required else source.outerjoin(a, on)
            for (kind, aspect, key), p in props.items():
                source = source.outerjoin(
                    p,
                    and_(
                        p.c.urn == m.c.urn,
                        p.c.aspect == aspect,
                        p.c.kind == kind,
                        p.c.key == key,
                    ),
                )
            stmt = (
                select(m.c.urn)
                .select_from(source)
                .where(*conds)
                .order_by(*order)
                .offset(q.offset)
                .limit(q.limit)
            )
            return [r.urn for r in conn.execute(stmt)]

    @staticmethod
    def _driver(q: MemberQuery) -> Condition | None:
        """The property condition that reads fewest index rows, by its operator: an
        equality or IN first, then a range. Negations and NULL tests never drive."""
        rank = {"=": 0, "IN": 1, ">": 2, ">=": 2, "<": 2, "<=": 2}
        usable = [c for c in q.conditions if c.value.kind in PROPERTY_KINDS and c.op in rank]
        return min(usable, key=lambda c: rank[c.op], default=None)

    @staticmethod
    def _matching(c: Condition, per_entity: bool = False) -> Any:
        """URNs whose property satisfies `c` (or, for NULL tests, that have it): from the
        (kind, key, value) index, or `per_entity` by the outer member's primary key."""
        p = entity_properties.alias("p")
        base = [p.c.aspect == c.value.aspect, p.c.kind == c.value.kind, p.c.key == c.value.key]
        if per_entity:
            base.append(p.c.urn == entities.c.urn)
        if c.op in ("IS NULL", "IS NOT NULL"):
            return select(p.c.urn).where(*base)
        column = p.c.value_num if c.value.kind == "metric" else p.c.value_text
        return select(p.c.urn).where(*base, _compare(column, c.op, c.operand))


def _dir(column: Any, descending: bool) -> Any:
    """Either way, missing values (SQL NULL) last; SQLite has NULLS LAST since 3.30."""
    return (column.desc() if descending else column.asc()).nulls_last()
