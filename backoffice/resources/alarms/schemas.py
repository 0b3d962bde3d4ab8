"""Alarm schemas."""

from marshmallow import Schema, fields

from backoffice.fields import Id
from shared_models.models.metering import AlarmKind


class AlarmQuerySchema(Schema):
    site_id = Id()
    kind = fields.Enum(AlarmKind, by_value=True)
    active = fields.Boolean(metadata={"description": "true: not cleared yet; false: cleared"})
    meter_id = Id(metadata={"description": "the meter's alarms, and the alarms of the accounts it "
                                          "was attached to while they were active (a remote-mode "
                                          "meter's balance alarms are its account's)"})
    account_id = Id(metadata={"description": "the account's alarms, and the alarms of its meters "
                                            "raised while they were attached to it"})


class AlarmSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    kind = fields.Enum(AlarmKind, by_value=True)
    subject = fields.String(metadata={"description": "meter:<id>, account:<id> or gateway:<id>"})
    meter_id = fields.Integer(allow_none=True)
    account_id = fields.Integer(allow_none=True)
    gateway_id = fields.Integer(allow_none=True)
    detail = fields.String()
    raised_at = fields.AwareDateTime()
    acknowledged_at = fields.AwareDateTime(allow_none=True)
    acknowledged_by = fields.Integer(allow_none=True)
    cleared_at = fields.AwareDateTime(allow_none=True)
    active = fields.Function(lambda alarm: alarm.cleared_at is None)
