"""Postpaid billing for staff: an account's billing mode, bill runs, the bill list and its
export, review, release, cancellation, write-off and the bill document (HTML and PDF)."""

from __future__ import annotations

from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import Response
from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.announce import announce_after_commit
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict
from backoffice.idempotency import idempotent
from backoffice.resources.billing.document import bill_view, render_html, render_pdf
from backoffice.resources.billing.schemas import (
    AccountBillingModeSchema,
    BillDetailSchema,
    BillDocumentQuerySchema,
    BillingModeSchema,
    BillQuerySchema,
    BillReasonSchema,
    BillReviewSchema,
    BillRunQuerySchema,
    BillRunSchema,
    BillSchema,
    NewBillRunSchema,
)
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, caller_sessions, collection, download, filter_by, load
from shared_models.billing import workflow
from shared_models.billing.modes import set_billing_mode
from shared_models.billing.periods import latest_cutoff
from shared_models.billing.runs import bill_run
from shared_models.models import Site, TenantAccount
from shared_models.models.billing import Bill, BillRun
from shared_models.workbooks.xlsx import MIME_TYPE, SheetSpec, write_workbook

blp = Blueprint("billing", __name__, url_prefix="/billing",
                description="Postpaid billing (抄核收): billing modes, bill runs, review, release, documents")

BILL_COLUMNS = ("Bill", "Number", "Run", "Site", "Account", "State", "Period start (UTC)",
                "Period end (UTC)", "kWh", "Estimated kWh", "Energy", "Fixed charge",
                "Power-factor adjustment", "Charges", "Previous balance", "Payments", "Amount due",
                "Flags", "Review note", "Released (UTC)", "Due date")


def _operator() -> int:
    return current().operator_id


def _bills(args):
    args = dict(args)
    flagged = args.pop("flagged", None)
    if args.get("site_id") is not None:
        load(Site, args["site_id"])
    stmt = filter_by(select(Bill), Bill, args)
    if flagged is not None:
        stmt = stmt.where(Bill.flags != "" if flagged else Bill.flags == "")
    return restrict(stmt, Bill.site_id).order_by(Bill.id.desc())


@blp.route("/accounts/<int:account_id>/mode")
class AccountMode(MethodView):
    @requires("accounts.write")
    @blp.arguments(BillingModeSchema)
    @blp.response(200, AccountBillingModeSchema)
    def put(self, data, account_id):
        """Switch an account between prepaid and postpaid; its meters are settled first."""
        load(TenantAccount, account_id)
        db = database.session()
        account, queued = set_billing_mode(db, account_id, data["billing_mode"])
        announce_after_commit(db, queued)
        return account


@blp.route("/runs")
class Runs(MethodView):
    @requires("billing.read")
    @blp.arguments(BillRunQuerySchema, location="query")
    @blp.response(200, BillRunSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List bill runs, newest period first."""
        stmt = filter_by(select(BillRun), BillRun, args)
        return collection(restrict(stmt, BillRun.site_id).order_by(BillRun.period_end.desc(), BillRun.id))

    @requires("billing.run")
    @blp.arguments(NewBillRunSchema)
    @blp.response(201, BillRunSchema, description="Done: one bill per postpaid account, calculated")
    def post(self, data):
        """Run a site's bills for the period ending at a cut-off. Run again, it makes only the
        bills still missing and prices only the drafts still unpriced."""
        site = load(Site, data["site_id"])
        cutoff = data.get("cutoff") or latest_cutoff(datetime.now(ZoneInfo(site.timezone)).date(),
                                                     site.bill_cutoff_day)
        site_id = site.id
        database.session().commit()  # the run commits in chunks, in sessions of its own
        run_id = bill_run(caller_sessions(), site_id, cutoff, operator_id=_operator())
        db = database.session()
        db.expire_all()
        return db.get(BillRun, run_id)


@blp.route("/runs/<int:run_id>")
class RunById(MethodView):
    @requires("billing.read")
    @blp.response(200, BillRunSchema)
    def get(self, run_id):
        """Get a bill run."""
        return load(BillRun, run_id)


@blp.route("/runs/<int:run_id>/review")
class ReviewClean(MethodView):
    @requires("billing.run")
    @blp.response(200, BillSchema(many=True))
    def post(self, run_id):
        """Review every calculated bill of the run that has no flags (the flagged ones wait)."""
        load(BillRun, run_id)
        db = database.session()
        ids = workflow.review_clean(db, run_id, _operator())
        return list(db.scalars(select(Bill).where(Bill.id.in_(ids)).order_by(Bill.id)))


@blp.route("/bills")
class Bills(MethodView):
    @requires("billing.read")
    @blp.arguments(BillQuerySchema, location="query")
    @blp.response(200, BillSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List bills, newest first (flagged=true: the review queue)."""
        return collection(_bills(args))


@blp.route("/bills/export")
class BillExport(MethodView):
    @requires("billing.read")
    @blp.arguments(BillQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The list as .xlsx")
    def get(self, args):
        """The bill list as a workbook."""
        db = database.session()
        naive = lambda moment: moment.replace(tzinfo=None) if moment else ""  # noqa: E731
        rows = ([b.id, b.number, b.run_id, b.site_id, b.account_id, b.state.value, naive(b.period_start),
                 naive(b.period_end), b.energy_kwh, b.estimated_kwh, b.energy_amount, b.fixed_charge,
                 b.power_factor_adjustment, b.charges, b.previous_balance, b.payments, b.amount_due,
                 b.flags, b.review_note, naive(b.released_at), b.due_date or ""]
                for b in db.scalars(_bills(args).execution_options(yield_per=500)))
        spool = write_workbook([SheetSpec("Bills", BILL_COLUMNS, rows)],
                               [("Report", "Postpaid bills 电费账单"), ("Times", "UTC")])
        return download(spool, f"wattkeeper-bills-{date.today():%Y%m%d}.xlsx")


@blp.route("/bills/<int:bill_id>")
class BillById(MethodView):
    @requires("billing.read")
    @blp.response(200, BillDetailSchema)
    def get(self, bill_id):
        """Get a bill with its meters' readings and its lines."""
        return load(Bill, bill_id)


def _action(bill_id: int, act) -> Bill:
    load(Bill, bill_id)
    return act(database.session())


@blp.route("/bills/<int:bill_id>/recalculate")
class Recalculate(MethodView):
    @requires("billing.run")
    @blp.response(200, BillDetailSchema)
    def post(self, bill_id):
        """Price a calculated or reviewed bill again, after its readings or tariff were fixed."""
        return _action(bill_id, lambda db: workflow.recalculate(db, bill_id))


@blp.route("/bills/<int:bill_id>/review")
class Review(MethodView):
    @requires("billing.run")
    @blp.arguments(BillReviewSchema)
    @blp.response(200, BillSchema)
    def post(self, data, bill_id):
        """Mark a calculated bill reviewed; a flagged one with a note accepting its flags."""
        return _action(bill_id, lambda db: workflow.review(db, bill_id, _operator(), data["note"]))


@blp.route("/bills/<int:bill_id>/release")
class Release(MethodView):
    @requires("billing.release")
    @idempotent
    @blp.response(200, BillSchema, description="Released, or settled at once by prepayment")
    def post(self, bill_id):
        """Release a reviewed bill: a receivable with a due date, settled from prepayment as far
        as it goes (oldest bill first)."""
        return _action(bill_id, lambda db: workflow.release(db, bill_id, _operator()))


@blp.route("/bills/<int:bill_id>/cancel")
class Cancel(MethodView):
    @requires("billing.release")
    @idempotent
    @blp.arguments(BillReasonSchema)
    @blp.response(200, BillSchema)
    def post(self, data, bill_id):
        """Cancel a bill (冲正); a released one by a reversal linked to its release. Its energy
        is billed again by the next run."""
        return _action(bill_id, lambda db: workflow.cancel(db, bill_id, _operator(), data["reason"]))


@blp.route("/bills/<int:bill_id>/write-off")
class WriteOff(MethodView):
    @requires("billing.release")
    @blp.arguments(BillReasonSchema)
    @blp.response(200, BillSchema, description="Asked for; a second person approves")
    def post(self, data, bill_id):
        """Ask for what is owed on a released bill to be written off (核销)."""
        return _action(bill_id, lambda db: workflow.request_write_off(db, bill_id, _operator(),
                                                                      data["reason"]))


@blp.route("/bills/<int:bill_id>/write-off/approve")
class ApproveWriteOff(MethodView):
    @requires("billing.approve")
    @idempotent
    @blp.response(200, BillSchema)
    def post(self, bill_id):
        """Approve a write-off someone else asked for: what is owed leaves the receivable."""
        return _action(bill_id, lambda db: workflow.approve_write_off(db, bill_id, _operator()))


@blp.route("/bills/<int:bill_id>/document")
class Document(MethodView):
    @requires("billing.read")
    @blp.arguments(BillDocumentQuerySchema, location="query")
    @blp.response(200, {"type": "string"}, content_type="text/html", description="Printable HTML")
    def get(self, args, bill_id):
        """The bill as a printable page, in Chinese (lang=zh) or English (lang=en)."""
        bill = load(Bill, bill_id)
        html = render_html(bill_view(database.session(), bill, args["lang"]), args["lang"])
        return Response(html, mimetype="text/html")


@blp.route("/bills/<int:bill_id>/pdf")
class Pdf(MethodView):
    @requires("billing.read")
    @blp.arguments(BillDocumentQuerySchema, location="query")
    @blp.response(200, BINARY, content_type="application/pdf", description="The bill as a PDF")
    def get(self, args, bill_id):
        """The bill as a PDF, in Chinese (lang=zh) or English (lang=en)."""
        bill = load(Bill, bill_id)
        pdf = render_pdf(bill_view(database.session(), bill, args["lang"]))
        name = f"bill-{bill.number.replace('/', '-')}-{args['lang']}.pdf"
        return Response(pdf, mimetype="application/pdf",
                        headers={"Content-Disposition": f'inline; filename="{name}"'})
