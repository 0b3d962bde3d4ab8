"""Alarms raised on meters, accounts and gateways: the list, acknowledgement, Excel export."""

from datetime import date

from flask.views import MethodView
from flask_smorest import Page

from backoffice import database
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict
from backoffice.resources.alarms.schemas import AlarmQuerySchema, AlarmSchema
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, collection, download, load, naive_utc
from shared_models.metering import alarms
from shared_models.models import Alarm, Site
from shared_models.workbooks.xlsx import MIME_TYPE, SheetSpec, write_workbook

blp = Blueprint("alarms", __name__, url_prefix="/alarms",
                description="Alarms: raised, acknowledged and cleared history")

COLUMNS = ("Alarm", "Site", "Kind", "Subject", "Detail", "Raised (UTC)", "Acknowledged (UTC)",
           "Acknowledged by", "Cleared (UTC)")


def _query(args):
    if args.get("site_id") is not None:
        load(Site, args["site_id"])
    return restrict(alarms.listing(**args), Alarm.site_id)



def _sheet_rows(db, stmt):
    for alarm in db.scalars(stmt.execution_options(yield_per=500)):
        yield [alarm.id, alarm.site_id, alarm.kind.value, alarm.subject, alarm.detail,
               naive_utc(alarm.raised_at), naive_utc(alarm.acknowledged_at), alarm.acknowledged_by or "",
               naive_utc(alarm.cleared_at)]


@blp.route("")
class Alarms(MethodView):
    @requires("alarms.read")
    @blp.arguments(AlarmQuerySchema, location="query")
    @blp.response(200, AlarmSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Newest first."""
        return collection(_query(args))


@blp.route("/export")
class AlarmExport(MethodView):
    @requires("alarms.read")
    @blp.arguments(AlarmQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The list as .xlsx")
    def get(self, args):
        """The alarm list as a workbook."""
        db = database.session()
        sheet = SheetSpec("Alarms", COLUMNS, _sheet_rows(db, _query(args)))
        spool = write_workbook([sheet], [("Report", "Alarms 告警"), ("Times", "UTC")])
        return download(spool, f"wattkeeper-alarms-{date.today():%Y%m%d}.xlsx")


@blp.route("/<int:alarm_id>/acknowledge")
class AcknowledgeAlarm(MethodView):
    @requires("alarms.acknowledge")
    @blp.response(200, AlarmSchema)
    def post(self, alarm_id):
        """Mark the alarm seen (logged); it stays active until its cause clears."""
        load(Alarm, alarm_id)
        return alarms.acknowledge(database.session(), alarm_id, current().operator_id)
