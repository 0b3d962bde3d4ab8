"""Find tenant accounts fast: a few characters of the account number, the tenant's name or
phone, the unit or a meter's serial number (the counter's search box)."""

from __future__ import annotations

from collections.abc import Collection

from flask.views import MethodView
from marshmallow import Schema, fields, validate
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import visible_site_ids
from backoffice.fields import Text
from backoffice.resources.blueprint import Blueprint
from shared_models.models import AccountMeter, Meter, TenantAccount, Unit
from shared_models.scope import within_sites

blp = Blueprint("search", __name__, url_prefix="/search", description="Quick search")
LIMIT = 20


class AccountSearchQuerySchema(Schema):
    q = Text(required=True, validate=validate.Length(min=1, max=64), metadata={
        "description": "part of an account number, name, phone, unit or meter serial number"})


class AccountHitSchema(Schema):
    id = fields.Integer()
    site_id = fields.Integer()
    number = fields.String()
    tenant_name = fields.String()
    phone = fields.String()
    status = fields.String()
    unit = fields.String(allow_none=True)
    serial_numbers = fields.List(fields.String(), metadata={"description": "meters attached now"})


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def find_accounts(db: Session, text: str, site_ids: Collection[int] | None) -> list[dict]:
    """Up to LIMIT accounts matching `text` anywhere in their keys, exact numbers first."""
    pattern = f"%{_escaped(text.strip().lower())}%"
    by_meter = (select(AccountMeter.account_id).join(Meter, Meter.id == AccountMeter.meter_id)
                .where(AccountMeter.detached_at.is_(None),
                       func.lower(Meter.serial_number).like(pattern, escape="\\")))
    stmt = (select(TenantAccount, Unit.name)
            .outerjoin(Unit, Unit.id == TenantAccount.unit_id)
            .where(or_(func.lower(TenantAccount.number).like(pattern, escape="\\"),
                       func.lower(TenantAccount.tenant_name).like(pattern, escape="\\"),
                       TenantAccount.phone.like(pattern, escape="\\"),
                       func.lower(Unit.name).like(pattern, escape="\\"),
                       TenantAccount.id.in_(by_meter)))
            .order_by((func.lower(TenantAccount.number) == text.strip().lower()).desc(),
                      TenantAccount.status, TenantAccount.id)
            .limit(LIMIT))
    rows = db.execute(within_sites(stmt, TenantAccount.site_id, site_ids)).all()
    serials: dict[int, list[str]] = {}
    ids = [account.id for account, _unit in rows]
    for account_id, serial in db.execute(
            select(AccountMeter.account_id, Meter.serial_number)
            .join(Meter, Meter.id == AccountMeter.meter_id)
            .where(AccountMeter.account_id.in_(ids), AccountMeter.detached_at.is_(None))
            .order_by(Meter.id)):
        serials.setdefault(account_id, []).append(serial)
    return [{"id": account.id, "site_id": account.site_id, "number": account.number,
             "tenant_name": account.tenant_name, "phone": account.phone,
             "status": account.status.value, "unit": unit,
             "serial_numbers": serials.get(account.id, [])} for account, unit in rows]


@blp.route("/accounts")
class AccountSearch(MethodView):
    @requires("accounts.read")
    @blp.arguments(AccountSearchQuerySchema, location="query")
    @blp.response(200, AccountHitSchema(many=True))
    def get(self, args):
        """Accounts whose number, tenant, phone, unit or meter serial contains the text."""
        return find_accounts(database.session(), args["q"], visible_site_ids())
