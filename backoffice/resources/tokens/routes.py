"""Bearer tokens for integrations and kiosk devices: issued once, stored hashed, revocable."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth import accounts
from backoffice.auth.permissions import requires
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by
from backoffice.resources.tokens.schemas import IssuedTokenSchema, TokenQuerySchema, TokenSchema
from shared_models.errors import NotFound
from shared_models.models import ApiToken

blp = Blueprint("tokens", __name__, url_prefix="/tokens", description="Bearer tokens")


@blp.route("")
class Tokens(MethodView):
    @requires("operators.write")
    @blp.arguments(TokenQuerySchema, location="query")
    @blp.response(200, TokenSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List API tokens."""
        return collection(filter_by(select(ApiToken), ApiToken, args).order_by(ApiToken.id))

    @requires("operators.write")
    @blp.arguments(TokenSchema)
    @blp.response(201, IssuedTokenSchema)
    def post(self, data):
        """Issue a bearer token (shown once)."""
        token, raw = accounts.issue_token(database.session(), data["operator_id"], data["name"],
                                          data["days"])
        token.token = raw
        return token


@blp.route("/<int:token_id>")
class TokenById(MethodView):
    @requires("operators.write")
    @blp.response(204)
    def delete(self, token_id):
        """Revoke a token."""
        token = database.session().get(ApiToken, token_id)
        if token is None:
            raise NotFound("No such token.")
        accounts.revoke_token(database.session(), token)
