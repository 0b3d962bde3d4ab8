"""Operators: staff and device accounts, their roles and their sites."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth import accounts
from backoffice.auth.permissions import PERMISSIONS, ROLE_PERMISSIONS, requires
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by
from backoffice.resources.operators.schemas import OperatorQuerySchema, OperatorSchema, RoleSchema
from shared_models.errors import NotFound
from shared_models.models import Operator

blp = Blueprint("operators", __name__, url_prefix="/operators", description="Operators")


def _get(operator_id: int) -> Operator:
    operator = database.session().get(Operator, operator_id)
    if operator is None:
        raise NotFound("No such operator.")
    return operator


@blp.route("")
class Operators(MethodView):
    @requires("operators.read")
    @blp.arguments(OperatorQuerySchema, location="query")
    @blp.response(200, OperatorSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List operators."""
        stmt = filter_by(select(Operator), Operator, args).order_by(Operator.id)
        return collection(stmt)

    @requires("operators.write")
    @blp.arguments(OperatorSchema)
    @blp.response(201, OperatorSchema)
    def post(self, data):
        """Create an operator."""
        return accounts.save_operator(database.session(), data)


@blp.route("/roles")
class Roles(MethodView):
    @requires("operators.read")
    @blp.response(200, RoleSchema(many=True))
    def get(self):
        """Every role and what it may do: its permissions, each with what it lets one do."""
        return [{"role": role, "permissions": [{"name": name, "description": PERMISSIONS[name]}
                                               for name in PERMISSIONS if name in granted]}
                for role, granted in ROLE_PERMISSIONS.items()]


@blp.route("/<int:operator_id>")
class OperatorById(MethodView):
    @requires("operators.read")
    @blp.response(200, OperatorSchema)
    def get(self, operator_id):
        """Get an operator."""
        return _get(operator_id)

    @requires("operators.write")
    @blp.arguments(OperatorSchema(partial=True))
    @blp.response(200, OperatorSchema)
    def patch(self, data, operator_id):
        """Change an operator; a new password or deactivation ends their browser sessions."""
        return accounts.save_operator(database.session(), data, _get(operator_id))


@blp.route("/<int:operator_id>/unlock")
class OperatorUnlock(MethodView):
    @requires("operators.write")
    @blp.response(204)
    def post(self, operator_id):
        """Lift the login locks on an operator from every address at once (logged)."""
        accounts.unlock(database.session(), _get(operator_id))
