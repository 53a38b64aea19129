"""The runs table: URL parameters → a RunQuery, and the page's columns.

The table speaks the API's filter language (``filter``) and order terms
(``order``); the search box (``q``) is turned into the same language, so there
is one query path for the API, the SDK and Studio. Page numbers become the
store's offset tokens.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from kuznia.entities.filters import parse_filter, parse_order_by
from kuznia.entities.runs import Run, RunQuery
from kuznia.errors import InvalidInput
from kuznia.store.paging import encode_page_token

PAGE_SIZES = (25, 50, 100, 200)
DEFAULT_PAGE_SIZE = 50
AUTO_METRIC_COLUMNS = 4
MAX_COLUMNS = 30
MAX_SEARCH_TAG_KEYS = 50
MAX_PAGE = 1_000_000

# Attribute columns that can be sorted: header label → order field.
SORTABLE = {"status": "status", "name": "display_name", "number": "number", "created": "created_at"}


_LABEL_PREFIX = {"metrics": "", "tags": "tag: ", "properties": "property: "}


@dataclass(frozen=True)
class Column:
    field: str  # "metrics.loss", "tags.team", "properties.seed"
    namespace: str
    name: str

    @property
    def label(self) -> str:
        return _LABEL_PREFIX[self.namespace] + self.name

    def value(self, run: Run) -> Any:
        source: dict[str, Any] = getattr(run, self.namespace)
        return source.get(self.name)


@dataclass
class TableParams:
    filter: str = ""
    q: str = ""
    order: str = ""
    columns: list[Column] | None = None  # None: choose metric columns from the page
    page: int = 1
    size: int = DEFAULT_PAGE_SIZE
    include_children: bool = False
    errors: dict[str, str] = field(default_factory=dict)

    def as_query_args(self) -> dict[str, Any]:
        """The URL parameters that reproduce this table (page excluded)."""
        return {
            "filter": self.filter or None,
            "q": self.q or None,
            "order": self.order or None,
            "columns": ",".join(c.field for c in self.columns) if self.columns is not None else None,
            "size": self.size if self.size != DEFAULT_PAGE_SIZE else None,
            "children": "1" if self.include_children else None,
        }


def parse_column(text: str) -> Column:
    """``metrics.loss`` → Column; InvalidInput for anything but tags/properties/metrics fields."""
    (term,) = parse_order_by([text])
    if term.field.namespace == "attributes":
        raise InvalidInput(f"columns: {text!r} is always shown; pick metrics.NAME, tags.NAME or properties.NAME")
    namespace, name = term.field.namespace, term.field.name
    return Column(field=f"{namespace}.{_quote_name(name)}", namespace=namespace, name=name)


def _quote_name(name: str) -> str:
    plain = name.replace("_", "").replace("-", "").isalnum() and not name[0].isdigit()
    return name if plain else f"`{name}`"


def parse_params(args: Any) -> TableParams:
    """Read the table's URL parameters (a multi-dict); a bad one is recorded in ``errors``.

    Columns come as ``columns=metrics.a,tags.b`` (links) or as repeated ``col``
    fields (the column picker form); either one replaces the automatic choice.
    """
    params = TableParams(
        filter=(args.get("filter") or "").strip()[:10_000],
        q=(args.get("q") or "").strip()[:200],
        order=(args.get("order") or "").strip()[:300],
        include_children=args.get("children") in ("1", "true", "on"),
    )
    try:
        params.page = min(MAX_PAGE, max(1, int(args.get("page") or 1)))
    except ValueError:
        params.errors["page"] = "page must be a whole number"
    try:
        size = int(args.get("size") or DEFAULT_PAGE_SIZE)
        params.size = size if size in PAGE_SIZES else DEFAULT_PAGE_SIZE
    except ValueError:
        params.errors["size"] = f"size must be one of {', '.join(map(str, PAGE_SIZES))}"
    if "columns" in args or "col" in args:
        params.columns = []
        texts = [*(args.get("columns") or "").split(","), *args.getlist("col")]
        for text in [c.strip() for c in texts if c.strip()][:MAX_COLUMNS]:
            try:
                column = parse_column(text)
            except InvalidInput as exc:
                params.errors["columns"] = exc.message
                continue
            if column not in params.columns:
                params.columns.append(column)
    for name, check in (("filter", lambda v: parse_filter(v)), ("order", lambda v: parse_order_by([v]))):
        value = getattr(params, name)
        if value:
            try:
                check(value)
            except InvalidInput as exc:
                params.errors[name] = exc.message
    return params


def _filter_string(text: str) -> str:
    return "'" + text.replace("\\", "\\\\").replace("'", "\\'") + "'"


def search_filter(text: str, tag_keys: list[str]) -> str:
    """The filter-language expression of a search: name, id, number, tag keys and values."""
    like = _filter_string(f"%{text}%")
    parts = [f"display_name like {like}", f"id like {like}"]
    if text.isdigit() and len(text) < 10:
        parts.append(f"number = {int(text)}")
    for key in tag_keys[:MAX_SEARCH_TAG_KEYS]:
        if "`" not in key:
            parts.append(f"tags.`{key}` like {like}")
    if "`" not in text and text in tag_keys:
        parts.append(f"tags.`{text}` exists")
    return " or ".join(parts)


def build_query(params: TableParams, experiment_name: str | None, tag_keys: list[str]) -> RunQuery:
    clauses = []
    if params.filter and "filter" not in params.errors:
        clauses.append(f"({params.filter})")
    if params.q:
        clauses.append(f"({search_filter(params.q, tag_keys)})")
    order = [params.order] if params.order and "order" not in params.errors else []
    offset = (params.page - 1) * params.size
    return RunQuery(
        experiment_name=experiment_name,
        filter=" and ".join(clauses) or None,
        order_by=order,
        include_children=params.include_children,
        max_results=params.size,
        page_token=encode_page_token(offset) if offset else None,
    )


def choose_columns(params: TableParams, runs: list[Run]) -> list[Column]:
    """The chosen columns, or the first few metrics of the page's runs."""
    if params.columns is not None:
        return params.columns
    names = sorted({name for run in runs for name in run.metrics})
    return [parse_column(f"metrics.{_quote_name(n)}") for n in names[:AUTO_METRIC_COLUMNS]]


def column_choices(runs: list[Run], chosen: list[Column]) -> list[Column]:
    """Columns worth offering: chosen ones first, then metrics and tags seen on this page."""
    seen = list(chosen)
    for namespace in ("metrics", "tags"):
        for name in sorted({k for run in runs for k in getattr(run, namespace)}):
            column = parse_column(f"{namespace}.{_quote_name(name)}")
            if column not in seen:
                seen.append(column)
    return seen[:200]


def next_order(current: str, field: str) -> str:
    """Clicking a header: sort by it descending, or flip the direction when it is the sort key."""
    if current.split()[:1] == [field]:
        return f"{field} asc" if current.endswith("desc") else f"{field} desc"
    return f"{field} desc"


def sort_state(current: str, field: str) -> str:
    """aria-sort of a header: ascending, descending or none."""
    if current.split()[:1] != [field]:
        return "none"
    return "descending" if current.endswith("desc") else "ascending"
