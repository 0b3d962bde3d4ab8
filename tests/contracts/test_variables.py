"""Typed variables and clause placeholders, without a database."""

import pytest

from shared_models.contracts import standard, terms, variables
from shared_models.errors import InvalidValue

DEFS = variables.check_definitions([
    {"name": "deposit", "type": "money"}, {"name": "start", "type": "date"},
    {"name": "capacity_kw", "type": "integer"},
    {"name": "arrears_rule", "type": "choice", "choices": ["trip", "protect"]},
    {"name": "note", "type": "text", "required": False}])


@pytest.mark.parametrize("name, value, stored", [
    ("deposit", "12.5", "12.50"), ("start", "2027-01-31", "2027-01-31"), ("capacity_kw", "08", "8"),
    ("capacity_kw", 8, "8"), ("arrears_rule", "protect", "protect"), ("note", " 说明 ", "说明"),
])
def test_values_are_stored_as_canonical_text(name, value, stored):
    assert variables.check_values(DEFS, {name: value}, complete=False) == {name: stored}


@pytest.mark.parametrize("name, value", [
    ("deposit", "1e3"), ("deposit", "-1.00"), ("deposit", "1.001"), ("deposit", 12.5),
    ("start", "20270131"), ("start", "2027-02-30"), ("capacity_kw", "8.5"), ("capacity_kw", True),
    ("arrears_rule", "overdraft"), ("note", "two\nlines"),
])
def test_a_bad_value_is_refused_naming_its_variable(name, value):
    with pytest.raises(InvalidValue) as refused:
        variables.check_values(DEFS, {name: value}, complete=False)
    assert refused.value.field == f"values.{name}"


def test_unknown_and_missing_values_name_the_variable():
    with pytest.raises(InvalidValue) as unknown:
        variables.check_values(DEFS, {"colour": "red"}, complete=False)
    assert unknown.value.field == "values.colour"
    with pytest.raises(InvalidValue) as missing:
        variables.check_values(DEFS, {"deposit": "1.00"}, complete=True)
    assert missing.value.field == "values.start"


@pytest.mark.parametrize("definitions, field", [
    ([{"name": "Bad Name", "type": "text"}], "variables.0.name"),
    ([{"name": "tenant_name", "type": "text"}], "variables.0.name"),  # a fact of the account
    ([{"name": "a", "type": "text"}, {"name": "a", "type": "text"}], "variables.1.name"),
    ([{"name": "a", "type": "float"}], "variables.0.type"),
    ([{"name": "credit_cap", "type": "text"}], "variables.0.type"),  # feeds the account: money
    ([{"name": "a", "type": "choice"}], "variables.0.choices"),
    ([{"name": "a", "type": "money", "default": "abc"}], "variables.0.default"),
])
def test_bad_definitions_are_refused_naming_the_field(definitions, field):
    with pytest.raises(InvalidValue) as refused:
        variables.check_definitions(definitions)
    assert refused.value.field == field


@pytest.mark.parametrize("text", ["{deposit.__class__}", "{deposit[0]}", "{deposit!r}", "{deposit:>9}",
                                  "{ deposit}", "{deposit"])
def test_placeholders_are_plain_names_only(text):
    with pytest.raises(InvalidValue):
        variables.check_clauses([{"title": "", "text": text}], DEFS)


def test_a_clause_may_name_only_declared_variables_and_account_facts():
    ok = variables.check_clauses([{"title": "一", "text": "{tenant_name} 押金 {deposit} 元"}], DEFS)
    assert ok == [{"title": "一", "text": "{tenant_name} 押金 {deposit} 元"}]
    with pytest.raises(InvalidValue) as refused:
        variables.check_clauses([{"text": "ok"}, {"text": "{colour}"}], DEFS)
    assert refused.value.field == "clauses.1.text"


def test_render_fills_values_and_leaves_blanks_to_fill_by_hand():
    assert variables.render("押金 {deposit} 元，备注 {note}，{{literal}}", {"deposit": "12.50"}) == \
        "押金 12.50 元，备注 ____，{literal}"


def test_the_standard_template_is_valid():
    checked = variables.check_definitions(standard.VARIABLES)
    assert variables.check_clauses(standard.CLAUSES, checked)
    defaults = {d["name"]: d["default"] for d in checked if d["default"] is not None}
    assert defaults["late_fee_rule"] == "none"  # fees are off unless a contract turns them on


def test_account_terms_come_from_the_values_the_contract_gives():
    from decimal import Decimal
    assert terms.account_terms({"credit_cap": "800.00", "arrears_rule": "protect", "deposit": "50.00"}) == {
        "credit_cap": Decimal("800.00"), "arrears_rule": "protect"}
    assert terms.differences({"a": "1", "b": "2"}, {"a": "1", "b": "3", "c": "4"}) == {
        "b": ["2", "3"], "c": [None, "4"]}
