"""Counter sales: recharge, refund with approval, reversal, receipts and reprints."""

from flask import Response, render_template
from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.announce import announce_after_commit
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict, visible_site_ids
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load, reference
from backoffice.resources.sales.keys import external_key, operator_id
from backoffice.resources.sales.receipt import receipt_context
from backoffice.resources.sales.schemas import (
    CounterMoneySchema,
    ReceiptQuerySchema,
    SaleQuerySchema,
    SaleReasonSchema,
    SaleSchema,
)
from shared_models.models import Sale, TenantAccount
from shared_models.sales import sales

blp = Blueprint("sales", __name__, url_prefix="/sales", description="Counter sales (售电)",
                template_folder="templates")


@blp.route("")
class Sales(MethodView):
    @requires("sales.read")
    @blp.arguments(SaleQuerySchema, location="query")
    @blp.response(200, SaleSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List counter sales, newest first."""
        stmt = restrict(filter_by(select(Sale), Sale, args), Sale.site_id)
        return collection(stmt.order_by(Sale.id.desc()))


@blp.route("/recharges")
class Recharges(MethodView):
    @requires("sales.write")
    @idempotent
    @blp.arguments(CounterMoneySchema)
    @blp.response(201, SaleSchema)
    def post(self, data):
        """Sell credit (售电) into an account's wallet."""
        # The service's lock is the one read of the account; it refuses one outside the
        # caller's sites as it refuses a missing one, naming the field.
        sale = sales.recharge(database.session(), **data, operator_id=operator_id(),
                              external_key=external_key(), site_ids=visible_site_ids(),
                              field="account_id")
        announce_after_commit(database.session(), sale.command_ids)  # a close or push the sale queued
        return sale


@blp.route("/refunds")
class Refunds(MethodView):
    @requires("sales.write")
    @idempotent
    @blp.arguments(CounterMoneySchema)
    @blp.response(201, SaleSchema, description="Completed, or pending a second operator's approval")
    def post(self, data):
        """Refund unused credit (退电), held for approval above the threshold."""
        reference(TenantAccount, data["account_id"], "account_id")
        return sales.refund(database.session(), **data, operator_id=operator_id(),
                            external_key=external_key())


@blp.route("/<int:sale_id>")
class SaleById(MethodView):
    @requires("sales.read")
    @blp.response(200, SaleSchema)
    def get(self, sale_id):
        """Get a sale."""
        return load(Sale, sale_id)


@blp.route("/<int:sale_id>/approve")
class Approve(MethodView):
    @requires("sales.approve")
    @idempotent
    @blp.response(200, SaleSchema)
    def post(self, sale_id):
        """Approve a held refund (a second operator)."""
        load(Sale, sale_id)
        return sales.approve_refund(database.session(), sale_id, operator_id(), external_key())


@blp.route("/<int:sale_id>/reject")
class Reject(MethodView):
    @requires("sales.approve")
    @idempotent
    @blp.arguments(SaleReasonSchema)
    @blp.response(200, SaleSchema)
    def post(self, data, sale_id):
        """Reject a held refund: the money returns to the wallet."""
        load(Sale, sale_id)
        return sales.reject_refund(database.session(), sale_id, operator_id(), data["reason"],
                                   external_key())


@blp.route("/<int:sale_id>/reversal")
class Reversal(MethodView):
    @requires("sales.write")
    @idempotent
    @blp.arguments(SaleReasonSchema)
    @blp.response(201, SaleSchema, description="The reversal (冲正) document")
    def post(self, data, sale_id):
        """Reverse (冲正) one's own recharge in the same shift."""
        load(Sale, sale_id)
        return sales.reverse(database.session(), sale_id, operator_id(), external_key(),
                             data["reason"])


@blp.route("/<int:sale_id>/reprint")
class Reprint(MethodView):
    @requires("sales.write")
    @blp.response(200, SaleSchema, description="Counts the reprint; then print the receipt view")
    def post(self, sale_id):
        """Count a reprint of the receipt."""
        load(Sale, sale_id)
        return sales.reprint(database.session(), sale_id)


@blp.route("/<int:sale_id>/receipt")
class Receipt(MethodView):
    @requires("sales.read")
    @blp.arguments(ReceiptQuerySchema, location="query")
    @blp.response(200, content_type="text/html", description="Printable receipt")
    def get(self, args, sale_id):
        """The printable receipt (HTML), laid out for 80 mm thermal paper or an A4 sheet."""
        context = receipt_context(database.session(), load(Sale, sale_id))
        return Response(render_template("sales/receipt.html", layout=args["layout"], **context),
                        mimetype="text/html")
