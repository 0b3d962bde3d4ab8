"""Building, floor and unit schemas."""

from marshmallow import Schema, fields, validate

from backoffice.fields import Id, Text

_name = {"required": True, "validate": validate.Length(min=1, max=60)}


class BuildingSchema(Schema):
    id = fields.Integer(dump_only=True)
    site_id = Id(required=True)
    name = Text(required=True, validate=validate.Length(min=1, max=120))


class FloorSchema(Schema):
    id = fields.Integer(dump_only=True)
    building_id = Id(required=True)
    name = Text(**_name)


class UnitSchema(Schema):
    id = fields.Integer(dump_only=True)
    floor_id = Id(required=True)
    name = Text(**_name)


class BuildingQuerySchema(Schema):
    site_id = Id()


class FloorQuerySchema(Schema):
    building_id = Id()


class UnitQuerySchema(Schema):
    floor_id = Id()


class PlaceNodeSchema(Schema):
    kind = fields.String(metadata={"description": "site, building or floor"})
    id = fields.Integer()
    name = fields.String()
    code = fields.String(metadata={"description": "sites only"})
    meters = fields.Integer(metadata={"description": "meters installed below this node "
                                                    "(a site: every meter of the site)"})
    children = fields.List(fields.Nested(lambda: PlaceNodeSchema()))
