"""The system log: search it, and verify its hash chain."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.resources.audit.schemas import (
    AuditEntrySchema,
    AuditQuerySchema,
    EntitySchema,
    VerifySchema,
)
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by
from shared_models import audit, registry
from shared_models.models import AuditEntry

blp = Blueprint("audit", __name__, url_prefix="/audit", description="System log")


@blp.route("")
class AuditLog(MethodView):
    @requires("audit.read")
    @blp.arguments(AuditQuerySchema, location="query")
    @blp.response(200, AuditEntrySchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Search the system log."""
        since, until = args.pop("since", None), args.pop("until", None)
        stmt = filter_by(select(AuditEntry), AuditEntry, args)
        if since is not None:
            stmt = stmt.where(AuditEntry.at >= since)
        if until is not None:
            stmt = stmt.where(AuditEntry.at < until)
        return collection(stmt.order_by(AuditEntry.id.desc()))


@blp.route("/entities")
class Entities(MethodView):
    @requires("audit.read")
    @blp.response(200, EntitySchema(many=True))
    def get(self):
        """What the log's `entity` column can name: each table with its word for people."""
        return [{"entity": table, "name": name} for table, name in sorted(registry.NAMES.items())]


@blp.route("/verify")
class Verify(MethodView):
    @requires("audit.read")
    @blp.response(200, VerifySchema)
    def get(self):
        """Check the system log's hash chain and its checkpoint."""
        return verify_report()


def verify_report() -> dict:
    checked, broken = audit.verify(database.session())
    return {"ok": broken is None, "checked": checked,
            "broken_entry_id": broken.entry_id if broken else None,
            "reason": broken.reason if broken else None}
