"""The SMS outbox: what was (or will be) texted to tenants, and why some were not."""

from datetime import date

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, collection, download, filter_by, naive_utc
from backoffice.resources.sms.schemas import SmsMessageSchema, SmsQuerySchema
from shared_models.models import SmsMessage
from shared_models.notifications.sms_policy import redacted
from shared_models.workbooks.xlsx import MIME_TYPE, SheetSpec, write_workbook

blp = Blueprint("sms", __name__, url_prefix="/sms", description="SMS outbox (短信)")

COLUMNS = ("Message", "Site", "Account", "Phone", "Kind", "State", "Text", "Attempts",
           "Created (UTC)", "Sent (UTC)", "Provider", "Last error")


def _query(args):
    stmt = restrict(filter_by(select(SmsMessage), SmsMessage, args), SmsMessage.site_id)
    return stmt.order_by(SmsMessage.id.desc())


def _sheet_rows(db, stmt):
    for sms in db.scalars(stmt.execution_options(yield_per=500)):
        yield [sms.id, sms.site_id, sms.account_id, sms.phone, sms.kind.value, sms.state.value,
               redacted(sms.kind, sms.body), sms.attempts, naive_utc(sms.created_at), naive_utc(sms.sent_at),
               sms.provider, sms.last_error]


@blp.route("")
class SmsOutbox(MethodView):
    @requires("sms.read")
    @blp.arguments(SmsQuerySchema, location="query")
    @blp.response(200, SmsMessageSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Newest first; filters by site, account, state and kind."""
        return collection(_query(args))


@blp.route("/export")
class SmsExport(MethodView):
    @requires("sms.read")
    @blp.arguments(SmsQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The outbox as .xlsx")
    def get(self, args):
        """The SMS outbox as a workbook, with the list's filters."""
        db = database.session()
        sheet = SheetSpec("SMS", COLUMNS, _sheet_rows(db, _query(args)))
        spool = write_workbook([sheet], [("Report", "SMS outbox 短信"), ("Times", "UTC")])
        return download(spool, f"wattkeeper-sms-{date.today():%Y%m%d}.xlsx")
