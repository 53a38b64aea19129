"""The run filter language: a tokenizer and a recursive-descent parser.

    filter     := or_expr
    or_expr    := and_expr ("or" and_expr)*
    and_expr   := not_expr ("and" not_expr)*
    not_expr   := "not" not_expr | "(" or_expr ")" | condition
    condition  := field OP value
                | field ["not"] "in" "(" value ("," value)* ")"
                | field ["not"] "like" string
                | field "exists"
    field      := attribute | ("tags" | "properties" | "metrics") "." name
    OP         := "=" | "==" | "!=" | "<>" | "<" | "<=" | ">" | ">="
    value      := 'single' | "double" quoted string | number

Examples::

    metrics.accuracy > 0.9 and tags.team = 'vision'
    status in ('Failed', 'Canceled') or not properties.reviewed exists
    tags.`model family` like 'res%'

The result is an AST of small dataclasses; the store compiles it into bound SQL
parameters. Nothing here ever builds SQL text.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from kuznia.entities.runs import RunStatus
from kuznia.errors import InvalidInput

Namespace = Literal["attributes", "tags", "properties", "metrics"]

ATTRIBUTES = {
    "id": "id",
    "run_id": "id",
    "status": "status",
    "display_name": "display_name",
    "name": "display_name",
    "description": "description",
    "run_type": "run_type",
    "type": "run_type",
    "number": "number",
    "created_at": "created_at",
    "start_time": "start_time",
    "end_time": "end_time",
    "parent_run_id": "parent_run_id",
    "parent": "parent_run_id",
    "experiment": "experiment_name",
    "experiment_name": "experiment_name",
}
NUMERIC_ATTRIBUTES = {"number"}
TIME_ATTRIBUTES = {"created_at", "start_time", "end_time"}
_NAMESPACES: dict[str, Namespace] = {
    "attributes": "attributes",
    "attribute": "attributes",
    "attr": "attributes",
    "run": "attributes",
    "tags": "tags",
    "tag": "tags",
    "properties": "properties",
    "property": "properties",
    "props": "properties",
    "metrics": "metrics",
    "metric": "metrics",
}
_KEYWORDS = {"and", "or", "not", "in", "like", "exists", "asc", "desc"}
_OPS = {"=": "=", "==": "=", "!=": "!=", "<>": "!=", "<": "<", "<=": "<=", ">": ">", ">=": ">="}

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>'(?:[^'\\]|\\.)*'|"(?:[^"\\]|\\.)*")
  | (?P<quoted>`[^`]*`)
  | (?P<number>[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?(?![A-Za-z_]))
  | (?P<op>==|!=|<>|<=|>=|=|<|>)
  | (?P<punct>[(),.])
  | (?P<word>[A-Za-z_][A-Za-z0-9_\-/:]*)
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Field:
    namespace: Namespace
    name: str


@dataclass(frozen=True)
class Compare:
    field: Field
    op: str
    value: str | float


@dataclass(frozen=True)
class InList:
    field: Field
    values: tuple[str | float, ...]
    negated: bool = False


@dataclass(frozen=True)
class Like:
    field: Field
    pattern: str
    negated: bool = False


@dataclass(frozen=True)
class Exists:
    field: Field


@dataclass(frozen=True)
class And:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Or:
    items: tuple[Node, ...]


@dataclass(frozen=True)
class Not:
    item: Node


Node = Compare | InList | Like | Exists | And | Or | Not


@dataclass(frozen=True)
class OrderBy:
    field: Field
    descending: bool


@dataclass(frozen=True)
class _Token:
    kind: str
    text: str
    pos: int


def _tokenize(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match:
            raise InvalidInput(f"filter: unexpected character {text[pos]!r} at position {pos + 1}")
        kind = match.lastgroup or ""
        if kind != "ws":
            value = match.group()
            if kind == "word" and value.lower() in _KEYWORDS:
                kind = value.lower()
            tokens.append(_Token(kind, value, pos))
        pos = match.end()
    tokens.append(_Token("end", "", len(text)))
    return tokens


def _unquote(text: str) -> str:
    body = text[1:-1]
    return re.sub(r"\\(.)", r"\1", body)


MAX_NESTING = 64


class _Parser:
    def __init__(self, text: str, what: str) -> None:
        self.what = what
        self.tokens = _tokenize(text)
        self.i = 0
        self.depth = 0

    @property
    def tok(self) -> _Token:
        return self.tokens[self.i]

    def fail(self, expected: str) -> InvalidInput:
        tok = self.tok
        found = "the end" if tok.kind == "end" else repr(tok.text)
        return InvalidInput(
            f"{self.what}: expected {expected} at position {tok.pos + 1}, found {found}"
        )

    def take(self, kind: str, expected: str) -> _Token:
        if self.tok.kind != kind:
            raise self.fail(expected)
        tok = self.tok
        self.i += 1
        return tok

    def accept(self, kind: str, text: str | None = None) -> bool:
        if self.tok.kind == kind and (text is None or self.tok.text == text):
            self.i += 1
            return True
        return False

    # grammar -----------------------------------------------------------------
    def or_expr(self) -> Node:
        items = [self.and_expr()]
        while self.accept("or"):
            items.append(self.and_expr())
        return items[0] if len(items) == 1 else Or(tuple(items))

    def and_expr(self) -> Node:
        items = [self.not_expr()]
        while self.accept("and"):
            items.append(self.not_expr())
        return items[0] if len(items) == 1 else And(tuple(items))

    def not_expr(self) -> Node:
        # Each 'not' and '(' is one level of recursion here and when compiling to SQL: a
        # filter nested thousands deep must be a 400, not a RecursionError (a 500).
        if self.accept("not") or self.accept("punct", "("):
            opened = self.tokens[self.i - 1]
            self.depth += 1
            if self.depth > MAX_NESTING:
                raise InvalidInput(f"{self.what}: nested deeper than {MAX_NESTING} levels at position {opened.pos + 1}")
            if opened.kind == "not":
                node: Node = Not(self.not_expr())
            else:
                node = self.or_expr()
                self.take_punct(")")
            self.depth -= 1
            return node
        return self.condition()

    def take_punct(self, char: str) -> None:
        if not self.accept("punct", char):
            raise self.fail(f"'{char}'")

    def field(self) -> Field:
        first = self.take("word", "a field such as status, tags.NAME or metrics.NAME")
        namespace = _NAMESPACES.get(first.text.lower())
        if namespace is None or not (self.tok.kind == "punct" and self.tok.text == "."):
            attribute = ATTRIBUTES.get(first.text.lower())
            if attribute is None:
                known = ", ".join(sorted(set(ATTRIBUTES)))
                raise InvalidInput(
                    f"{self.what}: unknown field {first.text!r}; use tags.NAME, properties.NAME, "
                    f"metrics.NAME or one of: {known}"
                )
            return Field("attributes", attribute)
        parts: list[str] = []
        while self.accept("punct", "."):
            tok = self.tok
            if tok.kind in ("word", "number") or tok.kind in _KEYWORDS:
                parts.append(tok.text)
            elif tok.kind in ("quoted", "string"):
                parts.append(_unquote(tok.text))
            else:
                raise self.fail(f"a name after '{first.text}.'")
            self.i += 1
        name = ".".join(parts)
        if namespace == "attributes":
            attribute = ATTRIBUTES.get(name.lower())
            if attribute is None:
                raise InvalidInput(f"{self.what}: unknown attribute {name!r}")
            return Field("attributes", attribute)
        return Field(namespace, name)

    def value(self) -> str | float:
        tok = self.tok
        if tok.kind == "string":
            self.i += 1
            return _unquote(tok.text)
        if tok.kind == "number":
            self.i += 1
            return float(tok.text)
        raise self.fail("a quoted string or a number")

    def condition(self) -> Node:
        field = self.field()
        if self.accept("exists"):
            return Exists(field)
        negated = self.accept("not")
        if self.accept("in"):
            self.take_punct("(")
            values = [self.value()]
            while self.accept("punct", ","):
                values.append(self.value())
            self.take_punct(")")
            return self.checked(InList(field, tuple(values), negated))
        if self.accept("like"):
            pattern = self.take("string", "a quoted pattern after 'like'")
            return self.checked(Like(field, _unquote(pattern.text), negated))
        if negated:
            raise self.fail("'in' or 'like' after 'not'")
        op = self.take("op", "a comparison (=, !=, <, <=, >, >=), 'in', 'like' or 'exists'")
        return self.checked(Compare(field, _OPS[op.text], self.value()))

    def checked(self, node: Compare | InList | Like) -> Node:
        field = node.field
        if isinstance(node, InList):
            values: tuple[str | float, ...] = node.values
        elif isinstance(node, Compare):
            values = (node.value,)
        else:
            values = (node.pattern,)
        label = field.name if field.namespace == "attributes" else f"{field.namespace}.{field.name}"
        numeric = field.namespace == "metrics" or field.name in NUMERIC_ATTRIBUTES
        if numeric:
            if isinstance(node, Like) or any(isinstance(v, str) for v in values):
                raise InvalidInput(f"{self.what}: {label} compares with numbers, not text")
            return node
        if any(not isinstance(v, str) for v in values):
            raise InvalidInput(f"{self.what}: {label} holds text; compare it with a quoted string")
        if field.namespace == "attributes" and field.name in TIME_ATTRIBUTES:
            for v in values:
                try:
                    datetime.fromisoformat(str(v))
                except ValueError:
                    raise InvalidInput(
                        f"{self.what}: {label} compares with an ISO time such as "
                        f"'2026-01-31T12:00:00', not {v!r}"
                    ) from None
        if field.namespace == "attributes" and field.name == "status" and not isinstance(node, Like):
            known = {s.value for s in RunStatus}
            for v in values:
                if v not in known:
                    raise InvalidInput(
                        f"{self.what}: {v!r} is not a run status; use one of: {', '.join(sorted(known))}"
                    )
        return node


def parse_filter(text: str | None, what: str = "filter") -> Node | None:
    """Parse a filter expression; None or blank means "everything".

    Raises InvalidInput naming the position of the first problem.
    """
    if text is None or not text.strip():
        return None
    parser = _Parser(text, what)
    node = parser.or_expr()
    if parser.tok.kind != "end":
        raise parser.fail("'and', 'or' or the end of the filter")
    return node


def parse_order_by(items: list[str]) -> list[OrderBy]:
    """Parse ``["metrics.accuracy desc", "created_at"]`` into order terms."""
    result = []
    for item in items:
        parser = _Parser(item, "order_by")
        field = parser.field()
        descending = False
        if parser.accept("desc"):
            descending = True
        else:
            parser.accept("asc")
        if parser.tok.kind != "end":
            raise parser.fail("'asc', 'desc' or the end")
        result.append(OrderBy(field, descending))
    return result
