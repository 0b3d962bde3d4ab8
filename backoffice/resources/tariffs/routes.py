"""Tariffs: plans, draft and published versions, where they apply, and dry runs before publishing."""

from datetime import date

from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, collection, download, filter_by, load, reference
from backoffice.resources.tariffs import export, schemas
from shared_models.errors import NotFound
from shared_models.models import Meter, Site, TenantAccount
from shared_models.models.tariffs import TariffPlan, TariffPlanVersion
from shared_models.tariffs import store
from shared_models.workbooks.xlsx import MIME_TYPE

blp = Blueprint("tariffs", __name__, url_prefix="/tariffs",
                description="Tariff plans, versions, assignments and dry runs")


def _version(version_id: int) -> TariffPlanVersion:
    return load(TariffPlanVersion, version_id)


def _plan_ref(plan_id: int | None) -> None:
    if plan_id is not None:
        reference(TariffPlan, plan_id, "plan_id")


def _operator_id() -> int | None:
    identity = current()
    return None if identity is None else identity.operator_id


@blp.route("/plans")
class Plans(MethodView):
    @requires("tariffs.read")
    @blp.arguments(schemas.PlanQuerySchema, location="query")
    @blp.response(200, schemas.PlanSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List tariff plans."""
        stmt = filter_by(select(TariffPlan), TariffPlan, args)
        return collection(restrict(stmt, TariffPlan.site_id).order_by(TariffPlan.id))

    @requires("tariffs.write")
    @blp.arguments(schemas.PlanSchema)
    @blp.response(201, schemas.PlanSchema)
    def post(self, data):
        """Create a tariff plan."""
        reference(Site, data["site_id"], "site_id")
        return store.create_plan(database.session(), **data)


@blp.route("/plans/<int:plan_id>")
class PlanById(MethodView):
    @requires("tariffs.read")
    @blp.response(200, schemas.PlanSchema)
    def get(self, plan_id):
        """Get a tariff plan."""
        return load(TariffPlan, plan_id)


@blp.route("/plans/<int:plan_id>/versions")
class PlanVersions(MethodView):
    @requires("tariffs.read")
    @blp.response(200, schemas.VersionSchema(many=True))
    def get(self, plan_id):
        """List a plan's versions."""
        return load(TariffPlan, plan_id).versions

    @requires("tariffs.write")
    @blp.arguments(schemas.VersionSchema)
    @blp.response(201, schemas.VersionSchema)
    def post(self, data, plan_id):
        """A new draft; the tariff is checked by the engine (422 names the bad part's path)."""
        plan = load(TariffPlan, plan_id)
        return store.add_version(database.session(), plan.id, data["effective_from"],
                                   data["tariff"], note=data["note"], operator_id=_operator_id())


@blp.route("/versions/<int:version_id>")
class VersionById(MethodView):
    @requires("tariffs.read")
    @blp.response(200, schemas.VersionSchema)
    def get(self, version_id):
        """Get a tariff version."""
        return _version(version_id)

    @requires("tariffs.write")
    @blp.arguments(schemas.VersionPatchSchema(partial=True))
    @blp.response(200, schemas.VersionSchema)
    def patch(self, data, version_id):
        """Change a draft; a published version answers 409."""
        return store.save_draft(database.session(), _version(version_id).id, data)

    @requires("tariffs.write")
    @blp.response(204)
    def delete(self, version_id):
        """Delete a draft version."""
        store.delete_draft(database.session(), _version(version_id).id)


@blp.route("/versions/<int:version_id>/publish")
class VersionPublish(MethodView):
    @requires("tariffs.publish")
    @blp.response(200, schemas.VersionSchema)
    def post(self, version_id):
        """Put a draft in force from its effective date (today or later, site time).

        Publishing a published version again answers it unchanged.
        """
        return store.publish_version(database.session(), _version(version_id).id,
                                       _operator_id())


def _dry_run(version_id: int, args: dict):
    version = _version(version_id)
    month = date.fromisoformat(f"{args['month']}-01") if "month" in args else None
    rows = store.dry_run(database.session(), version.plan.site_id, version.id, month)
    return version, month, rows


@blp.route("/versions/<int:version_id>/dry-run")
class VersionDryRun(MethodView):
    @requires("tariffs.read")
    @blp.arguments(schemas.DryRunQuerySchema, location="query")
    @blp.response(200, schemas.DryRunRowSchema(many=True))
    def get(self, args, version_id):
        """Each account's cost over a month under its current tariff and under this version."""
        return _dry_run(version_id, args)[2]


@blp.route("/versions/<int:version_id>/dry-run/export")
class VersionDryRunExport(MethodView):
    @requires("tariffs.read")
    @blp.arguments(schemas.DryRunQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The dry run as .xlsx")
    def get(self, args, version_id):
        """The dry run of a version as a workbook."""
        version, month, rows = _dry_run(version_id, args)
        spool = export.dry_run_workbook(database.session(), version, month, rows)
        return download(spool, f"wattkeeper-tariff-dry-run-{version.id}.xlsx")


@blp.route("/assignments")
class Assignments(MethodView):
    @requires("tariffs.read")
    @blp.arguments(schemas.AssignmentQuerySchema, location="query")
    @blp.response(200, schemas.AssignmentSchema(many=True))
    def get(self, args):
        """Where the site's plans apply: the site default (no meter, no account) and overrides."""
        site = load(Site, args["site_id"])
        return store.assignments(database.session(), site.id)


@blp.route("/assignments/meters")
class MeterAssignments(MethodView):
    @requires("tariffs.write")
    @blp.arguments(schemas.MeterAssignSchema)
    @blp.response(200, schemas.MeterPlanSchema(many=True))
    def put(self, data):
        """Give many meters their own plan at once (null: drop it); all or none."""
        db = database.session()
        ids = list(dict.fromkeys(data["meter_ids"]))
        seen = set(db.scalars(restrict(select(Meter.id).where(Meter.id.in_(ids)), Meter.site_id)))
        if unseen := [i for i in ids if i not in seen]:  # missing or of another site: alike
            raise NotFound("No such meter: {ids}.", field="meter_ids", ids=", ".join(map(str, unseen)))
        _plan_ref(data["plan_id"])
        store.assign_to_meters(db, data["plan_id"], data["meter_ids"])
        return [{"meter_id": i, "plan_id": data["plan_id"]} for i in dict.fromkeys(data["meter_ids"])]


@blp.route("/assignments/accounts/<int:account_id>")
class AccountAssignment(MethodView):
    @requires("tariffs.write")
    @blp.arguments(schemas.PlanRefSchema)
    @blp.response(200, schemas.PlanRefSchema)
    def put(self, data, account_id):
        """The plan of the account's meters that have none of their own (null: none)."""
        account = load(TenantAccount, account_id)
        _plan_ref(data["plan_id"])
        store.assign_to_account(database.session(), data["plan_id"], account.id)
        return data


@blp.route("/assignments/sites/<int:site_id>")
class SiteDefault(MethodView):
    @requires("tariffs.write")
    @blp.arguments(schemas.PlanRefSchema)
    @blp.response(200, schemas.PlanRefSchema)
    def put(self, data, site_id):
        """The site's default plan (null: the site's default price)."""
        site = load(Site, site_id)
        _plan_ref(data["plan_id"])
        store.set_site_default(database.session(), site.id, data["plan_id"])
        return data


@blp.route("/meters/<int:meter_id>")
class MeterTariff(MethodView):
    @requires("tariffs.read")
    @blp.response(200, schemas.EffectiveTariffSchema)
    def get(self, meter_id):
        """The tariff the meter is billed with now, and where it comes from."""
        found = store.effective_tariff(database.session(), load(Meter, meter_id).id)
        return {"meter_id": meter_id, "source": found.source, "plan_id": found.plan_id,
                "timezone": found.timezone, "tariff": found.tariff.to_dict()}
