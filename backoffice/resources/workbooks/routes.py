"""Quick configuration from Excel: the registry template, its import and its export."""

from datetime import date

from flask.views import MethodView
from flask_babel import gettext
from flask_smorest import abort

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import visible_site_ids
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, download, load
from backoffice.resources.workbooks import schemas
from shared_models.models import Site
from shared_models.workbooks import export, layout, xlsx
from shared_models.workbooks.importer import import_registry
from shared_models.workbooks.rows import RowError

blp = Blueprint("workbooks", __name__, url_prefix="/workbooks",
                description="Excel workbooks: quick configuration of the registry")




def _reason(error: RowError) -> dict:
    # Rules give a template and values, so the reason reads in the caller's language.
    return error.as_dict(gettext(error.message).format(**error.params))


@blp.route("/registry/template")
class RegistryTemplate(MethodView):
    @requires("registry.read")
    @blp.response(200, BINARY, content_type=xlsx.MIME_TYPE,
                  description="An empty workbook with the Gateways and Meters sheets")
    def get(self):
        """Download the quick-configuration workbook template."""
        spool = xlsx.write_workbook(schemas.sheet_specs(), layout.instructions())
        return download(spool, "wattkeeper-registry-template.xlsx")


@blp.route("/registry/import")
class RegistryImport(MethodView):
    @requires("registry.write")
    @idempotent
    @blp.arguments(schemas.ImportQuerySchema, location="query")
    @blp.arguments(schemas.ImportFileSchema, location="files")
    @blp.response(201, schemas.ImportResultSchema)
    @blp.alt_response(200, schema=schemas.ImportResultSchema, success=True,
                      description="Dry run: what would be created; nothing is written")
    def post(self, query, files):
        """Create gateways, buses, places and meters from a workbook: all rows or none.

        Retrying an import that went through is refused as duplicates and writes nothing.
        """
        sheets = xlsx.read_sheets(files["file"].stream, layout.SHEETS)
        gateways, meters, errors, broken = schemas.load_rows(sheets)
        dry_run = query["dry_run"]
        result = import_registry(database.session(), gateways, meters, dry_run=dry_run,
                                 site_ids=visible_site_ids(), errors=errors, broken=broken)
        if result.errors:
            abort(422, message="The workbook has errors; nothing was imported.",
                  errors=[_reason(error) for error in result.errors])
        body = {"dry_run": dry_run, "counts": result.counts, "preview": result.preview}
        return (body, 200) if dry_run else body


@blp.route("/registry/export")
class RegistryExport(MethodView):
    @requires("registry.read")
    @blp.arguments(schemas.ExportQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=xlsx.MIME_TYPE,
                  description="The registry in the template's layout (re-importable)")
    def get(self, args):
        """Export the registry as a workbook (streamed)."""
        if "site_id" in args:
            site_ids = [load(Site, args["site_id"]).id]
        else:
            visible = visible_site_ids()
            site_ids = None if visible is None else sorted(visible)
        db = database.session()
        specs = schemas.sheet_specs(export.gateway_rows(db, site_ids),
                                    export.meter_rows(db, site_ids))
        spool = xlsx.write_workbook(specs, layout.instructions())
        return download(spool, f"wattkeeper-registry-{date.today():%Y%m%d}.xlsx")
