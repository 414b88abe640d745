"""The structured filter grammar MLflow users already know:

    tags.dataset_version = 'orders_v2.1' AND metrics.val_auc > 0.9 AND params.lr = '3e-4'

Clauses joined by AND (OR is refused, as MLflow does). Keys: `metrics.`/`metric.`,
`params.`/`param.`/`parameters.`, `tags.`/`tag.`, and attributes (`attributes.name`,
or bare `name`, `type`, `platform`, `env`, `urn`). Odd names go in backticks or quotes
(`` metrics.`val loss` ``). Operators: = != > >= < <= for metrics; = != LIKE ILIKE
IS [NOT] NULL for params and tags; = != LIKE ILIKE [NOT] IN for attributes.
A malformed filter raises InvalidInput naming the token and its position."""

from __future__ import annotations

import re
from dataclasses import dataclass

from mlgraph.errors import InvalidInput
from mlgraph.model.query import Clause

_PREFIXES = {
    "metrics": "metric",
    "metric": "metric",
    "params": "param",
    "param": "param",
    "parameters": "param",
    "tags": "tag",
    "tag": "tag",
    "attributes": "attribute",
    "attribute": "attribute",
    "attr": "attribute",
    "run": "attribute",
}
ATTRIBUTES = ("name", "type", "platform", "env", "urn")
_OPS_BY_KIND = {
    "metric": {"=", "!=", ">", ">=", "<", "<="},
    "param": {"=", "!=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL"},
    "tag": {"=", "!=", "LIKE", "ILIKE", "IS NULL", "IS NOT NULL"},
    "attribute": {"=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"},
}

_TOKEN = re.compile(
    r"""\s*(?:
      (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
    | (?P<number>-?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?)
    | (?P<op>!=|>=|<=|=|>|<)
    | (?P<punct>[(),])
    | (?P<ident>(?:[A-Za-z_][\w]*|`[^`]*`)(?:\.(?:[A-Za-z_][\w\-:]*|`[^`]*`|'[^']*'|"[^"]*"))?)
    )""",
    re.VERBOSE,
)


@dataclass(frozen=True, slots=True)
class _Tok:
    kind: str
    text: str
    pos: int


def _error(message: str, tok: _Tok | None, source: str) -> InvalidInput:
    if tok is None:
        return InvalidInput(
            f"filter: {message} at the end of {source!r}", details={"position": len(source)}
        )
    return InvalidInput(
        f"filter: {message} at position {tok.pos} ({tok.text!r})",
        details={"position": tok.pos, "token": tok.text},
    )


def _tokens(source: str) -> list[_Tok]:
    out: list[_Tok] = []
    pos = 0
    while pos < len(source):
        if source[pos:].strip() == "":
            break
        m = _TOKEN.match(source, pos)
        if not m or m.end() == pos:
            start = len(source) - len(source[pos:].lstrip())
            raise _error(
                "unexpected character", _Tok("?", source[start : start + 10], start), source
            )
        kind = m.lastgroup or "?"
        text = m.group(kind)
        start = m.start(kind)
        if kind == "ident" and text.upper() in (
            "AND",
            "OR",
            "LIKE",
            "ILIKE",
            "IN",
            "NOT",
            "IS",
            "NULL",
        ):
            kind = "word"
            text = text.upper()
        out.append(_Tok(kind, text, start))
        pos = m.end()
    return out


def _unquote(text: str) -> str:
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"`":
        return re.sub(r"\\(.)", r"\1", text[1:-1])
    return text


class _Parser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.toks = _tokens(source)
        self.i = 0

    def peek(self) -> _Tok | None:
        return self.toks[self.i] if self.i < len(self.toks) else None

    def take(self) -> _Tok | None:
        tok = self.peek()
        self.i += 1
        return tok

    def expect_word(self, word: str) -> None:
        tok = self.take()
        if tok is None or tok.text != word:
            raise _error(f"expected {word}", tok, self.source)

    def parse(self) -> list[Clause]:
        clauses = [self.clause()]
        while (tok := self.take()) is not None:
            if tok.text == "OR":
                raise _error("OR is not supported; join clauses with AND", tok, self.source)
            if tok.text != "AND":
                raise _error("expected AND between clauses", tok, self.source)
            clauses.append(self.clause())
        return clauses

    def key(self) -> tuple[str, str, _Tok]:
        tok = self.take()
        if tok is None or tok.kind != "ident":
            raise _error(
                "expected a key such as metrics.auc, params.lr, tags.x or name", tok, self.source
            )
        head, dot, rest = tok.text.partition(".")
        if head.startswith("`"):
            head, dot, rest = _unquote(tok.text), "", ""
        if not dot:
            if head.lower() in ATTRIBUTES:
                return "attribute", head.lower(), tok
            raise _error(
                f"unknown key {head!r}; use metrics.<name>, params.<name>, tags.<name> "
                f"or an attribute ({', '.join(ATTRIBUTES)})",
                tok,
                self.source,
            )
        kind = _PREFIXES.get(head.lower())
        if kind is None:
            raise _error(f"unknown key prefix {head!r}", tok, self.source)
        name = _unquote(rest)
        if kind == "attribute" and name.lower() not in ATTRIBUTES:
            raise _error(
                f"unknown attribute {name!r}; use one of {', '.join(ATTRIBUTES)}", tok, self.source
            )
        return kind, (name.lower() if kind == "attribute" else name), tok

    def clause(self) -> Clause:
        kind, key, _key_tok = self.key()
        tok = self.take()
        if tok is None:
            raise _error("expected an operator", tok, self.source)
        if tok.kind == "op" or tok.text in ("LIKE", "ILIKE", "IN"):
            op = tok.text
        elif tok.text == "NOT":
            self.expect_word("IN")
            op = "NOT IN"
        elif tok.text == "IS":
            nxt = self.take()
            if nxt is not None and nxt.text == "NOT":
                self.expect_word("NULL")
                op = "IS NOT NULL"
            elif nxt is not None and nxt.text == "NULL":
                op = "IS NULL"
            else:
                raise _error("expected NULL or NOT NULL after IS", nxt, self.source)
        else:
            raise _error(
                "expected an operator (=, !=, >, >=, <, <=, LIKE, ILIKE, IN, IS NULL)",
                tok,
                self.source,
            )
        if op not in _OPS_BY_KIND[kind]:
            raise _error(
                f"operator {op} does not apply to {kind}s; use one of {', '.join(sorted(_OPS_BY_KIND[kind]))}",
                tok,
                self.source,
            )
        if op in ("IS NULL", "IS NOT NULL"):
            return Clause(kind, key, op)
        if op in ("IN", "NOT IN"):
            return Clause(kind, key, op, self.values())
        value_tok = self.take()
        if value_tok is None or value_tok.kind not in ("string", "number"):
            raise _error("expected a quoted string or a number", value_tok, self.source)
        if kind == "metric":
            if value_tok.kind != "number":
                raise _error("a metric compares with a number", value_tok, self.source)
            return Clause(kind, key, op, float(value_tok.text))
        if value_tok.kind != "string":
            raise _error(f"a {kind} compares with a quoted string", value_tok, self.source)
        return Clause(kind, key, op, _unquote(value_tok.text))

    def values(self) -> tuple[str, ...]:
        tok = self.take()
        if tok is None or tok.text != "(":
            raise _error("expected ( after IN", tok, self.source)
        out: list[str] = []
        while True:
            tok = self.take()
            if tok is None or tok.kind != "string":
                raise _error("expected a quoted string in the IN list", tok, self.source)
            out.append(_unquote(tok.text))
            tok = self.take()
            if tok is not None and tok.text == ")":
                return tuple(out)
            if tok is None or tok.text != ",":
                raise _error("expected , or ) in the IN list", tok, self.source)


def parse_filter(source: str | None) -> list[Clause]:
    """Parse a filter string; empty or None means no clause."""
    if source is None or not source.strip():
        return []
    if len(source) > 10_000:
        raise InvalidInput("filter: longer than 10,000 characters")
    return _Parser(source).parse()
