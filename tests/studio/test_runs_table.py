"""The runs table's URL parameters become the API's filter language and paging."""

from __future__ import annotations

import pytest
from starlette.datastructures import QueryParams

from kuznia.entities.filters import Like, Or, parse_filter
from kuznia.store.paging import decode_page_token
from kuznia.studio import runs_table


def params(query: str) -> runs_table.TableParams:
    return runs_table.parse_params(QueryParams(query))


def test_defaults_choose_metric_columns_from_the_page():
    p = params("")
    assert (p.page, p.size, p.columns, p.errors) == (1, runs_table.DEFAULT_PAGE_SIZE, None, {})


def test_columns_from_a_link_and_from_the_picker_form():
    p = params("columns=metrics.loss,tags.team&col=properties.seed&col=metrics.loss")
    assert [c.field for c in p.columns or []] == ["metrics.loss", "tags.team", "properties.seed"]
    assert [c.label for c in p.columns or []] == ["loss", "tag: team", "property: seed"]
    assert params("columns=").columns == []


def test_odd_metric_names_are_quoted_so_they_round_trip():
    column = runs_table.parse_column("metrics.`val loss`")
    assert column.field == "metrics.`val loss`" and column.name == "val loss"
    assert runs_table.parse_column(column.field) == column


@pytest.mark.parametrize(
    ("query", "field"),
    [("filter=metrics.x+>>+1", "filter"), ("order=nonsense+desc", "order"), ("page=x", "page"),
     ("columns=status", "columns")],
)
def test_bad_parameters_are_reported_by_name(query, field):  # noqa: ANN001
    assert field in params(query).errors


def test_page_numbers_become_offset_tokens():
    query = runs_table.build_query(params("page=3&size=100"), "exp", [])
    assert decode_page_token(query.page_token) == 200 and query.max_results == 100
    assert runs_table.build_query(params(""), None, []).page_token is None


def test_search_looks_at_names_ids_numbers_and_tag_values():
    text = runs_table.search_filter("42", ["team", "we`ird"])
    assert parse_filter(text) is not None
    assert "display_name like '%42%'" in text and "number = 42" in text
    assert "tags.`team` like '%42%'" in text and "we`ird" not in text


def test_search_text_cannot_escape_its_string():
    text = runs_table.search_filter("x' or status = 'Failed", [])
    node = parse_filter(text)
    assert isinstance(node, Or)
    assert all(isinstance(item, Like) and item.pattern == "%x' or status = 'Failed%" for item in node.items)


def test_search_and_filter_combine_with_and():
    query = runs_table.build_query(params("filter=status+%3D+'Failed'&q=abc"), None, [])
    assert query.filter is not None and query.filter.startswith("(status = 'Failed') and (")
    parse_filter(query.filter)


def test_header_clicks_sort_descending_then_flip():
    assert runs_table.next_order("", "metrics.loss") == "metrics.loss desc"
    assert runs_table.next_order("metrics.loss desc", "metrics.loss") == "metrics.loss asc"
    assert runs_table.next_order("metrics.loss asc", "metrics.loss") == "metrics.loss desc"
    assert runs_table.sort_state("metrics.loss asc", "metrics.loss") == "ascending"
    assert runs_table.sort_state("number desc", "metrics.loss") == "none"
