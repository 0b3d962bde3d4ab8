"""Financial reports: sales journal, totals per period, account statements, each as JSON pages
and as a streamed .xlsx built from the same select."""

from flask.views import MethodView
from flask_smorest import Page

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import visible_site_ids
from backoffice.pagination import MappingCollection
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, download, load
from backoffice.resources.reports import schemas
from backoffice.resources.reports.energy_page import EnergyCollection
from backoffice.resources.reports.sheets import energy_book, journal_book, statement_book, totals_book
from shared_models.errors import InvalidValue
from shared_models.models import Building, Site, TenantAccount
from shared_models.reports import energy, journal, statements, totals
from shared_models.reports.periods import Period, parse_period
from shared_models.workbooks.xlsx import MIME_TYPE

blp = Blueprint("reports", __name__, url_prefix="/reports",
                description="Financial reports, cut at each site's local midnight")


def _period(args) -> Period:
    return parse_period(args["period"], args.get("date"), args.get("start"), args.get("stop"))


def _sites(args) -> frozenset[int] | None:
    """The asked-for site, or every site the caller may see (None: all)."""
    if args.get("site_id") is not None:
        return frozenset({load(Site, args["site_id"]).id})
    return visible_site_ids()


def _journal(args):
    if args.get("account_id") is not None:
        load(TenantAccount, args["account_id"])
    period = _period(args)
    filters = {name: args.get(name) for name in ("channel", "operator_id", "kind", "account_id")}
    return period, journal.journal(database.session(), period, site_ids=_sites(args), **filters)


def _totals(args):
    period = _period(args)
    return period, totals.totals(database.session(), period, by=set(args["by"]),
                                 site_ids=_sites(args), channel=args.get("channel"),
                                 operator_id=args.get("operator_id"))


def _statement(args, account_id):
    account = load(TenantAccount, account_id)
    return statements.statement(database.session(), account.id, _period(args))


@blp.route("/journal")
class Journal(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.JournalQuerySchema, location="query")
    @blp.response(200, schemas.JournalRowSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Sales journal (售电流水): receipted recharges, refunds and reversals in order."""
        return MappingCollection(database.session(), _journal(args)[1])


@blp.route("/journal/export")
class JournalExport(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.JournalQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The journal as .xlsx")
    def get(self, args):
        """The sales journal as a workbook."""
        period, stmt = _journal(args)
        return download(journal_book(database.session(), stmt, period),
                         f"wattkeeper-journal-{period.first}-{period.last}.xlsx")


@blp.route("/totals")
class Totals(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.TotalsQuerySchema, location="query")
    @blp.response(200, schemas.TotalsRowSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Totals per site and local day, month or year, optionally by channel and operator."""
        return MappingCollection(database.session(), _totals(args)[1])


@blp.route("/totals/export")
class TotalsExport(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.TotalsQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The totals as .xlsx")
    def get(self, args):
        """Sales totals as a workbook."""
        period, stmt = _totals(args)
        return download(totals_book(database.session(), stmt, period),
                         f"wattkeeper-totals-{period.unit}-{period.first}-{period.last}.xlsx")


@blp.route("/statements/<int:account_id>")
class Statement(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.StatementQuerySchema, location="query")
    @blp.response(200, schemas.StatementSchema)
    def get(self, args, account_id):
        """Opening and closing balance of a tenant's wallet over a period (对账单)."""
        return _statement(args, account_id)


@blp.route("/statements/<int:account_id>/lines")
class StatementLines(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.StatementQuerySchema, location="query")
    @blp.response(200, schemas.StatementLineSchema(many=True))
    @blp.paginate(Page)
    def get(self, args, account_id):
        """Every posting on the wallet in the period, with the balance after each."""
        head = _statement(args, account_id)
        return MappingCollection(database.session(), statements.lines(database.session(), head))


@blp.route("/statements/<int:account_id>/export")
class StatementExport(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.StatementQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The statement as .xlsx")
    def get(self, args, account_id):
        """An account statement as a workbook."""
        head = _statement(args, account_id)
        db = database.session()
        return download(statement_book(db, head, statements.lines(db, head)),
                         f"wattkeeper-statement-{head.account_number}-{head.period.first}"
                         f"-{head.period.last}.xlsx")


def _energy(args):
    if args["stop"] < args["start"]:
        raise InvalidValue("The range ends before it starts.", field="to")
    if args.get("building_id") is not None:
        load(Building, args["building_id"])
    return energy.subjects(args["by"], site_ids=_sites(args), building_id=args.get("building_id"))


@blp.route("/energy")
class EnergyReport(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.EnergyQuerySchema, location="query")
    @blp.response(200, schemas.EnergyReportRowSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Energy used (用电量) over a range of local days, per meter, account or building."""
        return EnergyCollection(database.session(), _energy(args), args["by"], args["start"],
                                args["stop"])


@blp.route("/energy/export")
class EnergyExport(MethodView):
    @requires("reports.read")
    @blp.arguments(schemas.EnergyQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The energy report as .xlsx")
    def get(self, args):
        """The energy report as a workbook."""
        db, by = database.session(), args["by"]
        return download(energy_book(db, by, _energy(args), args["start"], args["stop"]),
                         f"wattkeeper-energy-{by}-{args['start']}-{args['stop']}.xlsx")
