"""One simulated WK-PM1 meter: consumption over time, the register map, the mailboxes."""

from __future__ import annotations

import math
from datetime import datetime, timedelta, timezone
from decimal import Decimal

from metering_worker.protocol import (
    DEFAULT_TARIFF,
    HotBlock,
    MeterKey,
    ResultCode,
    Settings,
    decode_settings,
    encode_hot_block,
    encode_settings,
    encode_tariff,
    rate_at,
)
from metering_worker.protocol import registers as reg
from metering_worker.protocol.tariff import decode_tariff
from shared_models.errors import InvalidValue
from shared_models.money import energy_from_hundredths, money_from_cents

from . import mailboxes, relay
from .config import Faults, MeterConfig
from .frames import ModbusError
from .profiles import power_w
from .state import MeterState

JOULES_PER_HUNDREDTH = 36_000  # 0.01 kWh
MAX_CATCH_UP_S = 7 * 86_400  # a longer gap counts as a power outage
CLOCK_INVALID_S = 300


class SimMeter:
    def __init__(
        self,
        config: MeterConfig,
        *,
        seed: int,
        key: MeterKey,
        utc_offset_hours: int,
        credit_cap_micro: int,
        turnaround_s: float,
        state: MeterState | None,
        now: float,
    ) -> None:
        self.config = config
        self.address = config.address
        self.serial = config.serial
        self.local = config.mode == "local"
        self.seed = seed
        self.key = key
        self.faults: Faults = config.faults
        self.turnaround_s = turnaround_s
        self.credit_cap_micro = credit_cap_micro
        self.tz = timezone(timedelta(hours=utc_offset_hours))
        self.state = state or MeterState(sim_time=now, clock_anchor=now)
        if self.state.settings is None:
            self.state.settings = encode_settings(Settings())
        if not self.state.tariff:
            self.state.tariff = {f"{a:04X}": r for a, r in encode_tariff(DEFAULT_TARIFF)}
        self._refresh()

    # -- configuration caches ---------------------------------------------------------
    def _refresh(self) -> None:
        self.settings = decode_settings(self.state.settings or [])
        self.limits = relay.Limits.of(self.settings)
        blocks = {int(k, 16): v for k, v in self.state.tariff.items()}
        self.tariff = decode_tariff(blocks)
        self.price_units = [int(p / Decimal("0.0001")) for p in self.tariff.prices]

    # -- time ---------------------------------------------------------------------------
    def clock(self, t: float | None = None) -> float:
        """The meter's own clock, which may drift from true time."""
        t = self.state.sim_time if t is None else t
        drift = self.faults.clock_drift_ppm * 1e-6 * (t - self.state.clock_anchor)
        return t + self.state.clock_offset + self.faults.clock_offset_s + drift

    def set_clock(self, value: int) -> None:
        t = self.state.sim_time
        self.state.clock_anchor = t
        self.state.clock_offset = value - t - self.faults.clock_offset_s

    def _local(self, t: float) -> datetime:
        return datetime.fromtimestamp(t, tz=self.tz)

    def load_w(self, t: float) -> int:
        if self.state.relay_open:
            return 0
        profile = power_w(self.config.profile, self.seed, self.serial, self._local(t))
        return profile + self.faults.extra_load_w

    def advance_to(self, t: float) -> None:
        """Consume energy, bill it, and run the protections up to true time t."""
        s = self.state
        if t - s.sim_time > MAX_CATCH_UP_S:
            s.sim_time = t - MAX_CATCH_UP_S
            s.event_counter += 1
        while s.sim_time < t:
            start = s.sim_time
            watts = self.load_w(start)
            self._overload_watch(watts, start)
            end = min(t, math.floor(start / 60) * 60 + 60, self._next_event())
            end = max(end, math.nextafter(start, math.inf))
            rate = rate_at(self.tariff, self._local(self.clock(start)))
            s.joules[rate - 1] += watts * (end - start)
            self._bill(rate - 1)
            s.sim_time = end
            self._overload_due(end)
            relay.evaluate(s, self.local, self.limits)

    def _next_event(self) -> float:
        s = self.state
        if s.overload_trip and s.overload_trip_at is not None:
            return s.overload_trip_at + 60 * self.settings.reclose_minutes
        if s.overload_since is not None:
            return s.overload_since + self.settings.overload_delay_s
        return math.inf

    def _bill(self, index: int) -> None:
        s = self.state
        hundredths = int(s.joules[index] // JOULES_PER_HUNDREDTH)
        new = hundredths - s.billed_hundredths[index]
        if new > 0:
            s.billed_hundredths[index] = hundredths
            if self.local:
                s.balance_micro -= new * self.price_units[index]  # 0.01 kWh x 0.0001 yuan/kWh

    def _overload_watch(self, watts: int, t: float) -> None:
        s = self.state
        if s.overload_trip or watts <= self.settings.overload_limit_w:
            s.overload_since = None
        elif s.overload_since is None:
            s.overload_since = t

    def _overload_due(self, t: float) -> None:
        s = self.state
        if s.overload_trip and s.overload_trip_at is not None:
            if t >= s.overload_trip_at + 60 * self.settings.reclose_minutes:
                s.overload_trip, s.overload_trip_at = False, None  # automatic reclose
        elif s.overload_since is not None and t >= s.overload_since + self.settings.overload_delay_s:
            s.overload_trip, s.overload_trip_at, s.overload_since = True, t, None
            s.event_counter += 1

    # -- registers ----------------------------------------------------------------------
    def hot_block(self) -> HotBlock:
        s, t = self.state, self.state.sim_time
        watts = self.load_w(t)
        local = self._local(t)
        volts = Decimal(2200 + (local.minute * 7 + local.hour * 3) % 41 - 20) / 10
        pf = Decimal("0.950")
        amps = (Decimal(watts) / (volts * pf)).quantize(Decimal("0.01")) if watts else Decimal("0.00")
        clock = self.clock(t)
        rates = [int(j // JOULES_PER_HUNDREDTH) for j in s.joules]
        return HotBlock(
            total_energy=energy_from_hundredths(int(sum(s.joules) // JOULES_PER_HUNDREDTH)),
            energy_by_rate=tuple(energy_from_hundredths(r) for r in rates),  # type: ignore[arg-type]
            voltage=(volts, Decimal("0.0"), Decimal("0.0")),
            current=(amps, Decimal("0.00"), Decimal("0.00")),
            power_w=watts,
            power_factor=pf,
            frequency=Decimal("50.00"),
            balance=self.balance() if self.local else Decimal("0.00"),
            purchase_count=s.purchase_count & reg.U16_MAX,
            status=relay.status_bits(s, self.local, self.limits, abs(clock - t) > CLOCK_INVALID_S),
            active_rate=rate_at(self.tariff, self._local(clock)),
            last_sequence=s.last_sequence,
            last_result=ResultCode(s.last_result),
            clock=max(0, int(clock)),
            event_counter=s.event_counter & reg.U16_MAX,
        )

    def _blocks(self) -> dict[int, list[int]]:
        s = self.state
        blocks = {
            reg.HOT_BLOCK_ADDRESS: encode_hot_block(self.hot_block()),
            reg.SETTINGS_ADDRESS: list(s.settings or []),
            reg.RELAY_ADDRESS: [1, 1 if s.relay_open else 0],
            reg.COMMAND_ADDRESS: s.mailboxes.get("command", [0] * reg.COMMAND_COUNT),
            reg.RECHARGE_ADDRESS: s.mailboxes.get("recharge", [0] * reg.RECHARGE_COUNT),
        }
        blocks.update({int(k, 16): v for k, v in s.tariff.items()})
        return blocks

    def read(self, start: int, count: int) -> list[int]:
        for base, values in self._blocks().items():
            if base <= start and start + count <= base + len(values):
                return list(values[start - base : start - base + count])
        raise ModbusError(0x02)

    def write(self, start: int, values: list[int]) -> None:
        count = len(values)
        try:
            if reg.SETTINGS_ADDRESS <= start and start + count <= reg.SETTINGS_ADDRESS + 12:
                merged = list(self.state.settings or [])
                merged[start - reg.SETTINGS_ADDRESS : start - reg.SETTINGS_ADDRESS + count] = values
                decode_settings(merged)
                self.state.settings = merged
            elif (start, count) == (reg.CLOCK_ADDRESS, reg.CLOCK_COUNT):
                self.set_clock(reg.regs_to_u32(values[0], values[1]))
            elif (start, count) == (reg.RELAY_ADDRESS, reg.RELAY_COUNT):
                mailboxes.relay_register(self, values)
            elif (start, count) == (reg.COMMAND_ADDRESS, reg.COMMAND_COUNT):
                mailboxes.command(self, values)
            elif (start, count) == (reg.RECHARGE_ADDRESS, reg.RECHARGE_COUNT):
                mailboxes.recharge(self, values)
            elif f"{start:04X}" in self.state.tariff and count == len(
                self.state.tariff[f"{start:04X}"]
            ):
                old = dict(self.state.tariff)
                self.state.tariff[f"{start:04X}"] = list(values)
                try:
                    self._refresh()
                except InvalidValue:
                    self.state.tariff = old
                    raise
            else:
                raise ModbusError(0x02)
        except InvalidValue as exc:
            raise ModbusError(0x03) from exc
        self._refresh()
        relay.evaluate(self.state, self.local, self.limits)

    def energy_total(self) -> Decimal:
        return energy_from_hundredths(int(sum(self.state.joules) // JOULES_PER_HUNDREDTH))

    def balance(self) -> Decimal:
        return money_from_cents(self.state.balance_micro // relay.MICRO_PER_FEN)
