"""Workbook row schemas (the API's gateway and meter schemas, by names instead of ids)."""

from __future__ import annotations

from collections.abc import Iterable

from flask_smorest.fields import Upload
from marshmallow import Schema, ValidationError, fields, validate

from backoffice.fields import Text
from backoffice.resources.gateways.schemas import GatewaySchema
from backoffice.resources.meters.schemas import MeterSchema
from shared_models.workbooks import layout
from shared_models.workbooks.rows import Row, RowError
from shared_models.workbooks.xlsx import SheetRows, SheetSpec

# What a download is, for the API document.


class GatewayRowSchema(GatewaySchema):
    """A row of the Gateways sheet: the same checks as POST /gateways, the site by its code."""

    class Meta:
        exclude = ("site_id",)

    site_code = Text(required=True, validate=validate.Length(min=1, max=32))


class MeterRowSchema(MeterSchema):
    """A row of the Meters sheet: the bus by site, gateway name and number; the unit by names."""

    class Meta:
        exclude = ("bus_id", "unit_id", "key_version")

    site_code = Text(required=True, validate=validate.Length(min=1, max=32))
    gateway = Text(required=True, validate=validate.Length(min=1, max=120))
    bus = fields.Integer(required=True, validate=validate.Range(1, 16))
    building = Text(validate=validate.Length(max=120))
    floor = Text(validate=validate.Length(max=60))
    unit = Text(validate=validate.Length(max=60))


ROW_SCHEMAS: dict[str, Schema] = {layout.GATEWAYS: GatewayRowSchema(),
                                  layout.METERS: MeterRowSchema()}


def choices(schema: Schema) -> dict[str, list[str]]:
    """Closed lists of values per column, for the template's drop-downs."""
    found = {}
    for name, field in schema.load_fields.items():
        if isinstance(field, fields.Enum):
            found[name] = [str(member.value) for member in field.enum]
        for validator in field.validators:
            if isinstance(validator, validate.OneOf):
                found[name] = [str(choice) for choice in validator.choices]
    return found


def sheet_specs(gateway_rows: Iterable = (), meter_rows: Iterable = ()) -> list[SheetSpec]:
    rows = {layout.GATEWAYS: gateway_rows, layout.METERS: meter_rows}
    return [SheetSpec(sheet, layout.names(sheet), rows[sheet], choices(schema))
            for sheet, schema in ROW_SCHEMAS.items()]


def load_rows(sheets: dict[str, SheetRows]):
    """Typed rows per sheet, the errors of cells and headers, and the (site code, gateway)
    of gateway rows refused here (so meters on them are not reported again)."""
    loaded: dict[str, list[Row]] = {sheet: [] for sheet in ROW_SCHEMAS}
    errors: list[RowError] = []
    broken: set[tuple[str, str]] = set()
    if not sheets:
        errors.append(RowError(layout.METERS, None, None,
                               "The workbook has neither a Gateways nor a Meters sheet."))
    for sheet, read in sheets.items():
        schema = ROW_SCHEMAS[sheet]
        header_errors = _check_header(sheet, read.header, schema)
        errors.extend(header_errors)
        if any(error.message == "Missing column." for error in header_errors):
            continue
        for number, cells in read.rows:
            cells = {name: value for name, value in cells.items() if name in schema.load_fields}
            try:
                loaded[sheet].append(Row(sheet, number, schema.load(cells)))
            except ValidationError as exc:
                errors.extend(RowError(sheet, number, column, message)
                              for column, messages in exc.normalized_messages().items()
                              for message in messages)
                if sheet == layout.GATEWAYS:
                    broken.add((cells.get("site_code", ""), cells.get("name", "")))
    return loaded[layout.GATEWAYS], loaded[layout.METERS], errors, broken


def _check_header(sheet: str, header: list[str], schema: Schema) -> list[RowError]:
    known = set(layout.names(sheet))
    errors = [RowError(sheet, 1, name, "Unknown column.") for name in header
              if name and name not in known]
    errors += [RowError(sheet, 1, name, "Duplicate column.") for name in sorted(known)
               if header.count(name) > 1]
    errors += [RowError(sheet, 1, name, "Missing column.") for name in layout.names(sheet)
               if schema.fields[name].required and name not in header]
    return errors


class ImportQuerySchema(Schema):
    dry_run = fields.Boolean(load_default=False,
                             metadata={"description": "Check and preview only; write nothing"})


class ImportFileSchema(Schema):
    file = Upload(required=True, metadata={"description": "The .xlsx workbook (see the template)"})


class ImportResultSchema(Schema):
    dry_run = fields.Boolean()
    counts = fields.Dict(keys=fields.String(), values=fields.Integer(),
                         metadata={"description": "Rows created (or, in a dry run, to create)"})
    preview = fields.Dict(keys=fields.String(), values=fields.List(fields.Dict()),
                          metadata={"description": "Dry run: the first rows of each sheet"})


class ExportQuerySchema(Schema):
    site_id = fields.Integer(metadata={"description": "One site; by default all of yours"})
