"""The dashboard summary: everything on the console's first page in one request."""

from zoneinfo import ZoneInfo

from flask.views import MethodView
from sqlalchemy import select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict, visible_site_ids
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import load
from backoffice.resources.dashboard import schemas, summary
from shared_models.models import Site
from shared_models.types import utcnow

blp = Blueprint("dashboard", __name__, url_prefix="/dashboard",
                description="The console's first page")
DEFAULT_TIMEZONE = "Asia/Shanghai"


def _sites(db, site_id):
    """The sites asked for (one, or every one the caller sees) and the time zone their days
    are cut in: the first site's (a console shows one site's day)."""
    sites = ([load(Site, site_id)] if site_id is not None
             else list(db.scalars(restrict(select(Site), Site.id).order_by(Site.id))))
    return sites, (sites[0].timezone if sites else DEFAULT_TIMEZONE)


@blp.route("")
class Dashboard(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.DashboardQuerySchema, location="query")
    @blp.response(200, schemas.DashboardSchema)
    def get(self, args):
        """Meters by status, sales by channel, energy by hour, and what waits for someone."""
        db = database.session()
        site_id = args.get("site_id")
        sites, timezone = _sites(db, site_id)
        now = utcnow()
        today = now.astimezone(ZoneInfo(timezone)).date()
        answer = {"today": today,
                  "meters": summary.meter_counts(db, visible_site_ids(), site_id),
                  "sales": summary.sales_by_channel(db, sites, today.isoformat()),
                  **summary.queues(db, visible_site_ids(), site_id)}
        if args["energy"]:
            answer["energy"] = summary.energy_by_hour(db, [site.id for site in sites], timezone, now)
        return answer


@blp.route("/energy")
class DashboardEnergy(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.DashboardEnergyQuerySchema, location="query")
    @blp.response(200, schemas.EnergyCurveSchema)
    def get(self, args):
        """Energy by hour today and yesterday alone: the dashboard's slowest figure (it reads
        every reading since yesterday's local midnight), so the console asks for it beside
        the rest and shows the figures without waiting for the curve."""
        db = database.session()
        sites, timezone = _sites(db, args.get("site_id"))
        return summary.energy_by_hour(db, [site.id for site in sites], timezone, utcnow())
