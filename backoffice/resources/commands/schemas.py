"""Remote-control command schemas."""

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from backoffice.fields import Id
from shared_models.meter_values import ResultCode
from shared_models.models.commands import CommandKind, CommandOrigin, CommandState

REFUSED = "refused"  # a batch row of an id that got no command
ISSUABLE = [k for k in CommandKind if k != CommandKind.RECHARGE]
KIND_HELP = ("trip, close (payload mode: now | allowed), protect (保电), restore_prepaid (恢复预付费), "
             "push_tariff (payload table, default: the meter's tariff plan), push_settings (alarm_1, "
             "alarm_2, overdraft_limit, close_allowed, overload_limit_w, overload_delay_s, "
             "reclose_minutes; missing ones come from the account and site), clock_sync")


class IssueSchema(Schema):
    kind = fields.Enum(CommandKind, by_value=True, required=True, metadata={"description": KIND_HELP})
    payload = fields.Dict(keys=fields.String(), load_default=dict)
    ttl_s = fields.Integer(load_default=3600, validate=validate.Range(10, 7 * 86_400),
                           metadata={"description": "time to live: not sent after this many seconds"})


class BatchIssueSchema(IssueSchema):
    meter_ids = fields.List(Id(), validate=validate.Length(1, 1000))
    site_id = Id(metadata={"description": "every meter of the site (or of one building with building_id)"})
    building_id = Id()

    @validates_schema
    def one_selection(self, data, **_kwargs):
        if ("meter_ids" in data) == ("site_id" in data):
            raise ValidationError("Give either meter_ids or site_id.", "meter_ids")
        if "building_id" in data and "site_id" not in data:
            raise ValidationError("building_id needs site_id.", "building_id")


class CommandSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    meter_id = fields.Integer(dump_only=True)
    batch_id = fields.Integer(dump_only=True, allow_none=True)
    kind = fields.Enum(CommandKind, by_value=True, dump_only=True)
    payload = fields.Dict(dump_only=True)
    state = fields.Enum(CommandState, by_value=True, dump_only=True)
    origin = fields.Enum(CommandOrigin, by_value=True, dump_only=True)
    operator_id = fields.Integer(dump_only=True, allow_none=True)
    sequence = fields.Integer(dump_only=True, allow_none=True)
    purchase_count = fields.Integer(dump_only=True, allow_none=True)
    attempts = fields.Integer(dump_only=True)
    result_code = fields.Integer(dump_only=True, allow_none=True)
    result = fields.Method("result_name", dump_only=True,
                           metadata={"description": "OK, DUPLICATE, SEQUENCE, MAC, EXPIRED, LIMIT, STATE"})
    error = fields.String(dump_only=True)
    created_at = fields.AwareDateTime(dump_only=True)
    next_attempt_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    expires_at = fields.AwareDateTime(dump_only=True)
    sent_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    acknowledged_at = fields.AwareDateTime(dump_only=True, allow_none=True)
    finished_at = fields.AwareDateTime(dump_only=True, allow_none=True)

    def result_name(self, obj) -> str | None:
        if obj.result_code is None:
            return None
        try:
            return ResultCode(obj.result_code).name
        except ValueError:
            return str(obj.result_code)


class CommandQuerySchema(Schema):
    site_id = Id()
    meter_id = Id()
    batch_id = Id()
    account_id = Id(metadata={"description": "commands to the account's meters, issued while "
                                            "each was attached to it"})
    state = fields.Enum(CommandState, by_value=True)
    kind = fields.Enum(CommandKind, by_value=True)


class BatchRowSchema(Schema):
    meter_id = fields.Integer()
    command_id = fields.Integer(allow_none=True)
    state = fields.Function(
        lambda row: row.state.value if row.state else REFUSED,
        metadata={"type": "string", "enum": [*(state.value for state in CommandState), REFUSED],
                  "description": "the command's state, or refused: no command (an unknown id, "
                                 "or one outside the caller's sites)"})
    error = fields.String(metadata={"description": "why the meter got no command or it failed"})


class BatchSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = fields.Integer(dump_only=True)
    kind = fields.Enum(CommandKind, by_value=True, dump_only=True)
    operator_id = fields.Integer(dump_only=True, allow_none=True)
    created_at = fields.AwareDateTime(dump_only=True)
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(), dump_only=True,
                         metadata={"description": "commands per state, plus 'refused' for meters given none"})
    rows = fields.List(fields.Nested(BatchRowSchema), dump_only=True)
