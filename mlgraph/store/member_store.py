"""One page of a container's members (the entities pointing at it by one relationship),
filtered and ordered in SQL by their structured properties (entity_properties) and by
top-level fields of their aspects' JSON. MLflow's runs/search is the caller: ordering
and paging there in Python would read every run of the experiment for each page.

A query's SQL text depends only on its shape (its conditions, sorts and list lengths,
not its operands or page), so it is compiled once per shape and run with the operands
as parameters: building it through SQLAlchemy's expression language on every call
cost more than running it."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Float,
    Integer,
    Text,
    and_,
    bindparam,
    case,
    cast,
    exists,
    false,
    func,
    literal,
    not_,
    select,
    true,
)
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect
from sqlalchemy.sql import ColumnElement

from mlgraph.model.query import PROPERTY_KINDS, MemberQuery, Sort, Value
from mlgraph.store.engine import Engines
from mlgraph.store.schema import aspects, edges, entities, entity_properties


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
    """`column op operand`; for IN and NOT IN `operand` is a list of bind parameters."""
    if op in ("IN", "NOT IN"):
        if not operand:  # x IN () is false, x NOT IN () true
            return false() if op == "IN" else true()
        inside = column.in_(operand)
        return inside if op == "IN" else not_(inside)
    return {
        "=": column == operand,
        "!=": column != operand,
        ">": column > operand,
        ">=": column >= operand,
        "<": column < operand,
        "<=": column <= operand,
    }[op]


# What the SQL text depends on: everything of a query but its operands and its page.
# A condition is (value, op, operand count: -1 for a scalar).
@dataclass(frozen=True, slots=True)
class Shape:
    entity_type: str
    rel: str
    required_aspect: str
    containers: int
    only: int | None
    conditions: tuple[tuple[Value, str, int], ...]
    sorts: tuple[Sort, ...]


def _shape(q: MemberQuery) -> Shape:
    conditions = tuple(
        (c.value, c.op, len(c.operand) if c.op in ("IN", "NOT IN") else -1) for c in q.conditions
    )
    only = None if q.only is None else len(q.only)
    return Shape(
        q.entity_type,
        q.rel,
        q.required_aspect,
        len(q.containers),
        only,
        conditions,
        tuple(q.sorts),
    )


def _params(q: MemberQuery) -> dict[str, Any]:
    """The operands of `q`, named as `_statement` binds them."""
    params: dict[str, Any] = {"page_offset": q.offset, "page_limit": q.limit}
    for j, urn in enumerate(q.containers):
        params[f"container_{j}"] = urn
    for j, urn in enumerate(q.only or ()):
        params[f"only_{j}"] = urn
    for i, c in enumerate(q.conditions):
        if c.op in ("IN", "NOT IN"):
            for j, item in enumerate(c.operand):
                params[f"cond_{i}_{j}"] = item
        elif c.op not in ("IS NULL", "IS NOT NULL"):
            params[f"cond_{i}"] = c.operand
    return params


def _operand(i: int, op: str, count: int) -> Any:
    if op in ("IN", "NOT IN"):
        return [bindparam(f"cond_{i}_{j}") for j in range(count)]
    return bindparam(f"cond_{i}")


def _driver(shape: Shape) -> int | None:
    """The property condition that reads fewest index rows, by its operator: an
    equality or IN first, then a range. Negations and NULL tests never drive."""
    rank = {"=": 0, "IN": 1, ">": 2, ">=": 2, "<": 2, "<=": 2}
    usable = [
        i
        for i, (value, op, _) in enumerate(shape.conditions)
        if value.kind in PROPERTY_KINDS and op in rank
    ]
    return min(usable, key=lambda i: rank[shape.conditions[i][1]], default=None)


def _matching(value: Value, op: str, operand: Any, per_entity: bool = False) -> Any:
    """URNs whose property satisfies the condition (or, for NULL tests, that have it):
    from the (kind, key, value) index, or `per_entity` by the outer member's primary key."""
    p = entity_properties.alias("p")
    base = [p.c.aspect == value.aspect, p.c.kind == value.kind, p.c.key == value.key]
    if per_entity:
        base.append(p.c.urn == entities.c.urn)
    if op in ("IS NULL", "IS NOT NULL"):
        return select(p.c.urn).where(*base)
    column = p.c.value_num if value.kind == "metric" else p.c.value_text
    return select(p.c.urn).where(*base, _compare(column, op, operand))


def _statement(dialect: str, shape: Shape) -> Any:
    m = entities
    joined: dict[str, Any] = {}

    def aspect_of(name: str) -> Any:
        if name not in joined:
            joined[name] = aspects.alias(f"a{len(joined)}")
        return joined[name]

    required = aspect_of(shape.required_aspect)
    conds: list[ColumnElement[bool]] = [
        m.c.entity_type == shape.entity_type,
        m.c.removed.is_(False),
    ]
    containers: list[Any] = [bindparam(f"container_{j}") for j in range(shape.containers)]
    member = edges.alias("member")
    driver = _driver(shape)
    sorts = list(shape.sorts)
    walk = None  # the driver's index rows, when they are also the first sort's order
    if driver is None:
        conds.append(
            m.c.urn.in_(
                select(member.c.source_urn).where(
                    member.c.target_urn.in_(containers), member.c.rel == shape.rel
                )
            )
        )
    else:
        value, op, count = shape.conditions[driver]
        if sorts and sorts[0].value == value and op in ("=", ">", ">=", "<", "<="):
            # Ordered by the property the driver reads: walk its index in that order
            # and stop at the page's end, instead of sorting every match. A driver
            # row has a value (for metrics, a finite number: NaN and ±inf have no
            # value_num), so the missing / NaN / inf terms of the sort are constant.
            walk = entity_properties.alias("d")
            column: Any = walk.c.value_num if value.kind == "metric" else walk.c.value_text
            conds += [
                walk.c.aspect == value.aspect,
                walk.c.kind == value.kind,
                walk.c.key == value.key,
                _compare(column, op, _operand(driver, op, count)),
            ]
        else:
            # Driven from the property index; membership is then a primary-key
            # probe (`|| ''` keeps the planner off the container's index).
            conds.append(m.c.urn.in_(_matching(value, op, _operand(driver, op, count))))
        probe = select(literal(1)).where(
            member.c.source_urn == m.c.urn,
            member.c.rel == shape.rel,
            (member.c.target_urn + literal("")).in_(containers),
        )
        conds.append(exists(probe))
    if shape.only is not None:
        only: list[Any] = [bindparam(f"only_{j}") for j in range(shape.only)]
        conds.append(m.c.urn.in_(only) if only else false())
    for i, (value, op, count) in enumerate(shape.conditions):
        if i == driver:
            continue
        if value.kind == "field":
            a = aspect_of(value.aspect)
            column = _json_field(dialect, a.c.value, value.key, value.numeric)
            if op in ("IS NULL", "IS NOT NULL"):
                conds.append(column.is_(None) if op == "IS NULL" else column.isnot(None))
            else:
                conds.append(_compare(column, op, _operand(i, op, count)))
            continue
        found = exists(_matching(value, op, _operand(i, op, count), per_entity=True))
        conds.append(not_(found) if op == "IS NULL" else found)
    order: list[Any] = []
    props: dict[tuple[str, str, str], Any] = {}
    for k, s in enumerate(sorts):
        v = s.value
        if k == 0 and walk is not None:
            column = walk.c.value_num if v.kind == "metric" else _text(dialect, walk.c.value_text)
            order.append(_dir(column, s.descending))
            continue
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
            inf = case((p.c.value_text == "inf", 1), (p.c.value_text == "-inf", -1), else_=0)
            order += [
                p.c.value_text.is_(None),  # no such metric: after NaN
                nan,
                _dir(inf, s.descending),
                _dir(p.c.value_num, s.descending),
            ]
        else:
            order.append(_dir(_text(dialect, p.c.value_text), s.descending))
    source: Any = m if walk is None else walk.join(m, m.c.urn == walk.c.urn)
    for name, a in joined.items():
        on = and_(a.c.urn == m.c.urn, a.c.aspect == name)
        source = source.join(a, on) if a is required else source.outerjoin(a, on)
    for (kind, aspect, key), p in props.items():
        source = source.outerjoin(
            p,
            and_(p.c.urn == m.c.urn, p.c.aspect == aspect, p.c.kind == kind, p.c.key == key),
        )
    return (
        select(m.c.urn)
        .select_from(source)
        .where(*conds)
        .order_by(*order)
        .offset(bindparam("page_offset", type_=Integer))
        .limit(bindparam("page_limit", type_=Integer))
    )


class MemberStore:
    """Runs `MemberQuery`s, each shape's SQL compiled once (see the module's doc)."""

    _CACHE_SIZE = 512

    def __init__(self, engines: Engines) -> None:
        self.engines = engines
        self._compiled: dict[tuple[str, Shape], tuple[str, dict[str, Any]]] = {}

    def page(self, q: MemberQuery) -> list[str]:
        """URNs of the members matching every condition, in the sorts' order (missing
        values last; for metrics NaN before missing, as MLflow orders them), from
        `offset`, at most `limit`. Callers add a unique last sort for a stable order."""
        shape = _shape(q)
        with self.engines.reading() as conn:
            sql, defaults = self._sql(conn.dialect, shape)
            params = {**defaults, **_params(q)}
            if conn.dialect.name != "sqlite":
                return [r[0] for r in conn.exec_driver_sql(sql, params)]
            # Straight to the driver, in the connection's transaction (as select_in).
            if not conn.in_transaction():
                conn.begin()
            driver: Any = conn.connection.driver_connection
            return [r[0] for r in driver.execute(sql, params)]

    def _sql(self, dialect: Dialect, shape: Shape) -> tuple[str, dict[str, Any]]:
        """The SQL text of a shape, and the values of the literals it binds."""
        key = (dialect.name, shape)
        found = self._compiled.get(key)
        if found is None:
            if len(self._compiled) >= self._CACHE_SIZE:
                self._compiled.clear()
            target = sqlite.dialect(paramstyle="named") if dialect.name == "sqlite" else dialect
            compiled = _statement(dialect.name, shape).compile(dialect=target)
            found = (compiled.string, dict(compiled.params))
            self._compiled[key] = found
        return found


def _dir(column: Any, descending: bool) -> Any:
    """Either way, missing values (SQL NULL) last; SQLite has NULLS LAST since 3.30."""
    return (column.desc() if descending else column.asc()).nulls_last()
