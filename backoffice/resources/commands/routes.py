"""Remote control: issue commands to meters (one or a batch) and follow them to verified.

A command row is committed (with the request's Idempotency-Key record) before its bus is told
about it, so a crash between the two loses nothing: the worker's cron re-announces rows nobody
picked up.
"""

from collections import Counter
from datetime import timedelta

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import exists, or_, select

from backoffice import database
from backoffice.announce import announce_after_commit
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict, visible_site_ids
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.commands.schemas import (
    REFUSED,
    BatchIssueSchema,
    BatchSchema,
    CommandQuerySchema,
    CommandSchema,
    IssueSchema,
)
from backoffice.resources.common import collection, filter_by, load, reference
from shared_models.errors import NotFound
from shared_models.models import (
    AccountMeter,
    Building,
    Command,
    CommandBatch,
    Floor,
    Meter,
    Site,
    TenantAccount,
    Unit,
)
from shared_models.remote_control import issuing as issuing
from shared_models.remote_control.issuing import BatchRow
from shared_models.remote_control.payloads import validate

blp = Blueprint("commands", __name__, description="Remote control: commands to meters (远程控制)")


def _announce(command_ids: list[int]) -> None:
    """Tell each command's bus once the request commits (with its Idempotency-Key record, in
    one transaction). If Redis is unreachable then, the worker's cron re-announces the rows."""
    announce_after_commit(database.session(), command_ids)


@blp.route("/meters/<int:meter_id>/commands")
class MeterCommands(MethodView):
    @requires("commands.issue")
    @idempotent
    @blp.arguments(IssueSchema)
    @blp.response(201, CommandSchema)
    def post(self, data, meter_id):
        """Issue a command to a meter (trip, close, protect, ...)."""
        meter = load(Meter, meter_id)
        issuing.check_issuable(data["kind"])
        payload = validate(data["kind"], data["payload"])
        command = issuing.issue_one(database.session(), meter, data["kind"], payload,
                                    operator_id=current().operator_id, ttl=timedelta(seconds=data["ttl_s"]))
        _announce([command.id])
        return command


@blp.route("/commands")
class Commands(MethodView):
    @requires("commands.read")
    @blp.arguments(CommandQuerySchema, location="query")
    @blp.response(200, CommandSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List commands, newest first."""
        account_id = args.pop("account_id", None)
        stmt = restrict(filter_by(select(Command), Command, args), Command.site_id)
        if account_id is not None:
            stmt = stmt.where(_of_account(load(TenantAccount, account_id).id))
        return collection(stmt.order_by(Command.id.desc()))


def _of_account(account_id: int):
    """Commands to a meter while it was on the account (a swapped-out meter's too)."""
    link = AccountMeter
    return exists().where(link.account_id == account_id, link.meter_id == Command.meter_id,
                          Command.created_at >= link.attached_at,
                          or_(link.detached_at.is_(None), Command.created_at < link.detached_at))


@blp.route("/commands/<int:command_id>")
class CommandById(MethodView):
    @requires("commands.read")
    @blp.response(200, CommandSchema)
    def get(self, command_id):
        """Get a command and its outcome."""
        return load(Command, command_id)


def _batch_view(batch: CommandBatch, rows: list[BatchRow]) -> dict:
    counts = Counter(row.state.value if row.state else REFUSED for row in rows)
    return {"id": batch.id, "site_id": batch.site_id, "kind": batch.kind, "operator_id": batch.operator_id,
            "created_at": batch.created_at, "counts": dict(counts), "rows": rows}


def _selected_meters(data: dict) -> tuple[int, list[Meter], list[int]]:
    """(site, meters in the caller's scope, requested ids that are missing or out of scope)."""
    db = database.session()
    if "site_id" in data:
        reference(Site, data["site_id"], "site_id")
        stmt = select(Meter).where(Meter.site_id == data["site_id"])
        if "building_id" in data:
            reference(Building, data["building_id"], "building_id")
            stmt = (stmt.join(Unit, Meter.unit_id == Unit.id).join(Floor, Unit.floor_id == Floor.id)
                    .where(Floor.building_id == data["building_id"]))
        return data["site_id"], list(db.scalars(stmt.order_by(Meter.id))), []
    wanted = list(dict.fromkeys(data["meter_ids"]))
    found = {m.id: m for m in db.scalars(restrict(select(Meter).where(Meter.id.in_(wanted)), Meter.site_id))}
    meters = [found[i] for i in wanted if i in found]
    if not meters:
        raise NotFound("No such {what}.", what="meter", field="meter_ids")
    return meters[0].site_id, meters, [i for i in wanted if i not in found]


@blp.route("/command-batches")
class Batches(MethodView):
    @requires("commands.issue")
    @idempotent
    @blp.arguments(BatchIssueSchema)
    @blp.response(201, BatchSchema)
    def post(self, data):
        """Issue one command to many meters."""
        issuing.check_issuable(data["kind"])
        validate(data["kind"], data["payload"])  # a bad payload fails the whole request first
        site_id, meters, missing = _selected_meters(data)
        batch, rows, queued = issuing.issue_batch(
            database.session(), site_id=site_id, meters=meters, missing=missing, kind=data["kind"],
            payload=data["payload"], operator_id=current().operator_id, ttl=timedelta(seconds=data["ttl_s"]))
        _announce(queued)
        return _batch_view(batch, rows)


@blp.route("/command-batches/<int:batch_id>")
class BatchById(MethodView):
    @requires("commands.read")
    @blp.response(200, BatchSchema)
    def get(self, batch_id):
        """Get a batch and its commands."""
        db = database.session()
        batch = db.get(CommandBatch, batch_id)
        allowed = visible_site_ids()
        if batch is None or (allowed is not None and batch.site_id not in allowed):
            raise NotFound("No such {what}.", what="command batch")
        commands = db.scalars(select(Command).where(Command.batch_id == batch.id).order_by(Command.id))
        rows = [BatchRow(c.meter_id, c.id, c.state, c.error) for c in commands]
        return _batch_view(batch, rows)
