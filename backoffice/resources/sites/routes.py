"""Sites: property projects with their default parameters."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.errors import PermissionDenied
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict, visible_site_ids
from backoffice.idempotency import idempotent
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load
from backoffice.resources.sites.schemas import SiteQuerySchema, SiteSchema
from shared_models import registry
from shared_models.models import Site

blp = Blueprint("sites", __name__, url_prefix="/sites", description="Sites (property projects)")


@blp.route("")
class Sites(MethodView):
    @requires("registry.read")
    @blp.arguments(SiteQuerySchema, location="query")
    @blp.response(200, SiteSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List sites."""
        stmt = restrict(filter_by(select(Site), Site, args), Site.id).order_by(Site.id)
        return collection(stmt)

    @requires("registry.write")
    @idempotent
    @blp.arguments(SiteSchema)
    @blp.response(201, SiteSchema)
    def post(self, data):
        """Create a site with its defaults."""
        if visible_site_ids() is not None:
            raise PermissionDenied("Only an operator of every site can create sites.")
        return registry.save_site(database.session(), data)


@blp.route("/<int:site_id>")
class SiteById(MethodView):
    @requires("registry.read")
    @blp.response(200, SiteSchema)
    def get(self, site_id):
        """Get a site."""
        return load(Site, site_id)

    @requires("registry.write")
    @blp.arguments(SiteSchema(partial=True))
    @blp.response(200, SiteSchema)
    def patch(self, data, site_id):
        """Change a site's details and defaults."""
        return registry.save_site(database.session(), data, load(Site, site_id))

    @requires("registry.write")
    @blp.response(204)
    def delete(self, site_id):
        """Delete a site that holds nothing."""
        registry.delete(database.session(), load(Site, site_id))
