"""Block (阶梯) pricing: increments on top of the band price by cumulative consumption."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction

from shared_models.tariffs._fields import energy_field, expect, invalid, price_field


class TierPeriod(StrEnum):
    """The period over which consumption accumulates; it restarts at local midnight of day 1."""

    MONTH = "month"
    YEAR = "year"


@dataclass(frozen=True)
class Tier:
    """Consumption up to `up_to` kWh in the period (None: no limit) costs `increment` more."""

    up_to: Decimal | None
    increment: Decimal


@dataclass(frozen=True)
class Tiers:
    """Ordered tiers; tier n covers cumulative kWh in [up_to of tier n-1, up_to of tier n)."""

    period: TierPeriod
    tiers: tuple[Tier, ...]

    def __post_init__(self) -> None:
        object.__setattr__(self, "tiers", tuple(self.tiers))
        try:
            object.__setattr__(self, "period", TierPeriod(self.period))
        except ValueError:
            raise invalid("period", f"must be 'month' or 'year', not {self.period!r}") from None
        if not self.tiers:
            raise invalid("blocks", "at least one tier is needed")
        checked = []
        previous = Decimal(0)
        for i, tier in enumerate(self.tiers):
            if (i == len(self.tiers) - 1) != (tier.up_to is None):
                raise invalid(f"blocks[{i}].up_to", "only the last tier is open-ended (null)")
            limit = None
            if tier.up_to is not None:
                limit = energy_field(tier.up_to, f"blocks[{i}].up_to")
                if limit <= previous:
                    raise invalid(f"blocks[{i}].up_to", "tier limits must increase")
                previous = limit
            checked.append(Tier(limit, price_field(tier.increment, f"blocks[{i}].increment")))
        object.__setattr__(self, "tiers", tuple(checked))

    def split(
        self, cumulative: Fraction, quantity: Fraction
    ) -> Iterator[tuple[int, Tier, Fraction]]:
        """Cut `quantity` consumed after `cumulative` at the tier limits: (tier number, tier, kWh).

        Tier n holds cumulative consumption in [limit n-1, limit n): with 0-230 and 230-400,
        the 230th kWh is the last of tier 1 and 230.01 kWh puts 0.01 kWh in tier 2.
        """
        for number, tier in enumerate(self.tiers, start=1):
            if quantity <= 0:
                return
            upper = None if tier.up_to is None else Fraction(tier.up_to)
            if upper is not None and cumulative >= upper:
                continue
            take = quantity if upper is None else min(quantity, upper - cumulative)
            yield number, tier, take
            cumulative += take
            quantity -= take

    def to_dict(self) -> dict[str, object]:
        return {
            "period": self.period.value,
            "blocks": [
                {
                    "up_to": None if t.up_to is None else str(t.up_to),
                    "increment": str(t.increment),
                }
                for t in self.tiers
            ],
        }

    @classmethod
    def from_dict(cls, data: object) -> Tiers:
        expect(data, Mapping, "", "an object")
        assert isinstance(data, Mapping)
        blocks = data.get("blocks")
        expect(blocks, list, "blocks", "a list of {up_to, increment}")
        tiers = []
        for i, block in enumerate(blocks):  # type: ignore[arg-type]
            expect(block, Mapping, f"blocks[{i}]", "an object")
            up_to = block.get("up_to")
            limit = None if up_to is None else energy_field(up_to, f"blocks[{i}].up_to")
            increment = price_field(block.get("increment", "0"), f"blocks[{i}].increment")
            tiers.append(Tier(limit, increment))
        return cls(data.get("period", ""), tuple(tiers))  # type: ignore[arg-type]
