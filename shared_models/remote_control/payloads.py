"""What each command kind carries: validated, normalised JSON payloads (money as strings).

Pure functions, shared by the API (422 before anything is queued) and the worker (a row that
somehow carries a bad payload fails with the same message instead of reaching the meter).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal, InvalidOperation
from typing import Any

from shared_models.errors import InvalidValue
from shared_models.meter_values import DayEntry, SeasonEntry, Settings, TariffTable, check_table
from shared_models.models.commands import CommandKind
from shared_models.money import money

U32_CENTS = Decimal("42949672.95")  # the largest money a U32 register of 0.01 yuan holds
CLOSE_MODES = ("now", "allowed")  # 0x1C close now, 0x1B close allowed
MONEY_SETTINGS = ("alarm_1", "alarm_2", "overdraft_limit", "close_allowed")
INT_SETTINGS = {"overload_limit_w": 0xFFFF_FFFF, "overload_delay_s": 0xFFFF, "reclose_minutes": 0xFFFF}
SETTING_NAMES = (*MONEY_SETTINGS, *INT_SETTINGS)


def _at(field: str) -> dict[str, str]:
    return {"field": field, "name": field}


def _money(value: object, field: str) -> Decimal:
    """Yuan by the one money rule (`money.money`: plain decimal text, at most 2 places)."""
    try:
        amount = money(value)
    except InvalidValue:
        raise InvalidValue("{name} must be an amount in yuan with at most 2 decimal places, "
                           "e.g. \"20.00\".", **_at(field)) from None
    if not Decimal(0) <= amount <= U32_CENTS:
        raise InvalidValue("{name} must be between 0 and {limit}.", **_at(field), limit=str(U32_CENTS))
    return amount


def _integer(value: object, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | Decimal) or int(value) != value:
        raise InvalidValue("{name} must be a whole number.", **_at(field))
    if not low <= int(value) <= high:
        raise InvalidValue("{name} must be between {low} and {high}.", **_at(field), low=low, high=high)
    return int(value)


def _no_unknown(payload: Mapping[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = sorted(set(payload) - set(allowed))
    if unknown:
        raise InvalidValue("Unknown field {name} for this command.", field=f"payload.{unknown[0]}",
                           name=unknown[0])


def _empty(payload: Mapping[str, Any]) -> dict[str, Any]:
    _no_unknown(payload, ())
    return {}


def _close(payload: Mapping[str, Any]) -> dict[str, Any]:
    _no_unknown(payload, ("mode",))
    if "mode" not in payload or payload["mode"] is None:
        return {}
    if payload["mode"] not in CLOSE_MODES:
        raise InvalidValue("mode must be \"now\" or \"allowed\".", field="payload.mode")
    return {"mode": payload["mode"]}


def settings_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    """Any subset of the settings block; the rest is filled in from the site when issued."""
    _no_unknown(payload, SETTING_NAMES)
    out: dict[str, Any] = {}
    for name in MONEY_SETTINGS:
        if payload.get(name) is not None:
            out[name] = str(_money(payload[name], f"payload.{name}"))
    for name, high in INT_SETTINGS.items():
        if payload.get(name) is not None:
            low = 1 if name == "overload_limit_w" else 0
            out[name] = _integer(payload[name], f"payload.{name}", low, high)
    if "alarm_1" in out and "alarm_2" in out and Decimal(out["alarm_1"]) < Decimal(out["alarm_2"]):
        raise InvalidValue("alarm_1 (the first warning) must not be below alarm_2.", field="payload.alarm_1")
    return out


def settings_of(payload: Mapping[str, Any]) -> Settings:
    """The Settings block a complete push_settings payload writes."""
    missing = [n for n in SETTING_NAMES if n not in payload]
    if missing:
        raise InvalidValue("push_settings is missing {name}.", field=f"payload.{missing[0]}", name=missing[0])
    clean = settings_payload(payload)
    return Settings(**{n: Decimal(clean[n]) for n in MONEY_SETTINGS},
                    **{n: clean[n] for n in INT_SETTINGS})


def table_to_json(table: TariffTable) -> dict[str, Any]:
    return {
        "seasons": [{"month": s.month, "day": s.day, "plan": s.plan} for s in table.seasons],
        "day_plans": [[{"hour": e.hour, "minute": e.minute, "rate": e.rate} for e in plan]
                      for plan in table.day_plans],
        "prices": [str(p) for p in table.prices],
    }


def table_from_json(data: object, field: str = "payload.table") -> TariffTable:
    """A meter tariff table from its JSON form; the meter's own limits decide what is valid."""
    try:
        if not isinstance(data, Mapping) or set(data) != {"seasons", "day_plans", "prices"}:
            raise TypeError
        seasons = tuple(SeasonEntry(int(s["month"]), int(s["day"]), int(s["plan"])) for s in data["seasons"])
        plans = data["day_plans"]
        if not isinstance(plans, list) or len(plans) != 2:
            raise TypeError
        day_plans = tuple(tuple(DayEntry(int(e["hour"]), int(e["minute"]), int(e["rate"])) for e in plan)
                          for plan in plans)
        prices = tuple(Decimal(str(p)) for p in data["prices"])
        table = TariffTable(seasons, day_plans, prices)  # type: ignore[arg-type]
    except (TypeError, KeyError, ValueError, InvalidOperation):
        raise InvalidValue("{name} must hold seasons, two day_plans and four prices.", **_at(field)) from None
    try:
        check_table(table)
    except InvalidValue as exc:
        raise InvalidValue("{name}: {problem}", **_at(field), problem=exc.message) from None
    return table


def _tariff(payload: Mapping[str, Any]) -> dict[str, Any]:
    _no_unknown(payload, ("table",))
    if payload.get("table") is None:
        return {}  # built from the meter's tariff plan when issued
    return {"table": table_to_json(table_from_json(payload["table"]))}


def recharge_payload(payload: Mapping[str, Any]) -> dict[str, Any]:
    _no_unknown(payload, ("amount", "order_reference", "customer_number"))
    if payload.get("amount") is None:
        raise InvalidValue("amount is required.", field="payload.amount")
    amount = _money(payload["amount"], "payload.amount")
    if amount <= 0:
        raise InvalidValue("amount must be positive.", field="payload.amount")
    return {
        "amount": str(amount),
        **{name: _integer(payload.get(name, 0), f"payload.{name}", 0, 0xFFFF_FFFF)
           for name in ("order_reference", "customer_number")},
    }


VALIDATORS: dict[CommandKind, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    CommandKind.TRIP: _empty,
    CommandKind.CLOSE: _close,
    CommandKind.PROTECT: _empty,
    CommandKind.RESTORE_PREPAID: _empty,
    CommandKind.PUSH_TARIFF: _tariff,
    CommandKind.PUSH_SETTINGS: settings_payload,
    CommandKind.CLOCK_SYNC: _empty,
    CommandKind.RECHARGE: recharge_payload,
}


def validate(kind: CommandKind | str, payload: object) -> dict[str, Any]:
    """The normalised payload of a kind, or InvalidValue naming the bad field."""
    if payload is None:
        payload = {}
    if not isinstance(payload, Mapping):
        raise InvalidValue("payload must be an object.", field="payload")
    return VALIDATORS[CommandKind(kind)](payload)
