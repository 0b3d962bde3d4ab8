"""Operator shifts at the counter and their close-of-shift cash report."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import check_site, restrict
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load
from backoffice.resources.shifts.schemas import CashReportSchema, ShiftQuerySchema, ShiftSchema
from shared_models.models import Shift
from shared_models.sales import shifts

blp = Blueprint("shifts", __name__, url_prefix="/shifts", description="Operator shifts")


@blp.route("")
class Shifts(MethodView):
    @requires("sales.read")
    @blp.arguments(ShiftQuerySchema, location="query")
    @blp.response(200, ShiftSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List shifts."""
        is_open = args.pop("open", None)
        stmt = restrict(filter_by(select(Shift), Shift, args), Shift.site_id)
        if is_open is not None:
            stmt = stmt.where(Shift.closed_at.is_(None) if is_open else Shift.closed_at.is_not(None))
        return collection(stmt.order_by(Shift.id.desc()))

    @requires("sales.write")
    @blp.arguments(ShiftSchema)
    @blp.response(201, ShiftSchema)
    def post(self, data):
        """Open one's shift at a site's counter."""
        check_site(data["site_id"])
        return shifts.open_shift(database.session(), current().operator_id, data["site_id"])


@blp.route("/<int:shift_id>/close")
class CloseShift(MethodView):
    @requires("sales.write")
    @blp.response(200, CashReportSchema)
    def post(self, shift_id):
        """Close a shift."""
        db, identity = database.session(), current()
        shift = shifts.close_shift(db, load(Shift, shift_id), identity.operator_id,
                                   may_close_others=identity.can("sales.approve"))
        return shifts.cash_report(db, shift)


@blp.route("/<int:shift_id>/report")
class ShiftReport(MethodView):
    @requires("sales.read")
    @blp.response(200, CashReportSchema)
    def get(self, shift_id):
        """A shift's cash report."""
        return shifts.cash_report(database.session(), load(Shift, shift_id))
