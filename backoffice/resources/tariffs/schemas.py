"""Tariff plan, version, assignment and dry-run schemas."""

from collections.abc import Iterator

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backoffice.fields import EnergyField, Id, MoneyField, PriceField, Text
from shared_models.models.tariffs import VersionStatus

TARIFF_DOC = ("The engine's tariff: {prices: {band: price}, time_of_use: {day_plan: "
              "[[HH:MM, HH:MM, band]], seasons, holidays, holiday_plan}, tiers: {period, blocks: "
              "[{up_to, increment}]}, monthly_charge, power_factor_standard, name}; bands are "
              "sharp, peak, flat and valley (尖峰平谷)")


class PlanSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = Id(required=True)
    code = Text(required=True, validate=validate.Length(min=1, max=32))
    name = Text(required=True, validate=validate.Length(min=1, max=120))
    description = Text(load_default="", validate=validate.Length(max=255))
    created_at = fields.AwareDateTime(dump_only=True)


class PlanQuerySchema(Schema):
    site_id = Id()


def _decimals(tariff: dict) -> Iterator[tuple[str, object, type]]:
    """The decimal values of a tariff: (path, value, the field whose rule they follow)."""
    prices = tariff.get("prices")
    if isinstance(prices, dict):
        yield from ((f"prices.{band}", value, PriceField) for band, value in prices.items())
    for name, kind in (("monthly_charge", MoneyField), ("power_factor_standard", PriceField)):
        if name in tariff:
            yield name, tariff[name], kind
    tiers = tariff.get("tiers")
    blocks = tiers.get("blocks") if isinstance(tiers, dict) else None
    for i, block in enumerate(blocks if isinstance(blocks, list) else ()):
        if isinstance(block, dict):
            if block.get("up_to") is not None:
                yield f"tiers.blocks[{i}].up_to", block["up_to"], EnergyField
            if "increment" in block:
                yield f"tiers.blocks[{i}].increment", block["increment"], PriceField


class VersionSchema(Schema):
    id = fields.Integer(dump_only=True)
    plan_id = fields.Integer(dump_only=True)
    effective_from = fields.Date(required=True, metadata={
        "description": "Local date of the site from whose midnight the version is in force"})
    tariff = fields.Dict(required=True, metadata={"description": TARIFF_DOC})
    status = fields.Enum(VersionStatus, by_value=True, dump_only=True)
    note = Text(load_default="", validate=validate.Length(max=255))
    created_by_id = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    published_by_id = fields.Integer(dump_only=True)
    published_at = fields.AwareDateTime(dump_only=True)

    @validates_schema
    def decimals_are_text(self, data, **_kwargs):
        """Prices and amounts in the tariff are decimal strings like everywhere else: a JSON
        number is refused here (the engine checks the text itself)."""
        for path, value, kind in _decimals(data.get("tariff") or {}):
            if not isinstance(value, str):
                raise ValidationError(kind.rule, f"tariff.{path}")


class VersionPatchSchema(VersionSchema):
    note = Text(validate=validate.Length(max=255))


class MeterAssignSchema(Schema):
    plan_id = Id(required=True, allow_none=True,
                 metadata={"description": "The plan, or null to drop the meters' own plan"})
    meter_ids = fields.List(Id(), required=True, validate=validate.Length(min=1, max=1000))


class PlanRefSchema(Schema):
    plan_id = Id(required=True, allow_none=True, metadata={"description": "The plan, or null"})


class AssignmentSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    plan_id = fields.Integer()
    meter_id = fields.Integer(allow_none=True)
    account_id = fields.Integer(allow_none=True)
    assigned_at = fields.AwareDateTime()


class AssignmentQuerySchema(Schema):
    site_id = Id(required=True)


class MeterPlanSchema(Schema):
    meter_id = fields.Integer()
    plan_id = fields.Integer(allow_none=True)


class EffectiveTariffSchema(Schema):
    meter_id = fields.Integer()
    source = fields.String(metadata={"description": "meter, account, site or default_price"})
    plan_id = fields.Integer(allow_none=True)
    timezone = fields.String()
    tariff = fields.Dict(metadata={"description": "A tariff, or {versions: [{effective_from, "
                                                  "tariff}]} for a plan's schedule"})


class DryRunQuerySchema(Schema):
    month = fields.String(validate=validate.Regexp(r"^\d{4}-(0[1-9]|1[0-2])$"),
                          metadata={"description": "YYYY-MM; default: last month (site time)"})


class DryRunRowSchema(Schema):
    account_id = fields.Integer()
    account_number = fields.String()
    tenant_name = fields.String()
    kwh = EnergyField()
    old_cost = MoneyField(metadata={"description": "Under the tariff in force"})
    new_cost = MoneyField(metadata={"description": "Under the version tried"})
    difference = MoneyField(metadata={"description": "new - old"})
