"""The SMS outbox: what was (or will be) texted to tenants, and why some were not."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by
from backoffice.resources.sms.schemas import SmsMessageSchema, SmsQuerySchema
from shared_models.models import SmsMessage

blp = Blueprint("sms", __name__, url_prefix="/sms", description="SMS outbox (短信)")


@blp.route("")
class SmsOutbox(MethodView):
    @requires("sms.read")
    @blp.arguments(SmsQuerySchema, location="query")
    @blp.response(200, SmsMessageSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Newest first; filters by site, account, state and kind."""
        stmt = restrict(filter_by(select(SmsMessage), SmsMessage, args), SmsMessage.site_id)
        return collection(stmt.order_by(SmsMessage.id.desc()))
