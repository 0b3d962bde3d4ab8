"""Arrival batches: received by hand or from an Excel workbook, and their acceptance samples."""

from flask.views import MethodView
from flask_babel import gettext
from flask_smorest import Page, abort
from sqlalchemy import select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.idempotency import idempotent
from backoffice.resources.assets import schemas
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, collection, download
from backoffice.resources.sales.keys import operator_id
from shared_models import registry
from shared_models.assets import arrivals, workbook
from shared_models.models import AcceptanceSample, ArrivalBatch
from shared_models.workbooks import xlsx

blp = Blueprint("asset_batches", __name__, url_prefix="/asset-batches",
                description="Arrival batches of meters (到货) and acceptance sampling (抽检)")


def _batch(batch_id: int) -> ArrivalBatch:
    # Batches arrive at the central store, before any site: every asset reader sees them.
    return registry.get(database.session(), ArrivalBatch, batch_id)


def _detail(batch: ArrivalBatch) -> ArrivalBatch:
    batch.counts = arrivals.counts_by_state(database.session(), batch.id)
    return batch


@blp.route("")
class Batches(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.ArrivalBatchSchema(many=True))
    @blp.paginate(Page)
    def get(self):
        """List arrival batches, newest first."""
        return collection(select(ArrivalBatch).order_by(ArrivalBatch.id.desc()))

    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.ArrivalBatchSchema)
    @blp.response(201, schemas.ArrivalBatchDetailSchema)
    def post(self, data):
        """Receive a batch: one arrived meter per serial number."""
        return _detail(arrivals.receive(database.session(), data, operator_id=operator_id()))


@blp.route("/<int:batch_id>")
class BatchById(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.ArrivalBatchDetailSchema)
    def get(self, batch_id):
        """Get a batch with its meters counted by state."""
        return _detail(_batch(batch_id))


@blp.route("/<int:batch_id>/samples")
class BatchSamples(MethodView):
    @requires("assets.read")
    @blp.response(200, schemas.AcceptanceSampleSchema(many=True))
    def get(self, batch_id):
        """The batch's acceptance samples."""
        _batch(batch_id)
        return database.session().scalars(select(AcceptanceSample).where(
            AcceptanceSample.batch_id == batch_id).order_by(AcceptanceSample.id)).all()

    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.AcceptanceSampleSchema)
    @blp.response(201, schemas.AcceptanceSampleSchema)
    def post(self, data, batch_id):
        """Record the acceptance sample: passed accepts the batch, failed sends it back."""
        _batch(batch_id)
        return arrivals.sample(database.session(), batch_id, data, operator_id=operator_id())


@blp.route("/template")
class BatchTemplate(MethodView):
    @requires("assets.read")
    @blp.response(200, BINARY, content_type=xlsx.MIME_TYPE,
                  description="An empty workbook with the Batch and Serials sheets")
    def get(self):
        """Download the arrival batch workbook template."""
        return download(xlsx.write_workbook(workbook.template(), workbook.NOTES),
                        "wattkeeper-arrival-batch.xlsx")


@blp.route("/import")
class BatchImport(MethodView):
    @requires("assets.write")
    @idempotent
    @blp.arguments(schemas.BatchImportQuerySchema, location="query")
    @blp.arguments(schemas.BatchFileSchema, location="files")
    @blp.response(201, schemas.BatchImportResultSchema)
    @blp.alt_response(200, schema=schemas.BatchImportResultSchema, success=True,
                      description="Dry run: what would be recorded; nothing is written")
    def post(self, query, files):
        """Receive a batch from a workbook: all of it or nothing, errors by sheet, row and column."""
        sheets = xlsx.read_sheets(files["file"].stream, workbook.SHEETS)
        checked, batch = workbook.import_batch(database.session(), sheets,
                                               dry_run=query["dry_run"], operator_id=operator_id())
        if checked.errors:
            abort(422, message="The workbook has errors; nothing was imported.",
                  errors=[e.as_dict(gettext(e.message).format(**e.params))
                          for e in checked.errors])
        body = {"dry_run": query["dry_run"], "serials": len(checked.serials),
                "batch": {k: str(v) for k, v in checked.batch.items()},
                "batch_id": batch.id if batch else None}
        return (body, 200) if query["dry_run"] else body
