"""Typed contract variables and clause placeholders: the pure rules, no database."""

from __future__ import annotations

import re
import string
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from shared_models.errors import InvalidValue
from shared_models.money import money

TYPES = ("text", "money", "date", "integer", "choice")
NAME = re.compile(r"[a-z][a-z0-9_]{0,47}")
MAX_TEXT = 500

# Filled from the account and the contract itself, never typed in: a clause may name them.
FACTS = ("contract_number", "site_name", "tenant_name", "account_number", "unit", "meters",
         "starts_on", "ends_on")

# Variables with these names feed the account (and must have these types); see `terms`.
RESERVED_TYPES = {"credit_cap": "money", "alarm1_threshold": "money", "alarm2_threshold": "money",
                  "arrears_rule": "choice", "deposit": "money", "billing_mode": "choice",
                  "late_fee_rule": "choice", "capacity_kw": "integer"}


def check_definitions(variables: list[dict[str, Any]], field: str = "variables") -> list[dict]:
    """A template version's variables, normalised: unique names, known types, valid defaults."""
    seen: set[str] = set()
    result = []
    for index, raw in enumerate(variables):
        where = f"{field}.{index}"
        name = str(raw.get("name", ""))
        if not NAME.fullmatch(name) or name in FACTS:
            raise InvalidValue("Variable name {name} is not a lower-case identifier or is reserved.",
                               field=f"{where}.name", name=name)
        if name in seen:
            raise InvalidValue("Variable {name} is declared twice.", field=f"{where}.name", name=name)
        seen.add(name)
        kind = raw.get("type")
        if kind not in TYPES or RESERVED_TYPES.get(name, kind) != kind:
            raise InvalidValue("Variable {name} must have one of the types {types}.",
                               field=f"{where}.type", name=name,
                               types=RESERVED_TYPES.get(name) or ", ".join(TYPES))
        choices = [str(c) for c in raw.get("choices") or []]
        if kind == "choice" and not choices:
            raise InvalidValue("A choice variable lists its choices.", field=f"{where}.choices")
        definition = {"name": name, "type": kind, "label": str(raw.get("label") or name)[:120],
                      "required": bool(raw.get("required", True)), "choices": choices,
                      "default": None}
        if raw.get("default") not in (None, ""):
            definition["default"] = parse(definition, raw["default"], f"{where}.default")
        result.append(definition)
    return result


def parse(definition: Mapping[str, Any], value: Any, field: str) -> str:
    """One value checked against its variable's type, as the text it is stored as."""
    kind, name = definition["type"], definition["name"]
    text = value if isinstance(value, str) else None
    if kind == "integer" and isinstance(value, int) and not isinstance(value, bool):
        text = str(value)
    if text is None:
        raise InvalidValue("{name} must be given as text.", field=field, name=name)
    text = text.strip()
    if kind == "money":
        try:
            amount = money(text)
        except InvalidValue as exc:
            raise InvalidValue("{name} must be an amount such as 12.50.", field=field,
                               name=name) from exc
        if amount < 0:
            raise InvalidValue("{name} must not be negative.", field=field, name=name)
        return str(amount)
    if kind == "date":
        try:  # fromisoformat alone would also take "20270131" and week dates
            if not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", text):
                raise ValueError(text)
            return date.fromisoformat(text).isoformat()
        except ValueError as exc:
            raise InvalidValue("{name} must be a date such as 2027-01-31.", field=field,
                               name=name) from exc
    if kind == "integer":
        if not re.fullmatch(r"[0-9]{1,9}", text):
            raise InvalidValue("{name} must be a whole number.", field=field, name=name)
        return str(int(text))
    if kind == "choice" and text not in definition["choices"]:
        raise InvalidValue("{name} must be one of {choices}.", field=field, name=name,
                           choices=", ".join(definition["choices"]))
    if any(ord(ch) < 32 for ch in text) or len(text) > MAX_TEXT:
        raise InvalidValue("{name} must be one line of at most {most} characters.", field=field,
                           name=name, most=MAX_TEXT)
    return text


def check_values(definitions: Iterable[Mapping[str, Any]], values: Mapping[str, Any], *,
                 complete: bool, field: str = "values") -> dict[str, str]:
    """Values for a contract: each checked by type; with `complete`, every required one given."""
    by_name = {d["name"]: d for d in definitions}
    unknown = sorted(set(values) - set(by_name))
    if unknown:
        raise InvalidValue("The template has no variable {name}.", field=f"{field}.{unknown[0]}",
                           name=unknown[0])
    result = {}
    for name, definition in by_name.items():
        value = values.get(name)
        if value in (None, ""):
            if complete and definition["required"]:
                raise InvalidValue("{name} is required.", field=f"{field}.{name}",
                                   name=definition["label"])
            continue
        result[name] = parse(definition, value, f"{field}.{name}")
    return result


def placeholders(clause_text: str) -> list[str]:
    """The names a clause's text uses; only plain {name} fields (no attribute, index or format)."""
    names = []
    try:
        parsed = list(string.Formatter().parse(clause_text))
    except ValueError as exc:
        raise InvalidValue("A clause has an unbalanced brace; double a brace to print it.",
                           field="clauses") from exc
    for _literal, name, spec, conversion in parsed:
        if name is None:
            continue
        if not NAME.fullmatch(name) or spec or conversion:
            raise InvalidValue("Placeholder {name} is not a plain variable name.",
                               field="clauses", name=name)
        names.append(name)
    return names


def check_clauses(clauses: list[dict[str, Any]], variables: list[dict[str, Any]]) -> list[dict]:
    """Clauses, normalised: a title and a text whose placeholders are all declared or facts."""
    known = {v["name"] for v in variables} | set(FACTS)
    result = []
    for index, raw in enumerate(clauses):
        title, body = str(raw.get("title") or "").strip(), str(raw.get("text") or "").strip()
        if not body:
            raise InvalidValue("A clause needs its text.", field=f"clauses.{index}.text")
        for name in placeholders(body):
            if name not in known:
                raise InvalidValue("Clause {n} names {name}, which is not a variable of the template.",
                                   field=f"clauses.{index}.text", n=index + 1, name=name)
        result.append({"title": title[:120], "text": body})
    if not result:
        raise InvalidValue("A template version needs at least one clause.", field="clauses")
    return result


def render(clause_text: str, values: Mapping[str, str]) -> str:
    """A clause with its placeholders filled; a value left empty shows as a blank to fill."""
    return clause_text.format_map({name: values.get(name) or "____" for name in placeholders(clause_text)})
