"""The ledger: accounts with balances from their postings, transactions, and `verify`."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import func, select

from backoffice import database
from backoffice.auth.permissions import requires
from backoffice.auth.scope import check_site, restrict, visible_site_ids
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection
from backoffice.resources.ledger.schemas import (
    LedgerAccountSchema,
    LedgerQuerySchema,
    LedgerTransactionQuerySchema,
    LedgerTransactionSchema,
    LedgerVerifyQuerySchema,
    LedgerVerifySchema,
)
from shared_models.ledger.verify import Report, verify
from shared_models.models import LedgerAccount, LedgerTransaction, Posting

blp = Blueprint("ledger", __name__, url_prefix="/ledger", description="Ledger of money")


@blp.route("/accounts")
class Accounts(MethodView):
    @requires("ledger.read")
    @blp.arguments(LedgerQuerySchema, location="query")
    @blp.response(200, LedgerAccountSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List ledger accounts with balances."""
        balance = (select(func.coalesce(func.sum(Posting.amount), 0))
                   .where(Posting.account_id == LedgerAccount.id).scalar_subquery())
        stmt = select(LedgerAccount, balance.label("balance"))
        for name in ("site_id", "kind"):
            if args.get(name) is not None:
                stmt = stmt.where(getattr(LedgerAccount, name) == args[name])
        rows = collection(restrict(stmt, LedgerAccount.site_id).order_by(LedgerAccount.id))
        return _AccountRows(rows)


class _AccountRows:
    """Pages of (account, derived balance) as dicts, so hot accounts show their balance too."""

    def __init__(self, rows) -> None:
        self.rows = rows

    def __len__(self) -> int:
        return len(self.rows)

    def __getitem__(self, window: slice) -> list[dict]:
        stmt = self.rows.stmt.offset(window.start or 0)
        if window.stop is not None:
            stmt = stmt.limit(window.stop - (window.start or 0))
        columns = LedgerAccount.__table__.columns.keys()
        return [{**{name: getattr(account, name) for name in columns}, "balance": total}
                for account, total in database.session().execute(stmt)]


@blp.route("/transactions")
class Transactions(MethodView):
    @requires("ledger.read")
    @blp.arguments(LedgerTransactionQuerySchema, location="query")
    @blp.response(200, LedgerTransactionSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List ledger transactions with their postings."""
        stmt = select(LedgerTransaction)
        if args.get("site_id") is not None:
            stmt = stmt.where(LedgerTransaction.site_id == args["site_id"])
        if args.get("kind") is not None:
            stmt = stmt.where(LedgerTransaction.kind == args["kind"])
        if args.get("account_id") is not None:
            stmt = stmt.where(LedgerTransaction.id.in_(
                select(Posting.transaction_id).where(Posting.account_id == args["account_id"])))
        stmt = restrict(stmt, LedgerTransaction.site_id)
        return collection(stmt.order_by(LedgerTransaction.id.desc()))


@blp.route("/verify")
class Verify(MethodView):
    @requires("ledger.read")
    @blp.arguments(LedgerVerifyQuerySchema, location="query")
    @blp.response(200, LedgerVerifySchema)
    def get(self, args):
        """Check the ledger: balanced transactions, wallets equal to their postings."""
        return verify_report(args.get("site_id"))


def verify_report(site_id: int | None) -> Report:
    """One site, or every site the caller may see."""
    if site_id is not None:
        check_site(site_id)
        return verify(database.session(), site_id)
    allowed = visible_site_ids()
    if allowed is None:
        return verify(database.session())
    combined = Report()
    for one in sorted(allowed):
        part = verify(database.session(), one)
        combined.transactions += part.transactions
        combined.wallets += part.wallets
        combined.problems += part.problems
    return combined
