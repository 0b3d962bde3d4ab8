"""One tariff version: band prices, optional time-of-use calendar, tiers and monthly charges."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from shared_models.errors import RuleViolation
from shared_models.tariffs._fields import at, expect, invalid, money_field, price_field
from shared_models.tariffs.bands import Band, parse_band
from shared_models.tariffs.tiers import TierPeriod, Tiers
from shared_models.tariffs.time_of_use import TimeOfUse

FORMAT = 1  # bump when the JSON layout changes; from_dict refuses unknown formats
PF_STANDARDS = (Decimal("0.90"), Decimal("0.85"), Decimal("0.80"))


@dataclass(frozen=True)
class Tariff:
    """Prices for energy (flat or by band, plus tier increments) and monthly charges.

    Without `time_of_use` the tariff is flat: `prices` holds only `flat` and prices every
    band alike. A residential TOU tariff with tiers adds the tier increment to the band price.
    """

    prices: Mapping[Band, Decimal]
    time_of_use: TimeOfUse | None = None
    tiers: Tiers | None = None
    monthly_charge: Decimal = Decimal("0.00")  # fixed charge per month (基本电费 style)
    power_factor_standard: Decimal | None = None  # 力调 standard: 0.90, 0.85 or 0.80
    name: str = ""
    _prices: dict[Band, Decimal] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        expect(self.prices, Mapping, "prices", "an object of band: price")
        prices = {
            parse_band(k, f"prices.{k}"): price_field(v, f"prices.{k}")
            for k, v in self.prices.items()
        }
        object.__setattr__(self, "prices", prices)
        object.__setattr__(self, "_prices", prices)
        if self.time_of_use is None:
            if set(prices) != {Band.FLAT}:
                raise invalid("prices", "a tariff without time of use has exactly one price: flat")
        else:
            missing = sorted(self.time_of_use.bands() - set(prices))
            if missing:
                raise invalid("prices", f"no price for band(s) used by the plans: {missing}")
        object.__setattr__(
            self, "monthly_charge", money_field(self.monthly_charge, "monthly_charge")
        )
        if self.power_factor_standard is not None:
            standard = price_field(self.power_factor_standard, "power_factor_standard")
            if standard not in PF_STANDARDS:
                raise invalid("power_factor_standard", "must be 0.90, 0.85 or 0.80")
            object.__setattr__(self, "power_factor_standard", standard.quantize(Decimal("0.01")))
        expect(self.name, str, "name", "a string")

    def __hash__(self) -> int:
        # `prices` is a dict, so the generated hash would fail; hash the same data as a tuple.
        return hash(
            (
                tuple(sorted(self._prices.items())),
                self.time_of_use,
                self.tiers,
                self.monthly_charge,
                self.power_factor_standard,
                self.name,
            )
        )

    @classmethod
    def flat(cls, unit_price: object, **options: object) -> Tariff:
        """A single price per kWh, e.g. a per-meter override."""
        return cls({Band.FLAT: unit_price}, **options)  # type: ignore[arg-type, dict-item]

    @property
    def tier_period(self) -> TierPeriod:
        # Untiered tariffs still report a month so cumulative figures have a defined period.
        return TierPeriod.MONTH if self.tiers is None else self.tiers.period

    def price_for(self, band: Band) -> Decimal:
        if self.time_of_use is None:
            return self._prices[Band.FLAT]
        try:
            return self._prices[band]
        except KeyError:
            raise RuleViolation(f"the tariff has no price for band {band.value}") from None

    def to_dict(self) -> dict[str, object]:
        """JSON-ready form: strings for decimals and dates, so nothing passes through float."""
        return {
            "format": FORMAT,
            "name": self.name,
            "prices": {b.value: str(p) for b, p in sorted(self._prices.items())},
            "time_of_use": None if self.time_of_use is None else self.time_of_use.to_dict(),
            "tiers": None if self.tiers is None else self.tiers.to_dict(),
            "monthly_charge": str(self.monthly_charge),
            "power_factor_standard": (
                None if self.power_factor_standard is None else str(self.power_factor_standard)
            ),
        }

    @classmethod
    def from_dict(cls, data: object) -> Tariff:
        """Validate and build; errors are InvalidValue with `field` set to the JSON path."""
        expect(data, Mapping, "", "an object")
        assert isinstance(data, Mapping)
        if data.get("format", FORMAT) != FORMAT:
            raise invalid("format", f"unsupported tariff format {data.get('format')!r}")
        unknown = sorted(set(data) - _KEYS)
        if unknown:
            raise invalid(unknown[0], "unknown field")
        time_of_use = tiers = None
        if data.get("time_of_use") is not None:
            with at("time_of_use"):
                time_of_use = TimeOfUse.from_dict(data["time_of_use"])
        if data.get("tiers") is not None:
            with at("tiers"):
                tiers = Tiers.from_dict(data["tiers"])
        prices = data.get("prices")
        expect(prices, Mapping, "prices", "an object of band: price")
        standard = data.get("power_factor_standard")
        return cls(
            prices=prices,  # type: ignore[arg-type]
            time_of_use=time_of_use,
            tiers=tiers,
            monthly_charge=data.get("monthly_charge", "0.00"),  # type: ignore[arg-type]
            power_factor_standard=standard,  # type: ignore[arg-type]
            name=data.get("name", ""),  # type: ignore[arg-type]
        )


_KEYS = {
    "format",
    "name",
    "prices",
    "time_of_use",
    "tiers",
    "monthly_charge",
    "power_factor_standard",
}
