"""Search queries: full text (SQLite FTS5 or PostgreSQL full-text over the same
pre-tokenised words), structured clauses over entity_properties, facet counts.
Every value reaches SQL as a bound parameter."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any, NamedTuple

import orjson
from sqlalchemy import (
    BigInteger,
    Column,
    Connection,
    Float,
    MetaData,
    String,
    Table,
    and_,
    exists,
    func,
    literal,
    not_,
    or_,
    select,
    text,
)
from sqlalchemy.sql import ColumnElement, Select

from mlgraph.model.query import (
    COLUMN_FACETS,
    EDGE_FACETS,
    FACETS,
    Clause,
    kinds_from_several_aspects,
)
from mlgraph.model.registry import ENTITIES
from mlgraph.store.engine import Engines
from mlgraph.store.schema import edges, entities, entity_properties

# The column each of the model's column facets reads.
FACET_COLUMNS = {
    "type": entities.c.entity_type,
    "platform": entities.c.platform,
    "env": entities.c.env,
}
assert tuple(FACET_COLUMNS) == COLUMN_FACETS


# Counting stops here (Elasticsearch's default `track_total_hits`): a search matching
# more says `total_exact: false` with this as its total, unless an exact total is asked for.
TOTAL_LIMIT = 10_000
# Facet counts are exact over a match set of at most this many; over a larger one they
# count its FACET_SAMPLE first matches in relevance order (the service sets both alike).
FACET_SAMPLE = 1_000
# A text matching more entities than this, when nothing narrower drives the search, is
# ranked over its most recently changed matches only (they come first, the rest after).
RANK_WINDOW = 2_000
# Matches kept in the scratch table at least: a result this small is read once.
KEEP = 1_000


class SearchPage(NamedTuple):
    total: int  # every match, or `total_limit` when more match and counting stopped there
    total_exact: bool  # `total` is the number of matches, not a lower bound
    more: bool  # a match follows this page
    rows: list[dict[str, Any]]
    facets: dict[str, dict[str, int]]
    facets_exact: bool  # counted over every match, not the `facet_sample` first ones
    ranked_recent: bool  # relevance ranked over the RANK_WINDOW most recent matches only


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
    facet_exact: int = FACET_SAMPLE  # facets are exact over at most this many matches
    keep: int = KEEP  # matches kept in a scratch table for the page and the facets
    rank_window: int = RANK_WINDOW
    total_limit: int | None = TOTAL_LIMIT  # None: count every match

    @property
    def bound(self) -> int | None:
        """Matches counted at most, less one (one more tells that more match): the total
        limit, or as far as the page reaches past it."""
        if self.total_limit is None:
            return None
        return max(self.total_limit, self.offset + self.limit)


class _Count(NamedTuple):
    """Matches counted up to the spec's bound + 1: `seen` is exact when `exact`."""

    seen: int
    exact: bool


def _count(conn: Any, query: Select[Any], bound: int | None) -> _Count:
    """How many rows `query` gives, counting no further than `bound` + 1."""
    counted = query if bound is None else query.limit(bound + 1)
    seen = int(conn.execute(select(func.count()).select_from(counted.subquery())).scalar_one())
    return _Count(seen, bound is None or seen <= bound)


# What a search found: its count, the page's rows, facet counts and whether they are
# exact, whether it was ranked over a window only.
_Result = tuple[_Count, list[dict[str, Any]], dict[str, dict[str, int]], bool, bool]


class _Matches(NamedTuple):
    query: Select[Any]  # (urn, score), and recency when `window`
    window: bool  # a broad text drives: see SearchStore._run_window
    fts: str  # the full-text query (types folded in on SQLite), "" without words
    text_total: int  # the text's own match count (0 without words), maybe bounded
    text_exact: bool  # `text_total` counts every match of the text
    text_only: bool  # nothing but the text decides what matches
    # The whole match as a test of the entity row alone (its type, platform, ...),
    # when nothing else decides it; None otherwise.
    on_row: ColumnElement[bool] | None


def _fts_query(dialect: str, words: list[str], types: Sequence[str] = ()) -> str:
    """Every word (the last as a prefix), in each backend's query syntax; on SQLite,
    `types` restricts the matches to entities of those types (FTS5's entity_type
    column, migration 0007)."""
    if dialect == "sqlite":
        query = " AND ".join([f'"{w}"' for w in words[:-1]] + [f'"{words[-1]}"*'])
        if types:
            query += " AND entity_type : (" + " OR ".join(f'"{t}"' for t in types) + ")"
        return query
    assert not types, "PostgreSQL tests types on the URN"
    return " & ".join([*words[:-1], f"{words[-1]}:*"])


def _fts(dialect: str, fts: str) -> Any:
    """(urn, score, recency) of entities whose document matches `fts` (`_fts_query`);
    lower scores rank first on both backends; a higher recency is a document written
    later."""
    if dialect == "sqlite":
        sql = (
            "SELECT d.urn AS urn, search_fts.rank AS score, search_fts.rowid AS recency "
            "FROM search_fts JOIN search_docs d ON d.rowid = search_fts.rowid "
            "WHERE search_fts MATCH :fts"
        )
    else:
        sql = (  # `words`, the stored tsvector, and `seq`: migration 0006
            "SELECT urn, -ts_rank(words, to_tsquery('simple'::regconfig, :fts)) AS score, "
            "seq AS recency FROM search_docs WHERE words @@ to_tsquery('simple'::regconfig, :fts)"
        )
    return (
        text(sql)
        .bindparams(fts=fts)
        .columns(urn=String, score=Float, recency=BigInteger)
        .subquery("matched")
    )


def _fts_count(conn: Any, fts: str, removed: bool = False, upto: int | None = None) -> int:
    """How many documents match `fts` (counted in the index, nothing ranked), at most
    `upto`; with `removed`, only those of soft-deleted entities."""
    if conn.dialect.name == "sqlite":
        sql = "SELECT 1 FROM search_fts WHERE search_fts MATCH :fts"
        if removed:
            sql += (
                " AND rowid IN (SELECT d.rowid FROM search_docs d"
                " WHERE d.urn IN (SELECT urn FROM entities WHERE removed = 1))"
            )
    else:
        sql = "SELECT 1 FROM search_docs WHERE words @@ to_tsquery('simple'::regconfig, :fts)"
        if removed:
            sql += " AND urn IN (SELECT urn FROM entities WHERE removed)"
    if upto is not None:
        sql += f" LIMIT {int(upto)}"
    sql = f"SELECT count(*) FROM ({sql}) AS matched"
    return int(conn.execute(text(sql), {"fts": fts}).scalar_one())


def _fts_estimate(conn: Any, fts: str) -> int:
    """PostgreSQL's own estimate of how many documents match `fts` (from the statistics
    ANALYZE keeps on the words of `search_docs`), read from its plan: nothing is read."""
    plan = conn.exec_driver_sql(
        "EXPLAIN (FORMAT JSON) SELECT 1 FROM search_docs"
        " WHERE words @@ to_tsquery('simple'::regconfig, %(fts)s)",
        {"fts": fts},
    ).scalar_one()
    if isinstance(plan, str):
        plan = orjson.loads(plan)
    return int(plan[0]["Plan"]["Plan Rows"])


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


# A set read from an index larger than this (or than a few times the driving set) is
# checked per candidate instead of being read whole; estimates stop counting here too.
_LIST_LIMIT = 10_000
_ESTIMATE_CAP = _LIST_LIMIT + 1


def _value_condition(dialect: str, column: Any, c: Clause) -> ColumnElement[bool]:
    if c.op in ("LIKE", "ILIKE"):
        return _like(dialect, column, c.value, c.op == "ILIKE")
    return {
        "=": column == c.value,
        "!=": column != c.value,
        ">": column > c.value,
        ">=": column >= c.value,
        "<": column < c.value,
        "<=": column <= c.value,
    }[c.op]


def _matching(dialect: str, c: Clause, urn: Any = None) -> Select[Any]:
    """The URNs whose param/metric/tag `c.key` exists (IS [NOT] NULL) or satisfies `c`,
    read from the covering (kind, key, value, urn) index. With `urn`, only that one:
    an equality is a single seek in the same index; other tests look the entity up by
    its urn-prefixed primary key (`kind || ''` keeps the planner off the (kind, ...)
    index, which would walk every value of the key per entity)."""
    p = entity_properties.alias("p")
    column = p.c.value_num if c.kind == "metric" else p.c.value_text
    exact = c.op == "=" and urn is not None
    kind = p.c.kind if urn is None or exact else p.c.kind + literal("")
    base = [kind == c.kind, p.c.key == c.key]
    if urn is not None:
        base.append(p.c.urn == urn)
    if c.op in ("IS NULL", "IS NOT NULL"):
        return select(p.c.urn).where(*base)
    return select(p.c.urn).where(*base, _value_condition(dialect, column, c))


def _facet_matching(name: str, values: list[str], urn: Any = None) -> Select[Any]:
    """URNs carrying facet `name` with one of `values` (tags, owners, ... are edges,
    read from the covering (target, rel, source) index; alias, subtype, algorithm are
    index rows). With `urn`, only that one (seeks in the same indexes)."""
    if name in EDGE_FACETS:
        e = edges.alias("f")
        found = select(e.c.source_urn.label("urn")).where(
            e.c.target_urn.in_(values), e.c.rel == EDGE_FACETS[name]
        )
        return found if urn is None else found.where(e.c.source_urn == urn)
    if name == "type":
        t = entities.alias("t")
        found = select(t.c.urn).where(t.c.entity_type.in_(values))
        return found if urn is None else found.where(t.c.urn == urn)
    p = entity_properties.alias("f")
    kind = p.c.kind if urn is None else p.c.kind + literal("")
    found = select(p.c.urn).where(kind == "facet", p.c.key.in_([f"{name}:{v}" for v in values]))
    return found if urn is None else found.where(p.c.urn == urn)


@dataclass
class _Set:
    """A term of the query as a set of URNs: read whole from an index (`members`) or
    tested per candidate (`member(urn)`), whichever is cheaper given the sizes."""

    estimate: int
    members: Select[Any]
    member: Callable[[Any], ColumnElement[bool]]
    exact: bool  # `member` is one index seek (an equality), not a scan of the entity's rows
    repeats: bool = False  # `members` may list an entity twice


def _row_condition(dialect: str, c: Clause) -> ColumnElement[bool]:
    """An attribute clause (name, platform, ...) as a test on the entity row."""
    column = entities.c.entity_type if c.key == "type" else getattr(entities.c, c.key)
    if c.op in ("IN", "NOT IN"):
        inside = column.in_(list(c.value))
        return inside if c.op == "IN" else not_(inside)
    if c.op in ("LIKE", "ILIKE"):
        return _like(dialect, column, c.value, c.op == "ILIKE")
    return column == c.value if c.op == "=" else column != c.value


# Per-query scratch tables: the full-text matches with their scores (SQLite would
# otherwise probe the FTS index once per candidate row), and the first matches of the
# whole query, which the page and the facets read instead of re-running the match.
# Each connection creates them once; a search's rows vanish when its read transaction
# ends: rolled back on SQLite (its journal restores the pages); committed on PostgreSQL,
# whose ON COMMIT DELETE ROWS truncates them in place. (Rolled-back rows would stay as
# dead tuples in the tables and their indexes, which no autovacuum visits: after a few
# hundred broad searches one connection's searches took three times as long.)
_scratch = MetaData()


def _scratch_table(name: str) -> Table:
    return Table(
        name,
        _scratch,
        Column("urn", String, primary_key=True),
        Column("score", Float),
        prefixes=["TEMPORARY"],
        postgresql_on_commit="DELETE ROWS",
    )


text_hits = _scratch_table("search_text_hits")
hits = _scratch_table("search_hits")


def _ensure_scratch(conn: Connection) -> None:
    """Create the scratch tables once per database connection (they are temporary: they
    belong to it), committed, so a search only fills them and rolls its rows back."""
    if not conn.info.get("search_scratch"):
        with conn.begin():
            _scratch.create_all(conn, checkfirst=True)
        conn.info["search_scratch"] = True


def _analyze(conn: Any, table: Table) -> None:
    """PostgreSQL plans a fresh temporary table as if it were large (it has no
    statistics) and then scans whole tables to join it; ANALYZE on a scratch table of a
    few rows costs well under a millisecond. SQLite needs no help here."""
    if conn.dialect.name == "postgresql":
        conn.exec_driver_sql(f"ANALYZE {table.name}")


def _fill(conn: Any, table: Table, query: Select[Any]) -> int:
    """Insert a query's rows into a scratch table; return how many. (psycopg reports
    no row count for some INSERT ... SELECT statements; then the table is counted.)"""
    inserted = conn.execute(table.insert().from_select(["urn", "score"], query)).rowcount
    if inserted is None or inserted < 0:
        inserted = conn.execute(select(func.count()).select_from(table)).scalar_one()
    _analyze(conn, table)
    return int(inserted)


def _relevance(columns: Any, spec: SearchSpec) -> list[Any]:
    """Relevance order: score, then URN; URN alone without text (every score is 0),
    an order the driving index gives without sorting."""
    return [columns.score, columns.urn] if spec.words else [columns.urn]


def _ordered(matches: Select[Any], spec: SearchSpec) -> Select[Any]:
    found = matches.subquery()
    return select(found.c.urn, found.c.score).order_by(*_relevance(found.c, spec))


def _in_text_hits(urn: Any) -> ColumnElement[bool]:
    return exists(select(text_hits.c.urn).where(text_hits.c.urn == urn))


def _has_property(dialect: str, c: Clause, urn: Any) -> ColumnElement[bool]:
    return exists(_matching(dialect, c, urn))


def _has_facet(name: str, values: list[str], urn: Any) -> ColumnElement[bool]:
    return exists(_facet_matching(name, values, urn))


def _of_type(values: list[str], urn: Any) -> ColumnElement[bool]:
    """An entity's type is its URN's (`urn:li:<type>:...`): tested on the URN itself,
    with no lookup. (Equality of a prefix, not a range: PostgreSQL's collation may not
    order punctuation bytewise.)"""
    prefixes = [f"urn:li:{v}:" for v in values]
    return or_(*(func.substr(urn, 1, len(p)) == p for p in prefixes))


class SearchStore:
    def __init__(self, engines: Engines) -> None:
        self.engines = engines

    def search(self, spec: SearchSpec) -> SearchPage:
        with self.engines.reading() as conn:
            _ensure_scratch(conn)
            with conn.begin():
                if conn.dialect.name == "postgresql":
                    # Plan each search for its own values: a generic plan (psycopg
                    # prepares a statement after a few runs) cannot tell a 5,000-row
                    # tag from a 62,000-row parameter, and joined them the wrong way.
                    conn.exec_driver_sql("SET LOCAL plan_cache_mode = force_custom_plan")
                count, rows, facets, facets_exact, windowed = self._run(conn, spec)
                if conn.dialect.name == "postgresql":
                    conn.commit()  # truncates the scratch tables (ON COMMIT DELETE ROWS)
                else:
                    conn.rollback()  # drops the scratch rows
        limit = spec.total_limit
        exact = count.exact and (limit is None or count.seen <= limit)
        return SearchPage(
            count.seen if exact or limit is None else limit,
            exact,
            count.seen > spec.offset + spec.limit,
            rows,
            facets,
            facets_exact,
            windowed,
        )

    def _run(self, conn: Any, spec: SearchSpec) -> _Result:
        found = self._matches(conn, spec)
        if found is None:
            return _Count(0, True), [], {}, True, False
        if found.window:
            return self._run_window(conn, spec, found)
        matches = found.query
        # The first matches in order — enough for the facet sample, or for the page —
        # go to a scratch table; only when it fills are the others counted (up to the
        # spec's bound).
        first = max(spec.facet_sample if spec.facets else 0, spec.offset + spec.limit, spec.keep)
        kept = _fill(conn, hits, _ordered(matches, spec).limit(first))
        count = _Count(kept, True) if kept < first else self._count_past(conn, spec, matches, kept)
        if not count.seen:
            return count, [], {}, True, False
        facets: dict[str, dict[str, int]] = {}
        facets_exact = True
        if spec.facets:
            if kept < count.seen and count.exact and count.seen <= spec.facet_exact:
                # Few enough to count facets over every match: the rest join the first.
                rest = _ordered(matches, spec).offset(kept)
                if not spec.words:
                    rest = _ordered(self._past_kept(conn, matches), spec)
                _fill(conn, hits, rest)  # (its count may be the table's: see _fill)
                kept = conn.execute(select(func.count()).select_from(hits)).scalar_one()
            facets, facets_exact = self._facets_of(conn, spec, "search_hits", kept, count)
        complete = count.exact and kept == count.seen
        rows = self._page(conn, spec, found, kept, complete=complete)
        return count, rows, facets, facets_exact, False

    def _count_past(self, conn: Any, spec: SearchSpec, matches: Select[Any], kept: int) -> _Count:
        """Count the matches, the `kept` first ones in the scratch table included. Without
        words they are in URN order: counting resumes past the last kept URN (a seek in
        the driving index) instead of testing those candidates again."""
        bound = spec.bound
        if bound is not None and kept > bound:
            return _Count(kept, False)
        if spec.words:
            return _count(conn, matches, bound)
        rest = _count(conn, self._past_kept(conn, matches), None if bound is None else bound - kept)
        return _Count(kept + rest.seen, rest.exact)

    def _past_kept(self, conn: Any, matches: Select[Any]) -> Select[Any]:
        """The matches after those in the scratch table, when both are in URN order."""
        last = conn.execute(select(func.max(hits.c.urn))).scalar_one()
        return matches.where(matches.selected_columns.urn > last)

    def _run_window(self, conn: Any, spec: SearchSpec, found: _Matches) -> _Result:
        """A text too broad to rank whole (more matches than `rank_window`): the most
        recently changed matches, up to `rank_window`, are ranked and come first; the
        rest follow, most recent first. Ranking every match of one common word costs
        a score per match (tens of thousands); this costs one per window row."""
        recent = found.query.order_by(found.query.selected_columns.recency.desc())
        urn_score = recent.with_only_columns(
            found.query.selected_columns.urn, found.query.selected_columns.score
        )
        kept = self._fill_window(conn, spec, found, urn_score)
        removed = select(entities.c.urn).where(entities.c.removed).limit(1)
        if kept < spec.rank_window:  # every match is in the window: ranked exactly
            count = _Count(kept, True)
        elif found.text_only and not conn.execute(removed).first():
            count = _Count(found.text_total, found.text_exact)  # counted in the text's index
        elif found.text_only and found.text_exact:
            count = _Count(found.text_total - _fts_count(conn, found.fts, removed=True), True)
        else:
            count = _count(conn, found.query, spec.bound)
        if not kept:
            return _Count(0, True), [], {}, True, False
        ranked: list[tuple[str, float]] = []
        if spec.offset < kept:
            ranked = [
                (r.urn, r.score)
                for r in conn.execute(
                    select(hits.c.urn, hits.c.score)
                    .order_by(hits.c.score, hits.c.urn)
                    .offset(spec.offset)
                    .limit(spec.limit)
                )
            ]
        rest = spec.limit - len(ranked)
        if rest and count.seen > kept:  # past the window: the rest, most recent first
            start = max(spec.offset, kept)
            ranked += [(r.urn, r.score) for r in conn.execute(urn_score.offset(start).limit(rest))]
        rows = self._rows(conn, ranked)
        if not spec.facets:
            return count, rows, {}, True, count.seen > kept
        if count.seen > kept and count.exact and count.seen <= spec.facet_exact:
            # Few enough to count facets over every match, not only the window's.
            held = _fill(conn, text_hits, urn_score)
            facets, exact = self._facets_of(conn, spec, "search_text_hits", held, count)
        else:
            facets, exact = self._facets_of(conn, spec, "search_hits", kept, count)
        return count, rows, facets, exact, count.seen > kept

    def _fill_window(
        self, conn: Any, spec: SearchSpec, found: _Matches, recent: Select[Any]
    ) -> int:
        """Put the window — the `rank_window` most recent matches — in the scratch table.
        SQLite's FTS5 reads matches newest first and stops there. PostgreSQL's GIN index
        returns matches in no order, so it would read every match's row to find the
        newest: instead, only documents past a `seq` floor are asked for (a bitmap AND
        of the GIN index with the btree on `seq`), the span sized for twice the window
        at the text's density, and widened while too few match there."""
        if conn.dialect.name != "postgresql":
            return _fill(conn, hits, recent.limit(spec.rank_window))
        top = conn.exec_driver_sql("SELECT max(seq) FROM search_docs").scalar_one() or 0
        matched = found.text_total
        if not found.text_exact:  # counted up to a bound: the planner's estimate may be more
            matched = max(matched, _fts_estimate(conn, found.fts))
        span = 2 * spec.rank_window * top // max(matched, 1) + 1
        recency = found.query.selected_columns.recency
        while True:
            floor = top - span
            kept = _fill(conn, hits, recent.where(recency > floor).limit(spec.rank_window))
            if kept >= spec.rank_window or floor <= 0:
                return kept
            conn.execute(hits.delete())
            span *= 4

    def _rows(self, conn: Any, ranked: list[tuple[str, float]]) -> list[dict[str, Any]]:
        """Entity rows for (urn, score) pairs, in their order."""
        found = {
            r.urn: dict(r._mapping)
            for r in conn.execute(
                select(entities).where(entities.c.urn.in_([u for u, _ in ranked]))
            )
        }
        return [{**found[u], "score": score} for u, score in ranked if u in found]

    def _facets_of(
        self, conn: Any, spec: SearchSpec, table: str, held: int, count: _Count
    ) -> tuple[dict[str, dict[str, int]], bool]:
        """Facet counts over the `held` matches in scratch `table` — all of them when the
        search has at most `facet_exact` matches, else the first `facet_sample` by
        relevance — and whether they counted every match."""
        counted, n = table, held
        if not (count.exact and count.seen <= spec.facet_exact) and held > spec.facet_sample:
            order = "score, urn" if spec.words else "urn"
            n = spec.facet_sample
            counted = f"(SELECT urn FROM {table} ORDER BY {order} LIMIT {int(n)})"
        return _facet_counts(conn, counted), count.exact and n == count.seen

    def _matches(self, conn: Any, spec: SearchSpec) -> _Matches | None:
        """The query for every match as (urn, score); None when the text matches nothing.
        Each indexable term is a set of URNs: the smallest drives; the others are read
        whole when small, or tested per candidate with an index seek; soft-deleted
        entities and tests on the entity row come last."""
        dialect = conn.dialect.name
        sets: list[_Set] = []
        row_conds: list[ColumnElement[bool]] = []
        negations: list[Clause] = []
        cap = _ESTIMATE_CAP
        facet_filters = dict(spec.facet_filters)
        types: list[str] = []
        if (
            spec.words
            and dialect == "sqlite"
            and all(t in ENTITIES and t.isalnum() for t in facet_filters.get("type", []))
        ):
            # Words within types: one FTS5 query. Only known types, each one token
            # (FTS5 folds case; no two known types differ in case only), so the column
            # test is exact; any other value stays a test on the URN.
            types = facet_filters.pop("type", [])
        fts = _fts_query(dialect, spec.words, types) if spec.words else ""
        text_total, upto = 0, None
        if spec.words:
            # Counted to the bound when the text alone is indexed; exactly when another
            # set might be smaller (choosing the driver compares their sizes).
            narrower = any(c.kind != "attribute" and c.op != "IS NULL" for c in spec.clauses)
            narrower |= any(v and n not in ("platform", "env") for n, v in facet_filters.items())
            if not narrower and spec.bound is not None:
                upto = max(spec.bound, spec.rank_window) + 1
            text_total = _fts_count(conn, fts, upto=upto)
            if not text_total:
                return None
            # Count the other terms far enough to tell whether one is smaller still.
            cap = max(cap, text_total + 1)
        for c in spec.clauses:
            if c.kind == "attribute":
                row_conds.append(_row_condition(dialect, c))
            elif c.op == "IS NULL":
                negations.append(c)
            else:
                members = _matching(dialect, c)
                sets.append(
                    _Set(
                        0,  # see _estimate_sets
                        members,
                        partial(_has_property, dialect, c),
                        exact=c.op == "=",
                        repeats=c.kind in kinds_from_several_aspects(),
                    )
                )
        for name, values in facet_filters.items():
            if not values:
                continue
            if name in ("platform", "env"):
                row_conds.append(FACET_COLUMNS[name].in_(values))
                continue
            members = _facet_matching(name, values)
            sets.append(
                _Set(
                    0,
                    members,
                    partial(_of_type, values)
                    if name == "type"
                    else partial(_has_facet, name, values),
                    exact=name in EDGE_FACETS or name == "type",
                    # Each facet comes from one aspect: only several values may repeat.
                    repeats=len(values) > 1 and name != "type",
                )
            )
        self._estimate_sets(conn, sets, cap)
        window = False
        text_set: Any = None
        if spec.words:
            found = _fts(dialect, fts)
            window = (
                text_total > spec.rank_window
                and all(s.estimate >= text_total for s in sets)
                and spec.sort == "relevance"
                and not spec.descending
            )
            if window:
                # Too broad to rank every match, and the smallest term: it drives,
                # read from the index most recent first (see `_run_window`).
                text_set = select(found.c.urn, found.c.score, found.c.recency)
                sets.insert(
                    0, _Set(text_total, text_set, lambda u: u.in_(select(found.c.urn)), exact=True)
                )
            else:
                inserted = _fill(conn, text_hits, select(found.c.urn, found.c.score))
                text_set = select(text_hits.c.urn, text_hits.c.score)
                sets.append(_Set(inserted, text_set, _in_text_hits, exact=True))
        sets.sort(key=lambda s: s.estimate)
        if sets:
            # An entity may appear twice in a set (two of the tags asked for, a key in
            # two aspects): such a driving set is made distinct (the others are tests).
            # Otherwise it stays plain, so its index order reaches the page unsorted.
            members = sets[0].members
            driver = (members.distinct() if sets[0].repeats else members).subquery("driver")
            urn: Any = driver.c.urn
            query = select(urn.label("urn")).select_from(driver)
            removed = select(entities.c.urn).where(entities.c.removed)
            conds = [urn.not_in(removed)]  # the few soft-deleted, from a partial index
            if row_conds:
                conds.append(
                    exists(select(entities.c.urn).where(entities.c.urn == urn, *row_conds))
                )
        else:
            urn = entities.c.urn
            query = select(urn.label("urn")).select_from(entities)
            conds = [entities.c.removed.is_(False), *row_conds]
        for s in sets[1:]:
            # A seek per candidate beats reading a set as large as the driver; a test
            # that scans the entity's rows is worth avoiding while the set is small.
            listed = not s.exact and (
                s.estimate <= _LIST_LIMIT
                or (sets[0].estimate < cap and s.estimate <= 3 * sets[0].estimate)
            )
            conds.append(urn.in_(s.members) if listed else s.member(urn))
        conds.extend(not_(exists(_matching(dialect, c, urn))) for c in negations)
        score: Any = literal(0.0)
        if spec.words and sets[0].members is text_set:
            score = driver.c.score
        elif spec.words:
            score = select(text_hits.c.score).where(text_hits.c.urn == urn).scalar_subquery()
        query = query.add_columns(score.label("score")).where(*conds)
        if window:
            query = query.add_columns(driver.c.recency.label("recency"))
        text_only = len(sets) == 1 and sets[0].members is text_set and not row_conds
        text_exact = upto is None or text_total < upto
        on_row = None
        types_only = [v for n, v in facet_filters.items() if n == "type" and v]
        if not spec.words and not negations and len(sets) == len(types_only):
            on_row = and_(
                entities.c.removed.is_(False),
                *row_conds,
                *(entities.c.entity_type.in_(values) for values in types_only),
            )
        return _Matches(
            query, window, fts, text_total, text_exact, text_only and not negations, on_row
        )

    def _page(
        self, conn: Any, spec: SearchSpec, matched: _Matches, kept: int, *, complete: bool
    ) -> list[dict[str, Any]]:
        """One page of the matches, with their entity rows: cut from the scratch table
        when it holds the page (by relevance) or every match (any order); otherwise from
        the full query. By name or time every match's row is read to sort them, unless
        the entity row alone decides the match: an index on the order (updated, within
        a type) then serves the page."""
        matches = matched.query
        found: Any = hits if complete else matches.subquery("found")
        if spec.sort == "relevance":
            if not spec.descending and spec.offset + spec.limit <= kept:
                found = hits  # the scratch table holds the first `kept` in this order
            keys = _relevance(found.c, spec)
            if spec.descending:
                keys = [k.desc() for k in keys]
            page = (
                select(found.c.urn, found.c.score)
                .order_by(*keys)
                .offset(spec.offset)
                .limit(spec.limit)
                .subquery("page")
            )
            order = _relevance(page.c, spec)
            if spec.descending:
                order = [o.desc() for o in order]
            stmt = (
                select(entities, page.c.score)
                .join(page, page.c.urn == entities.c.urn)
                .order_by(*order)
            )
        else:
            by_name = spec.sort == "name"
            order = [func.lower(entities.c.name) if by_name else entities.c.updated_at]
            order.append(entities.c.urn)
            if spec.descending:
                order = [o.desc() for o in order]
            if not complete and matched.on_row is not None:
                stmt = select(entities, literal(0.0).label("score")).where(matched.on_row)
            else:
                stmt = select(entities, found.c.score).join(found, found.c.urn == entities.c.urn)
            stmt = stmt.order_by(*order).offset(spec.offset).limit(spec.limit)
        return [dict(r._mapping) for r in conn.execute(stmt)]

    def _estimate_sets(self, conn: Any, sets: list[_Set], cap: int) -> None:
        """Count each set's index range as far as the choice of plan needs: equalities
        first, each up to one past the smallest so far (a larger one only has to be
        known larger); then ranges, up to three times the smallest, as a range that
        small is read whole (hashed) rather than tested per candidate. (Tested per
        candidate, `metrics.auc > 0.98` beside 5,000 runs of one tag also led
        PostgreSQL to run the equality `learning_rate = '3e-4'` as a merge join over
        its whole range, 62k rows.)"""
        smallest = cap
        for s in sorted(sets, key=lambda s: not s.exact):
            reach = min(cap, smallest + 1)
            if not s.exact and smallest < cap:
                reach = max(cap, 3 * smallest + 1)
            s.estimate = self._estimate(conn, s.members, reach)
            smallest = min(smallest, s.estimate)

    def _estimate(self, conn: Any, members: Select[Any], cap: int) -> int:
        """How many URNs a term's index range holds, counted up to `cap`."""
        capped = members.limit(cap).subquery()
        return int(conn.execute(select(func.count()).select_from(capped)).scalar_one())


def _facet_counts(conn: Any, counted: str) -> dict[str, dict[str, int]]:
    """Counts per facet value over the matches `counted` (the scratch table, or its first
    rows): one grouped join per kind of facet, driven from the matches into primary-key
    prefixes. On SQLite, CROSS JOIN fixes that order: grouping invites the planner to
    walk a whole index in group order instead."""
    join = "CROSS JOIN" if conn.dialect.name == "sqlite" else "JOIN"
    if conn.dialect.name == "postgresql":
        # PostgreSQL's equivalent: from a few thousand matches on, it hashed the whole
        # entities table (a million rows, ~140 ms) instead of seeking each match's row.
        _with_plan(conn, "off")
    try:
        return _grouped_facet_counts(conn, counted, join)
    finally:
        if conn.dialect.name == "postgresql":
            _with_plan(conn, "on")


def _with_plan(conn: Any, setting: str) -> None:
    """Allow (`on`) or forbid (`off`) hash and merge joins for the rest of the
    transaction: a facet count drives from the matches into each table's index."""
    for method in ("hashjoin", "mergejoin"):
        conn.exec_driver_sql(f"SET LOCAL enable_{method} = {setting}")


def _grouped_facet_counts(conn: Any, counted: str, join: str) -> dict[str, dict[str, int]]:
    counts: dict[str, Counter[str]] = {name: Counter() for name in FACETS}
    rows = conn.exec_driver_sql(
        f"SELECT e.entity_type, e.platform, e.env, count(*) FROM {counted} h "
        f"{join} entities e ON e.urn = h.urn GROUP BY e.entity_type, e.platform, e.env"
    )
    for *values, n in rows:
        for name, value in zip(COLUMN_FACETS, values, strict=True):
            if value is not None:
                counts[name][str(value)] += n
    facet_of_rel = {rel: name for name, rel in EDGE_FACETS.items()}
    rels = ", ".join(f"'{rel}'" for rel in facet_of_rel)  # the model's constants
    rows = conn.exec_driver_sql(
        f"SELECT f.rel, f.target_urn, count(*) FROM {counted} h {join} edges f "
        f"ON f.source_urn = h.urn AND f.rel IN ({rels}) GROUP BY f.rel, f.target_urn"
    )
    for rel, target, n in rows:  # (source, rel, target) is the key: one row per entity
        counts[facet_of_rel[rel]][target] += n
    # `kind || ''`: keep the planner on the urn-prefixed primary key, not the
    # (kind, ...) index that would walk every facet row in the catalog. A key may come
    # from two aspects of one entity: entities are counted, not rows.
    rows = conn.exec_driver_sql(
        f"SELECT p.key, count(DISTINCT p.urn) FROM {counted} h {join} entity_properties p "
        f"ON p.urn = h.urn AND p.kind || '' = 'facet' GROUP BY p.key"
    )
    for key, n in rows:
        name, _, value = key.partition(":")
        if name in counts:
            counts[name][value] += n
    return {
        name: dict(sorted(c.items(), key=lambda kv: (-kv[1], kv[0])))
        for name, c in counts.items()
        if c
    }
