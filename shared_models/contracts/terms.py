"""What a contract's values set on its account: the pure mapping, no database."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from shared_models.errors import InvalidValue

# Account settings a contract in force owns: changing them takes a supplement.
ACCOUNT_TERMS = ("credit_cap", "alarm1_threshold", "alarm2_threshold", "arrears_rule")
# billing_mode is applied too, by the billing service (it settles the meters first). Recorded
# in the contract for the parts of the product that read them (fees are off unless a contract
# turns them on: CIS.md, "The rule that shapes the design").
RECORDED_TERMS = ("deposit", "late_fee_rule", "capacity_kw")
ARREARS_RULES = ("trip", "overdraft", "protect")  # protect: 保电, never cut off automatically


def account_terms(values: Mapping[str, str]) -> dict[str, Any]:
    """The account settings a contract's values set; variables the contract leaves empty keep
    the account's own (so a template need not carry every term)."""
    terms: dict[str, Any] = {}
    for name in ("credit_cap", "alarm1_threshold", "alarm2_threshold"):
        if values.get(name):
            terms[name] = Decimal(values[name])
    if values.get("arrears_rule"):
        if values["arrears_rule"] not in ARREARS_RULES:
            raise InvalidValue("arrears_rule must be one of {choices}.", field="values.arrears_rule",
                               choices=", ".join(ARREARS_RULES))
        terms["arrears_rule"] = values["arrears_rule"]
    if terms.get("alarm2_threshold", 0) > terms.get("alarm1_threshold", terms.get("alarm2_threshold", 0)):
        raise InvalidValue("Alarm threshold 2 must not exceed alarm threshold 1.",
                           field="values.alarm2_threshold")
    return terms


def current_terms(account: Any, site_cap: Decimal) -> dict[str, str]:
    """An account's settings as contract values (a new contract starts from them)."""
    return {"credit_cap": str(account.credit_cap_within(site_cap)),
            "alarm1_threshold": str(account.alarm1_threshold),
            "alarm2_threshold": str(account.alarm2_threshold),
            "arrears_rule": str(account.arrears_rule.value),
            "billing_mode": str(account.billing_mode.value)}


def differences(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, list[Any]]:
    """field: [before, after] for every field whose value differs (history rows hold these)."""
    return {name: [before.get(name), after.get(name)]
            for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)}
