"""Reconciliation for finance staff: run a day (fetch the bill, or upload it), list runs and
breaks, export them, and resolve a break with one of its actions."""

from __future__ import annotations

from datetime import date, timedelta

from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database, payments
from backoffice.announce import announce_after_commit
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict, visible_site_ids
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import (
    BINARY,
    caller_sessions,
    collection,
    download,
    filter_by,
    load,
    naive_utc,
)
from backoffice.resources.reconciliation.schemas import (
    BreakQuerySchema,
    BreakSchema,
    NewRunSchema,
    ResolveSchema,
    RunQuerySchema,
    RunSchema,
    UploadFileSchema,
    UploadQuerySchema,
)
from shared_models.models import Site
from shared_models.models.reconciliation import ReconciliationBreak, ReconciliationRun
from shared_models.payments import reconciliation, reconciliation_actions
from shared_models.workbooks.xlsx import MIME_TYPE, SheetSpec, write_workbook

blp = Blueprint("reconciliation", __name__, url_prefix="/reconciliation",
                description="Daily reconciliation of the gateways' bills: runs, breaks, resolutions")

RUN_COLUMNS = ("Run", "Site", "Scope", "Day", "State", "Source", "Bill SHA-256", "Bill payments",
               "Bill refunds", "Bill paid", "Bill refunded", "Bill fees", "Our payments",
               "Our refunds", "Our paid", "Our refunded", "Matched", "Held", "Breaks", "Failure")
BREAK_COLUMNS = ("Break", "Run", "Site", "Channel", "Kind", "Reference", "Order", "Refund", "Meter",
                 "Our number", "Gateway number", "Gateway amount", "Our amount", "Detail", "State",
                 "Action", "Resolved by", "Resolved (UTC)", "Note", "Ledger transaction")



def _start(site_id: int, scope: str, day: date, upload: bytes | None = None) -> ReconciliationRun:
    site = load(Site, site_id)
    site_code = site.code
    gateway = None if scope == reconciliation.METERS or upload is not None \
        else payments.gateway_for(site, scope)
    database.session().commit()  # no transaction stays open across the gateway call
    # How close to midnight an item missing from its bill waits for the next day's (minutes).
    hold = timedelta(minutes=current_app.config.get("RECONCILIATION_HOLD_MINUTES", 30))
    if scope == reconciliation.METERS:
        run_id = reconciliation.run_meters(caller_sessions(), site_id, day, started_by=current().username,
                                           hold=hold)
    else:
        run_id = reconciliation.run_day(caller_sessions(), site_id, scope, day, gateway=gateway,
                                        upload=upload, started_by=current().username or site_code,
                                        hold=hold)
    db = database.session()
    db.expire_all()
    return db.get(ReconciliationRun, run_id)


def _runs(args):
    if args.get("site_id") is not None:
        load(Site, args["site_id"])
    stmt = filter_by(select(ReconciliationRun), ReconciliationRun, args)
    return restrict(stmt, ReconciliationRun.site_id).order_by(ReconciliationRun.day.desc(),
                                                              ReconciliationRun.id.desc())


def _breaks(args):
    if args.get("site_id") is not None:
        load(Site, args["site_id"])
    stmt = filter_by(select(ReconciliationBreak), ReconciliationBreak, args)
    return restrict(stmt, ReconciliationBreak.site_id).order_by(ReconciliationBreak.id.desc())



@blp.route("/runs")
class Runs(MethodView):
    @requires("reconciliation.read")
    @blp.arguments(RunQuerySchema, location="query")
    @blp.response(200, RunSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List reconciliation runs, newest day first."""
        return collection(_runs(args))

    @requires("reconciliation.resolve")
    @blp.arguments(NewRunSchema)
    @blp.response(201, RunSchema, description="Done (with its breaks), or failed with the reason")
    def post(self, data):
        """Reconcile a site's channel (or meters) for a day, the bill fetched from its gateway.

        Made again for a day already run, only breaks not found before are added."""
        return _start(data["site_id"], data["scope"], data["day"])


@blp.route("/runs/upload")
class UploadRun(MethodView):
    @requires("reconciliation.resolve")
    @blp.arguments(UploadQuerySchema, location="query")
    @blp.arguments(UploadFileSchema, location="files")
    @blp.response(201, RunSchema, description="Done (with its breaks), or failed with the reason")
    def post(self, query, files):
        """Reconcile a site's channel for a day with a bill file downloaded by hand."""
        return _start(query["site_id"], query["channel"].value, query["day"], files["file"].read())


@blp.route("/runs/export")
class RunExport(MethodView):
    @requires("reconciliation.read")
    @blp.arguments(RunQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The list as .xlsx")
    def get(self, args):
        """The run list as a workbook."""
        db = database.session()
        rows = ([r.id, r.site_id, r.scope, r.day, r.state.value, r.source, r.bill_sha256, r.bill_payments,
                 r.bill_refunds, r.bill_paid, r.bill_refunded, r.bill_fees, r.our_payments, r.our_refunds,
                 r.our_paid, r.our_refunded, r.matched, r.held, r.breaks, r.failure]
                for r in db.scalars(_runs(args).execution_options(yield_per=500)))
        spool = write_workbook([SheetSpec("Runs", RUN_COLUMNS, rows)],
                               [("Report", "Reconciliation runs 对账"), ("Days", "the site's time zone")])
        return download(spool, f"wattkeeper-reconciliation-runs-{date.today():%Y%m%d}.xlsx")


@blp.route("/runs/<int:run_id>")
class RunById(MethodView):
    @requires("reconciliation.read")
    @blp.response(200, RunSchema)
    def get(self, run_id):
        """Get a run with its bill's totals and ours."""
        return load(ReconciliationRun, run_id)


@blp.route("/runs/<int:run_id>/bill")
class RunBill(MethodView):
    @requires("reconciliation.read")
    @blp.response(200, BINARY, content_type="application/octet-stream",
                  description="The bill file exactly as it was fetched or uploaded")
    def get(self, run_id):
        """Download the bill the run used (its SHA-256 is on the run)."""
        run = load(ReconciliationRun, run_id)
        if run.bill is None:
            return Response(status=204)
        name = f"bill-{run.scope}-{run.day:%Y%m%d}-{run.bill_sha256[:12]}"
        return Response(run.bill, mimetype="application/octet-stream",
                        headers={"Content-Disposition": f'attachment; filename="{name}"'})


@blp.route("/breaks")
class Breaks(MethodView):
    @requires("reconciliation.read")
    @blp.arguments(BreakQuerySchema, location="query")
    @blp.response(200, BreakSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List breaks, newest first (state=open: the queue)."""
        return collection(_breaks(args))


@blp.route("/breaks/export")
class BreakExport(MethodView):
    @requires("reconciliation.read")
    @blp.arguments(BreakQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The list as .xlsx")
    def get(self, args):
        """The break list as a workbook."""
        db = database.session()
        rows = ([b.id, b.run_id, b.site_id, b.channel.value if b.channel else "", b.kind.value,
                 b.reference, b.order_id or "", b.refund_id or "", b.meter_id or "", b.out_trade_no or "",
                 b.trade_no or "",
                 b.gateway_amount, b.our_amount, b.detail, b.state.value, b.action, b.resolved_by_id or "",
                 naive_utc(b.resolved_at), b.note, b.transaction_id or ""]
                for b in db.scalars(_breaks(args).execution_options(yield_per=500)))
        spool = write_workbook([SheetSpec("Breaks", BREAK_COLUMNS, rows)],
                               [("Report", "Reconciliation breaks 对账差错"), ("Times", "UTC")])
        return download(spool, f"wattkeeper-reconciliation-breaks-{date.today():%Y%m%d}.xlsx")


@blp.route("/breaks/<int:break_id>")
class BreakById(MethodView):
    @requires("reconciliation.read")
    @blp.response(200, BreakSchema)
    def get(self, break_id):
        """Get a break with the actions it can be resolved by."""
        return load(ReconciliationBreak, break_id)


@blp.route("/breaks/<int:break_id>/resolve")
class ResolveBreak(MethodView):
    @requires("reconciliation.resolve")
    @blp.arguments(ResolveSchema)
    @blp.response(200, BreakSchema)
    def post(self, data, break_id):
        """Resolve a break: credit the order, post the difference to suspense, or accept it with a note."""
        load(ReconciliationBreak, break_id)
        db = database.session()
        done = reconciliation_actions.resolve(db, break_id, data["action"], note=data["note"],
                                              operator_id=current().operator_id,
                                              site_ids=visible_site_ids())
        announce_after_commit(db, done.command_ids)
        return done.brk
