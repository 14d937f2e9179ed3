"""The catalog's query value and the web layer that validates a request into it."""

from __future__ import annotations

import pytest
from werkzeug.datastructures import MultiDict

from app.models.integration import TRUST_TIERS
from app.services.catalog import MAX_LIMIT, MAX_PAGE, CatalogQuery
from app.web.catalog.query import MAX_Q_CHARS, BadQuery, parse_limit, parse_page, parse_query


def test_a_query_normalises_its_tiers_and_derives_its_words():
    query = CatalogQuery(q="Stripe PAYMENTS", tiers=("community", "first_party", "community"))
    assert query.tiers == ("first_party", "community")  # canonical order, once each
    assert query.terms == ("stripe", "payments") and query.is_search
    assert not CatalogQuery(q='"*-()').is_search
    # Equal queries are one cache key, however their tiers were listed.
    assert CatalogQuery(tiers=("community", "first_party")) == CatalogQuery(
        tiers=("first_party", "community")
    )
    assert hash(CatalogQuery(q="a b")) == hash(CatalogQuery(q="a b"))


def test_the_matching_key_ignores_what_is_cut_per_request():
    base = CatalogQuery(q="pay", publisher="acme")
    assert (
        base.matching_key
        == CatalogQuery(q="PAY", publisher="acme", tiers=("community",), sort="name").matching_key
    )
    assert base.matching_key != CatalogQuery(q="pay").matching_key


def test_a_query_refuses_values_the_web_layer_should_have_stopped():
    with pytest.raises(ValueError):
        CatalogQuery(sort="sideways")
    with pytest.raises(ValueError):
        CatalogQuery(tiers=("gold",))


def test_params_reproduce_the_query_and_drop_defaults():
    assert CatalogQuery().params() == {}
    query = CatalogQuery(q="pay", tiers=("community",), publisher="acme", sort="name")
    assert query.params(page=2) == {
        "q": "pay",
        "tier": ["community"],
        "publisher": "acme",
        "sort": "name",
        "page": 2,
    }
    assert parse_query(MultiDict(query.params())) == query


def test_parse_query_builds_the_query_from_request_arguments():
    args = MultiDict(
        [("q", "  pay  "), ("tier", "community"), ("tier", "first_party"), ("publisher", "acme")]
    )
    assert parse_query(args) == CatalogQuery(q="pay", tiers=("first_party", "community"), publisher="acme")
    assert parse_query(MultiDict()) == CatalogQuery()
    assert parse_query(MultiDict({"publisher": "  ", "sort": ""})) == CatalogQuery()


@pytest.mark.parametrize(
    "args, field",
    [
        ({"q": "x" * (MAX_Q_CHARS + 1)}, "q"),
        ({"tier": "gold"}, "tier"),
        ({"tier": ""}, "tier"),
        ({"publisher": "Not A Handle"}, "publisher"),
        ({"sort": "sideways"}, "sort"),
    ],
)
def test_parse_query_names_the_bad_parameter(args, field):
    with pytest.raises(BadQuery) as raised:
        parse_query(MultiDict(args))
    assert raised.value.status == 400 and raised.value.field == field
    assert raised.value.details == [{"parameter": field}]


def test_every_tier_is_accepted():
    assert parse_query(MultiDict([("tier", t) for t in TRUST_TIERS])).tiers == TRUST_TIERS


@pytest.mark.parametrize("value", ["0", "-1", "abc", "1.5", "²", "١", " 1", "9" * 5000, str(MAX_PAGE + 1)])
def test_a_page_is_a_whole_number_within_the_last_allowed_page(value):
    with pytest.raises(BadQuery) as raised:
        parse_page(MultiDict({"page": value}))
    assert raised.value.field == "page"


def test_page_and_limit_defaults_and_bounds():
    assert parse_page(MultiDict()) == 1 and parse_page(MultiDict({"page": ""})) == 1
    assert parse_page(MultiDict({"page": str(MAX_PAGE)})) == MAX_PAGE
    assert parse_limit(MultiDict(), default=20) == 20
    assert parse_limit(MultiDict({"limit": str(MAX_LIMIT)}), default=20) == MAX_LIMIT
    with pytest.raises(BadQuery):
        parse_limit(MultiDict({"limit": str(MAX_LIMIT + 1)}), default=20)
