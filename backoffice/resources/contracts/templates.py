"""Contract templates and their versions: written as drafts, published once, never changed."""

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import check_site, restrict, visible_site_ids
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import collection, filter_by, load, reference
from backoffice.resources.contracts.schemas import (
    TemplateQuerySchema,
    TemplateSchema,
    TemplateVersionSchema,
)
from shared_models.contracts import templates
from shared_models.models import Site
from shared_models.models.contracts import ContractTemplate, ContractTemplateVersion
from shared_models.registry import get, not_found

blp = Blueprint("contract_templates", __name__, url_prefix="/contract-templates",
                description="Supply contract templates (合同范本) and their versions")


def load_version(version_id: int) -> ContractTemplateVersion:
    """A template version by id, as a 404 when missing or of another site."""
    version = get(database.session(), ContractTemplateVersion, version_id)
    check_site(version.template.site_id, "template version")
    return version


def reference_version(version_id: int, field: str) -> ContractTemplateVersion:
    """A version named by `field` of the body: unknown and another site's read the same."""
    version = get(database.session(), ContractTemplateVersion, version_id, field=field)
    allowed = visible_site_ids()
    if allowed is not None and version.template.site_id not in allowed:
        raise not_found(ContractTemplateVersion, field)
    return version


@blp.route("")
class Templates(MethodView):
    @requires("contracts.read")
    @blp.arguments(TemplateQuerySchema, location="query")
    @blp.response(200, TemplateSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List contract templates."""
        stmt = filter_by(select(ContractTemplate), ContractTemplate, args)
        return collection(restrict(stmt, ContractTemplate.site_id).order_by(ContractTemplate.id))

    @requires("contracts.write")
    @blp.arguments(TemplateSchema)
    @blp.response(201, TemplateSchema)
    def post(self, data):
        """Create a template; then add its first version."""
        reference(Site, data["site_id"], "site_id")
        return templates.create_template(database.session(), site_id=data["site_id"], name=data["name"])


@blp.route("/<int:template_id>")
class TemplateById(MethodView):
    @requires("contracts.read")
    @blp.response(200, TemplateSchema)
    def get(self, template_id):
        """Get a template and the list of its versions."""
        return load(ContractTemplate, template_id)


@blp.route("/<int:template_id>/versions")
class TemplateVersions(MethodView):
    @requires("contracts.write")
    @blp.arguments(TemplateVersionSchema)
    @blp.response(201, TemplateVersionSchema)
    def post(self, data, template_id):
        """Add a draft version (typed variables, clauses with {name} placeholders)."""
        load(ContractTemplate, template_id)
        return templates.add_version(database.session(), template_id, data,
                                     operator_id=current().operator_id)


@blp.route("/versions/<int:version_id>")
class TemplateVersionById(MethodView):
    @requires("contracts.read")
    @blp.response(200, TemplateVersionSchema)
    def get(self, version_id):
        """Get a template version with its variables and clauses."""
        return load_version(version_id)

    @requires("contracts.write")
    @blp.arguments(TemplateVersionSchema(partial=True))
    @blp.response(200, TemplateVersionSchema)
    def patch(self, data, version_id):
        """Change a draft version; a published one is refused."""
        load_version(version_id)
        return templates.edit_version(database.session(), version_id, data)


@blp.route("/versions/<int:version_id>/publish")
class PublishTemplateVersion(MethodView):
    @requires("contracts.approve")
    @blp.response(200, TemplateVersionSchema)
    def post(self, version_id):
        """Publish a version: contracts may be drawn from it, and it never changes again."""
        load_version(version_id)
        return templates.publish(database.session(), version_id, operator_id=current().operator_id)
