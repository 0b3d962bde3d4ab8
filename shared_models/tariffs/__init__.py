"""Tariff engine: versioned flat, time-of-use and tiered tariffs priced exactly, no I/O."""

from shared_models.tariffs.bands import Band, BandPeriod, DayPlan
from shared_models.tariffs.comparison import ComparisonRow, ConsumptionRecord, compare
from shared_models.tariffs.engine import (
    CostBreakdown,
    CostLine,
    GapPolicy,
    TariffLike,
    cost,
    period_start,
)
from shared_models.tariffs.localtime import DEFAULT_TIMEZONE
from shared_models.tariffs.power_factor import (
    MonthlyCharges,
    PowerFactorAdjustment,
    adjustment_percent,
    monthly_charges,
    power_factor,
    power_factor_adjustment,
)
from shared_models.tariffs.rounding import allocate_hundredths, round_exact
from shared_models.tariffs.schedule import TariffSchedule, TariffVersion, choose_tariff
from shared_models.tariffs.tariff import PF_STANDARDS, Tariff
from shared_models.tariffs.tiers import Tier, TierPeriod, Tiers
from shared_models.tariffs.time_of_use import Season, TimeOfUse
from shared_models.tariffs.total import Total, total_cost

__all__ = [
    "DEFAULT_TIMEZONE",
    "PF_STANDARDS",
    "Band",
    "BandPeriod",
    "ComparisonRow",
    "ConsumptionRecord",
    "CostBreakdown",
    "CostLine",
    "DayPlan",
    "GapPolicy",
    "MonthlyCharges",
    "PowerFactorAdjustment",
    "Season",
    "Tariff",
    "TariffLike",
    "TariffSchedule",
    "TariffVersion",
    "Tier",
    "TierPeriod",
    "Tiers",
    "Total",
    "TimeOfUse",
    "adjustment_percent",
    "allocate_hundredths",
    "choose_tariff",
    "compare",
    "cost",
    "monthly_charges",
    "period_start",
    "power_factor",
    "power_factor_adjustment",
    "round_exact",
    "total_cost",
]
