"""A tenant switches their own meter off (leaving the shop) and back on, through the command
outbox, under the rules staff commands follow at this site: never on in arrears, protection
(保电) stays, one switch on its way at a time, and rate-limited."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app
from flask.views import MethodView
from flask_smorest import abort
from sqlalchemy import select

from backoffice import database, throttle
from backoffice.announce import announce_after_commit
from backoffice.auth.permissions import tenant_only
from backoffice.auth.tenant import own_account
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.tenant.schemas import TenantSupplyCommandSchema, TenantSupplyRequestSchema
from shared_models import audit
from shared_models.errors import Conflict, NotFound, RuleViolation
from shared_models.metering.balances import account_money
from shared_models.models import Command, Site
from shared_models.models.accounts import ArrearsRule
from shared_models.models.commands import OPEN_STATES, CommandKind, CommandOrigin
from shared_models.remote_control import issuing, outbox
from shared_models.settlement.enforcement_rules import may_close

blp = Blueprint("tenant-supply", __name__, url_prefix="/tenant",
                description="A tenant switching their own supply off and on")

TTL = timedelta(minutes=10)
WINDOW_S = 600


def _check(account, meter_id: int, on: bool):
    db = database.session()
    meter = next((m for m in account.meters if m.id == meter_id), None)
    if meter is None:
        raise NotFound("No such {what}.", what="meter", field="meter_id")
    if not db.get(Site, account.site_id).tenant_supply_control:
        raise RuleViolation("Switching the supply from the phone is turned off at this site; "
                            "please ask the property office.")
    if account.arrears_rule == ArrearsRule.PROTECT:
        raise RuleViolation("This supply is protected (保电); only the property office switches it.")
    if on and not may_close(account_money(db, account).total, account.arrears_rule):
        raise RuleViolation("The balance is not above zero; recharge first, then switch on.")
    pending = db.scalar(select(Command.id).where(
        Command.meter_id == meter.id, Command.kind.in_((CommandKind.TRIP, CommandKind.CLOSE)),
        Command.state.in_(OPEN_STATES)).limit(1))
    if pending is not None:
        raise Conflict("A switch of this meter is already on its way.")
    return meter


@blp.route("/accounts/<int:account_id>/supply")
class Supply(MethodView):
    @tenant_only
    @idempotent
    @blp.arguments(TenantSupplyRequestSchema)
    @blp.response(201, TenantSupplyCommandSchema)
    def post(self, data, account_id):
        """Ask for one's meter to be switched off or on; follow the command to verified."""
        account = own_account(account_id)
        throttle.spend("tenant-supply", account.id, window_s=WINDOW_S,
                       budget=current_app.config["TENANT_SUPPLY_REQUESTS"])
        meter = _check(account, data["meter_id"], data["on"])
        db = database.session()
        kind = CommandKind.CLOSE if data["on"] else CommandKind.TRIP
        # An operator-origin switch with no operator: enforcement leaves a relay a person opened
        # alone, and the tenant is that person here.
        command = outbox.issue(db, meter_id=meter.id, kind=kind,
                               payload=issuing.complete(db, meter, kind, {}),
                               operator_id=None, origin=CommandOrigin.OPERATOR, ttl=TTL)
        audit.record(db, "tenant_supply", "commands", command.id,
                     after={"meter_id": meter.id, "kind": kind.value})
        announce_after_commit(db, [command.id])
        return command


@blp.route("/accounts/<int:account_id>/commands/<int:command_id>")
class SupplyCommand(MethodView):
    @tenant_only
    @blp.response(200, TenantSupplyCommandSchema)
    def get(self, account_id, command_id):
        """How far a switch of one's meter got (queued, sent, verified, failed, expired)."""
        account = own_account(account_id)
        command = database.session().get(Command, command_id)
        if command is None or command.meter_id not in {m.id for m in account.meters}:
            abort(404, message="No such command.")
        return command
