"""Metering asset schemas."""

from flask_smorest.fields import Upload
from marshmallow import Schema, fields, validate

from backoffice import database
from backoffice.fields import EnergyField, Id, Text
from shared_models.enums import AssetState, ControlMode
from shared_models.models import MeterAsset
from shared_models.models.assets import BatchState, EventKind, Outcome, ScrapState

SERIAL = validate.Regexp(r"^[A-Za-z0-9_-]{1,32}$")


def _text(size: int, **kwargs) -> Text:
    return Text(validate=validate.Length(max=size), **kwargs)


class MeterModelSchema(Schema):
    id = fields.Integer(dump_only=True)
    name = Text(required=True, validate=validate.Length(min=1, max=60))
    manufacturer = _text(120, load_default="")
    accuracy_class = Text(load_default="2", validate=validate.Length(min=1, max=8))
    validity_years = fields.Integer(load_default=8, validate=validate.Range(1, 30), metadata={
        "description": "Years a verification stays valid; 8 for electronic billing meters"})


class ArrivalBatchSchema(Schema):
    id = fields.Integer(dump_only=True)
    number = Text(required=True, validate=validate.Length(min=1, max=40))
    supplier = Text(required=True, validate=validate.Length(min=1, max=120))
    model = Text(required=True, validate=validate.Length(min=1, max=60))
    quantity = fields.Integer(required=True, validate=validate.Range(1, 20000))
    arrived_on = fields.Date(required=True)
    note = _text(255, load_default="")
    serials = fields.List(Text(validate=SERIAL), required=True, load_only=True,
                          validate=validate.Length(min=1, max=20000))
    state = fields.Enum(BatchState, by_value=True, dump_only=True)
    created_by_id = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class ArrivalBatchDetailSchema(ArrivalBatchSchema):
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True,
                         metadata={"description": "The batch's meters by asset state"})


class AcceptanceSampleSchema(Schema):
    id = fields.Integer(dump_only=True)
    batch_id = fields.Integer(dump_only=True)
    passed = fields.Integer(required=True, validate=validate.Range(0, 20000))
    failed = fields.Integer(required=True, validate=validate.Range(0, 20000))
    sample_size = fields.Integer(dump_only=True)
    outcome = fields.Enum(Outcome, by_value=True, load_default=None, metadata={
        "description": "Defaults to failed when any sampled meter failed"})
    note = _text(255, load_default="")
    checked_by_id = fields.Integer(dump_only=True)
    checked_at = fields.AwareDateTime(dump_only=True)


class AssetSchema(Schema):
    id = fields.Integer(dump_only=True)
    serial_number = fields.String(dump_only=True)
    model = fields.String(dump_only=True)
    state = fields.Enum(AssetState, by_value=True, dump_only=True)
    batch_id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    meter_id = fields.Integer(dump_only=True, metadata={
        "description": "The registry meter it is (or last was) while on a bus"})
    installed_at = fields.AwareDateTime(dump_only=True)
    verified_on = fields.Date(dump_only=True)
    next_due = fields.Date(dump_only=True)


class AssetQuerySchema(Schema):
    state = fields.Enum(AssetState, by_value=True)
    model = Text()
    site_id = Id()
    batch_id = Id()
    meter_id = Id()
    serial_number = Text()


class AssetEventSchema(Schema):
    id = fields.Integer()
    asset_id = fields.Integer()
    kind = fields.Enum(EventKind, by_value=True)
    from_state = fields.Enum(AssetState, by_value=True, allow_none=True)
    to_state = fields.Enum(AssetState, by_value=True)
    site_id = fields.Integer(allow_none=True)
    meter_id = fields.Integer(allow_none=True)
    swap_id = fields.Integer(allow_none=True)
    reading = EnergyField(allow_none=True)
    seals = fields.String()
    reason = fields.String()
    operator_id = fields.Integer(allow_none=True)
    at = fields.AwareDateTime()


class MeterVerificationSchema(Schema):
    id = fields.Integer(dump_only=True)
    asset_id = fields.Integer(dump_only=True)
    verified_on = fields.Date(required=True)
    laboratory = Text(required=True, validate=validate.Length(min=1, max=120))
    certificate_number = Text(required=True, validate=validate.Length(min=1, max=60))
    result = fields.Enum(Outcome, by_value=True, required=True)
    error_percent = Text(required=True, validate=validate.Regexp(r"^[-+]?\d{1,2}(\.\d{1,3})?$"),
                         metadata={"description": "The largest basic error measured, in percent, "
                                                  "as a decimal string such as \"-0.125\""})
    accuracy_class = Text(required=True, validate=validate.Length(min=1, max=8))
    seals = _text(120, load_default="")
    next_due = fields.Date(load_default=None, allow_none=True)
    verified_by_id = fields.Integer(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class MeterCertificateSchema(Schema):
    asset_id = fields.Integer()
    serial_number = fields.String()
    model = fields.String()
    meter_id = fields.Integer(allow_none=True)
    state = fields.Enum(AssetState, by_value=True)
    valid = fields.Boolean(metadata={"description": "Passed, and not past its next due date"})
    verification = fields.Nested(MeterVerificationSchema)


class AssetDispatchSchema(Schema):
    site_id = Id(required=True)
    reason = _text(255, load_default="")


class AssetReasonSchema(Schema):
    reason = _text(255, load_default="")


class AssetInstallSchema(Schema):
    bus_id = Id(required=True)
    address = fields.Integer(required=True, validate=validate.Range(1, 247))
    unit_id = Id(allow_none=True, load_default=None)
    control_mode = fields.Enum(ControlMode, by_value=True, load_default=ControlMode.REMOTE)
    phases = fields.Integer(load_default=1, validate=validate.OneOf((1, 3)))
    ct_ratio = fields.Integer(load_default=1, validate=validate.Range(1, 10000))
    reading = EnergyField(required=True, metadata={"description": "Starting reading, kWh"})
    seals = _text(120, load_default="")
    reason = _text(255, load_default="")


class AssetRemoveSchema(Schema):
    reading = EnergyField(required=True, metadata={"description": "Final reading, kWh"})
    seals = _text(120, load_default="")
    reason = _text(255, load_default="")


class RotationQuerySchema(Schema):
    horizon_days = fields.Integer(load_default=90, validate=validate.Range(0, 3660))
    site_id = Id()


class RotationDueSchema(Schema):
    meter_id = fields.Integer()
    asset_id = fields.Integer(allow_none=True)
    serial_number = fields.String()
    model = fields.String()
    site_id = fields.Integer()
    bus_id = fields.Integer()
    unit_id = fields.Integer(allow_none=True)
    since = fields.Date(metadata={"description": "Last verification, else installation"})
    due_on = fields.Date()
    reason = fields.String(metadata={"description": "verification (its certificate's date) or "
                                                    "replacement (the model's validity)"})
    overdue = fields.Boolean()


class RotationSwapSchema(Schema):
    new_asset_id = Id(required=True, metadata={"description": "A meter dispatched to the site"})
    bus_id = Id(load_default=None, metadata={"description": "Defaults to the old meter's bus"})
    address = fields.Integer(load_default=None, validate=validate.Range(1, 247), metadata={
        "description": "Defaults to the bus's lowest free address"})
    old_final_reading = EnergyField(required=True)
    new_start_reading = EnergyField(required=True)
    old_seals = _text(120, load_default="")
    new_seals = _text(120, load_default="")


class RotationResultSchema(Schema):
    asset = fields.Nested(AssetSchema)
    swap_id = fields.Integer(allow_none=True)


def _serial_of(row) -> str:
    return database.session().get(MeterAsset, row.asset_id).serial_number


class ScrapRequestSchema(Schema):
    id = fields.Integer(dump_only=True)
    asset_id = fields.Integer(dump_only=True)
    serial_number = fields.Function(_serial_of, dump_only=True)
    reason = Text(required=True, validate=validate.Length(min=1, max=255))
    state = fields.Enum(ScrapState, by_value=True, dump_only=True)
    requested_by_id = fields.Integer(dump_only=True)
    decided_by_id = fields.Integer(dump_only=True)
    decided_at = fields.AwareDateTime(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)


class ScrapRequestQuerySchema(Schema):
    state = fields.Enum(ScrapState, by_value=True)


class AssetStockQuerySchema(Schema):
    site_id = Id()


class AssetStockSchema(Schema):
    state = fields.Enum(AssetState, by_value=True)
    model = fields.String()
    site_id = fields.Integer(allow_none=True)
    count = fields.Integer()


class BatchImportQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False,
                             metadata={"description": "Check and preview only; write nothing"})


class BatchFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "The .xlsx workbook (see the template)"})


class BatchImportResultSchema(Schema):
    dry_run = fields.Boolean()
    batch = fields.Dict(metadata={"description": "The batch as read"})
    serials = fields.Integer(metadata={"description": "How many meters it lists"})
    batch_id = fields.Integer(allow_none=True)
