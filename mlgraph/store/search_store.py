"""Search queries: full text (SQLite FTS5 or PostgreSQL full-text over the same
pre-tokenised words), structured clauses over entity_properties, facet counts.
Every value reaches SQL as a bound parameter."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from sqlalchemy import (
    Column,
    Float,
    MetaData,
    String,
    Table,
    exists,
    func,
    literal,
    not_,
    select,
    text,
)
from sqlalchemy.sql import ColumnElement, Select

from mlgraph.services.filters import Clause
from mlgraph.store.engine import Engines
from mlgraph.store.schema import edges, entities, entity_properties

EDGE_FACETS = {
    "tag": "TaggedWith",
    "owner": "OwnedBy",
    "domain": "AssociatedWith",
    "term": "TermedWith",
}
COLUMN_FACETS = {
    "type": entities.c.entity_type,
    "platform": entities.c.platform,
    "env": entities.c.env,
}
PROPERTY_FACETS = ("alias", "subtype", "algorithm")
FACETS = (*COLUMN_FACETS, *EDGE_FACETS, *PROPERTY_FACETS)
SORTS = {"relevance", "name", "updated"}


FACET_SAMPLE = 10_000  # matches facet counts are computed over, at most


class SearchPage(NamedTuple):
    total: int
    rows: list[dict[str, Any]]
    facets: dict[str, dict[str, int]]
    facets_sampled: bool  # counted over the FACET_SAMPLE most relevant matches only


@dataclass
class SearchSpec:
    words: list[str] = field(default_factory=list)
    clauses: list[Clause] = field(default_factory=list)
    facet_filters: dict[str, list[str]] = field(default_factory=dict)
    sort: str = "relevance"
    descending: bool = False
    offset: int = 0
    limit: int = 20
    facets: bool = True
    facet_sample: int = FACET_SAMPLE


def _fts(dialect: str, words: list[str]) -> Any:
    """(urn, score) of entities whose document holds every word (the last as a prefix);
    lower scores rank first on both backends."""
    if dialect == "sqlite":
        query = " AND ".join([f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*'])
        sql = (
            "SELECT d.urn AS urn, search_fts.rank AS score FROM search_fts "
            "JOIN search_docs d ON d.rowid = search_fts.rowid WHERE search_fts MATCH :fts"
        )
    else:
        query = " & ".join([*words[:-1], f"{words[-1]}:*"])
        sql = (
            "SELECT urn, -ts_rank(to_tsvector('simple'::regconfig, text), "
            "to_tsquery('simple'::regconfig, :fts)) AS score FROM search_docs "
            "WHERE to_tsvector('simple'::regconfig, text) @@ to_tsquery('simple'::regconfig, :fts)"
        )
    return text(sql).bindparams(fts=query).columns(urn=String, score=Float).subquery("matched")


def _like(dialect: str, column: Any, pattern: str, insensitive: bool) -> ColumnElement[bool]:
    if insensitive:
        return func.lower(column).like(func.lower(literal(pattern)))
    if dialect == "sqlite":  # SQLite's LIKE ignores case; GLOB does not
        glob = "".join(
            "*" if ch == "%" else "?" if ch == "_" else f"[{ch}]" if ch in "*?[" else ch
            for ch in pattern
        )
        return column.op("GLOB")(glob)
    return column.like(pattern)


def _matching(dialect: str, c: Clause, per_entity: bool = False) -> Select[Any]:
    """The URNs whose param/metric/tag `c.key` exists (IS [NOT] NULL) or satisfies `c`:
    read from the (kind, key, value) index, or, `per_entity`, looked up for the outer
    query's entity by the urn-prefixed primary key (`kind || ''` keeps the planner off
    the (kind, ...) index, which would walk every value of the key per entity)."""
    p = entity_properties.alias("p")
    if per_entity:
        base = [p.c.urn == entities.c.urn, (p.c.kind + literal("")) == c.kind, p.c.key == c.key]
    else:
        base = [p.c.kind == c.kind, p.c.key == c.key]
    if c.op in ("IS NULL", "IS NOT NULL"):
        return select(p.c.urn).where(*base)
    column = p.c.value_num if c.kind == "metric" else p.c.value_text
    if c.op in ("LIKE", "ILIKE"):
        cond = _like(dialect, column, c.value, c.op == "ILIKE")
    else:
        cond = {
            "=": column == c.value,
            "!=": column != c.value,
            ">": column > c.value,
            ">=": column >= c.value,
            "<": column < c.value,
            "<=": column <= c.value,
        }[c.op]
    return select(p.c.urn).where(*base, cond)


def _clause(dialect: str, c: Clause, *, drives: bool = True) -> ColumnElement[bool]:
    """`c` as a condition on `entities`. The clause that `drives` the query is a set
    read once from the index; the others are checked per candidate entity."""
    if c.kind == "attribute":
        column = entities.c.entity_type if c.key == "type" else getattr(entities.c, c.key)
        if c.op in ("IN", "NOT IN"):
            inside = column.in_(list(c.value))
            return inside if c.op == "IN" else not_(inside)
        if c.op in ("LIKE", "ILIKE"):
            return _like(dialect, column, c.value, c.op == "ILIKE")
        return column == c.value if c.op == "=" else column != c.value
    if not drives or c.op == "IS NULL":
        found = exists(_matching(dialect, c, per_entity=True))
        return not_(found) if c.op == "IS NULL" else found
    return entities.c.urn.in_(_matching(dialect, c))


def _facet_matching(name: str, values: list[str], per_entity: bool = False) -> Select[Any]:
    """URNs carrying facet `name` with one of `values` (tags, owners, ... are edges;
    alias, subtype, algorithm are index rows). `per_entity`: for the outer entity, by
    its urn-prefixed key (the `|| ''` keeps the planner off the value-first index)."""
    if name in EDGE_FACETS:
        e = edges.alias("f")
        target = (e.c.target_urn + literal("")) if per_entity else e.c.target_urn
        found = select(e.c.source_urn).where(target.in_(values), e.c.rel == EDGE_FACETS[name])
        return found.where(e.c.source_urn == entities.c.urn) if per_entity else found
    p = entity_properties.alias("f")
    kind = (p.c.kind + literal("")) if per_entity else p.c.kind
    found = select(p.c.urn).where(kind == "facet", p.c.key.in_([f"{name}:{v}" for v in values]))
    return found.where(p.c.urn == entities.c.urn) if per_entity else found


def _facet_filter(name: str, values: list[str], *, drives: bool = True) -> ColumnElement[bool]:
    if name in COLUMN_FACETS:
        return COLUMN_FACETS[name].in_(values)
    if drives:
        return entities.c.urn.in_(_facet_matching(name, values))
    return exists(_facet_matching(name, values, per_entity=True))


# Per-query scratch tables. Filling them once keeps every database from re-running the
# full-text match and the filters for the count, the page and each facet, and gives
# the planner an indexed table to join (SQLite would otherwise probe the FTS index once
# per candidate row). They live in the read transaction and vanish with its rollback.
_scratch = MetaData()
text_hits = Table(
    "search_text_hits",
    _scratch,
    Column("urn", String, primary_key=True),
    Column("score", Float),
    prefixes=["TEMPORARY"],
)
hits = Table(
    "search_hits", _scratch, Column("urn", String, primary_key=True), prefixes=["TEMPORARY"]
)


def _analyze(conn: Any, table: Table) -> None:
    """PostgreSQL plans a fresh temporary table as if it were large (it has no
    statistics) and then scans whole tables to join it; ANALYZE on a scratch table of a
    few rows costs well under a millisecond. SQLite needs no help here."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {table.name}")


class SearchStore:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def search(self, spec: SearchSpec) -> SearchPage:
        with self.engines.reading() as conn, conn.begin():
            dialect = conn.dialect.name
            _scratch.create_all(conn, checkfirst=True)
            # Most selective structured clause first: SQLite drives the loop from the
            # first `urn IN (...)` it can, so the order of the clauses is the plan.
            # Clauses and facet filters alike, most selective first; the first drives.
            terms: list[tuple[int, Clause | tuple[str, list[str]]]] = [
                (self._estimate(conn, c), c) for c in spec.clauses
            ] + [
                (self._estimate_facet(conn, n, v), (n, v))
                for n, v in spec.facet_filters.items()
                if v
            ]
            terms.sort(key=lambda t: t[0])
            conds: list[ColumnElement[bool]] = []
            for i, (_, term) in enumerate(terms):
                drives = i == 0 and not spec.words
                if isinstance(term, Clause):
                    conds.append(_clause(dialect, term, drives=drives))
                else:
                    conds.append(_facet_filter(*term, drives=drives))
            conds.append(entities.c.removed.is_(False))
            score: Any = literal(0.0)
            if spec.words:
                found = _fts(dialect, spec.words)
                conn.execute(
                    text_hits.insert().from_select(
                        ["urn", "score"], select(found.c.urn, found.c.score)
                    )
                )
                _analyze(conn, text_hits)
                conds.insert(0, entities.c.urn.in_(select(text_hits.c.urn)))
                score = (
                    select(text_hits.c.score)
                    .where(text_hits.c.urn == entities.c.urn)
                    .scalar_subquery()
                )
            # Count, then let the page use an index for its order (recently changed at
            # 1M entities is one index walk, not 1M copies).
            total = conn.execute(
                select(func.count()).select_from(entities).where(*conds)
            ).scalar_one()
            order = {
                "relevance": [score, entities.c.urn],
                "name": [func.lower(entities.c.name), entities.c.urn],
                "updated": [entities.c.updated_at, entities.c.urn],
            }[spec.sort]
            if spec.descending:
                order = [o.desc() for o in order]
            stmt = (
                select(entities, score.label("score"))
                .where(*conds)
                .order_by(*order)
                .offset(spec.offset)
                .limit(spec.limit)
            )
            rows = [dict(r._mapping) for r in conn.execute(stmt)]
            facets: dict[str, dict[str, int]] = {}
            if spec.facets and total:
                # Facets count over the matches — over the FACET_SAMPLE most relevant of
                # them when there are more (the answer then says the counts are sampled).
                sample = select(entities.c.urn).where(*conds)
                if total > spec.facet_sample:
                    sample = sample.order_by(score, entities.c.urn).limit(spec.facet_sample)
                conn.execute(hits.insert().from_select(["urn"], sample))
                _analyze(conn, hits)
                facets = self._facets(conn)
            conn.rollback()  # drop the scratch rows
        return SearchPage(total, rows, facets, spec.facets and total > spec.facet_sample)

    def _estimate(self, conn: Any, c: Clause) -> int:
        """How many values a structured clause matches (an index range count); clauses
        that cannot drive a lookup (negations, attributes) sort last."""
        if c.kind == "attribute" or c.op in ("!=", "IS NULL", "IS NOT NULL", "NOT IN"):
            return 1 << 62
        condition = _clause(conn.dialect.name, c)
        inner = condition.right if hasattr(condition, "right") else None
        if inner is None:
            return 1 << 62
        return int(
            conn.execute(select(func.count()).select_from(inner.element.subquery())).scalar_one()
        )

    def _estimate_facet(self, conn: Any, name: str, values: list[str]) -> int:
        if name in COLUMN_FACETS:
            return 1 << 61  # a column test on the candidate row: never the driver
        found = _facet_matching(name, values).subquery()
        return int(conn.execute(select(func.count()).select_from(found)).scalar_one())

    def _facets(self, conn: Any) -> dict[str, dict[str, int]]:
        """Counts per facet value over every match. Each query is driven from the
        scratch table of matches into a primary-key prefix (no GROUP BY that would tempt
        the planner into scanning a whole index in group order); Python does the counting."""
        matched = select(hits.c.urn)
        counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
        columns = list(COLUMN_FACETS.items())
        stmt = select(*(c for _, c in columns)).where(entities.c.urn.in_(matched))
        for row in conn.execute(stmt):
            for (name, _), value in zip(columns, row, strict=True):
                if value is not None:
                    counts[name][str(value)] += 1
        facet_of_rel = {rel: name for name, rel in EDGE_FACETS.items()}
        stmt = select(edges.c.rel, edges.c.source_urn, edges.c.target_urn).where(
            edges.c.source_urn.in_(matched), edges.c.rel.in_(list(facet_of_rel))
        )
        seen: set[tuple[str, str, str]] = set()
        for rel, source, target in conn.execute(stmt):
            if (rel, source, target) not in seen:  # one count per entity and value
                seen.add((rel, source, target))
                counts[facet_of_rel[rel]][target] += 1
        # `kind || ''`: keep the planner on the urn-prefixed primary key, not the
        # (kind, ...) index that would walk every facet row in the catalog.
        stmt = select(entity_properties.c.urn, entity_properties.c.key).where(
            entity_properties.c.urn.in_(matched),
            (entity_properties.c.kind + literal("")) == "facet",
        )
        pairs = {(urn, key) for urn, key in conn.execute(stmt)}
        for _, key in pairs:
            name, _, value = key.partition(":")
            if name in counts:
                counts[name][value] += 1
        return {
            name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
            for name, c in counts.items()
            if c
        }
