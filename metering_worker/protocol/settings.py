"""Settings block (0x0040-0x004B) and the Acrel-style relay register (0x0057)."""

from __future__ import annotations

from collections.abc import Sequence

from shared_models.errors import InvalidValue
from shared_models.meter_values import Settings
from shared_models.money import cents, money_from_cents

from .registers import RELAY_COUNT, SETTINGS_COUNT, check_length, regs_to_u32, u16, u32_to_regs

__all__ = ["Settings", "decode_relay", "decode_settings", "encode_relay", "encode_settings"]


def encode_settings(settings: Settings) -> list[int]:
    regs: list[int] = []
    for name in ("alarm_1", "alarm_2", "overdraft_limit", "close_allowed"):
        value = getattr(settings, name)
        if value < 0:
            raise InvalidValue(f"{name} must not be negative: {value}", field=name)
        regs += u32_to_regs(cents(value), name)
    regs += u32_to_regs(settings.overload_limit_w, "overload limit")
    regs.append(u16(settings.overload_delay_s, "overload delay"))
    regs.append(u16(settings.reclose_minutes, "reclose minutes"))
    return regs


def decode_settings(regs: Sequence[int]) -> Settings:
    check_length(regs, SETTINGS_COUNT, "settings")
    r = [int(v) for v in regs]
    return Settings(
        alarm_1=money_from_cents(regs_to_u32(r[0], r[1])),
        alarm_2=money_from_cents(regs_to_u32(r[2], r[3])),
        overdraft_limit=money_from_cents(regs_to_u32(r[4], r[5])),
        close_allowed=money_from_cents(regs_to_u32(r[6], r[7])),
        overload_limit_w=regs_to_u32(r[8], r[9]),
        overload_delay_s=r[10],
        reclose_minutes=r[11],
    )


def encode_relay(trip: bool) -> list[int]:
    """Acrel style: 0x0001 0x0001 trips, 0x0001 0x0000 closes."""
    return [0x0001, 0x0001 if trip else 0x0000]


def decode_relay(regs: Sequence[int]) -> bool:
    """True for a trip order (or an open relay when read back)."""
    check_length(regs, RELAY_COUNT, "relay register")
    if regs[0] != 0x0001 or regs[1] not in (0x0000, 0x0001):
        raise InvalidValue(f"not a relay order: {list(regs)}")
    return regs[1] == 0x0001
