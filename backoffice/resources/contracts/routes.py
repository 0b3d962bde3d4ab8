"""Supply contracts (供用电合同): draft, edit, approve, sign, supplement, re-sign, end, file;
the signed PDF, the history, the renewal list and the Excel export."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

from flask import Response
from flask.views import MethodView
from flask_smorest import Page
from sqlalchemy import select

from backoffice import database
from backoffice.announce import announce_after_commit
from backoffice.auth.identity import current
from backoffice.auth.permissions import requires
from backoffice.auth.scope import restrict, visible_site_ids
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.common import BINARY, collection, download, filter_by, load, naive_utc, reference
from backoffice.resources.contracts.schemas import (
    ArchiveSchema,
    ContractChangeSchema,
    ContractDraftSchema,
    ContractEditSchema,
    ContractQuerySchema,
    ContractSchema,
    ContractSettingsSchema,
    ContractSignSchema,
    ReasonSchema,
    RenewalQuerySchema,
    RenewalSchema,
)
from backoffice.resources.contracts.templates import reference_version
from shared_models.contracts import lifecycle, renewals
from shared_models.errors import InvalidValue, NotFound
from shared_models.models import Site, TenantAccount
from shared_models.models.contracts import SupplyContract, SupplyContractChange, SupplyContractDocument
from shared_models.workbooks.xlsx import MIME_TYPE, SheetSpec, write_workbook

blp = Blueprint("contracts", __name__, url_prefix="/contracts",
                description="Supply contracts (供用电合同) with tenant accounts")

COLUMNS = ("Contract", "Kind", "State", "Site", "Account", "Tenant", "Starts", "Ends", "Signed on",
           "Signers", "In force since (UTC)", "Ended (UTC)", "Archive cabinet", "Box", "Number",
           "PDF sha256")


def _operator() -> int:
    return current().operator_id


def _query(args):
    if args.get("site_id") is not None:
        load(Site, args["site_id"])
    stmt = filter_by(select(SupplyContract), SupplyContract, args)
    return restrict(stmt, SupplyContract.site_id).order_by(SupplyContract.id.desc())


@blp.route("")
class Contracts(MethodView):
    @requires("contracts.read")
    @blp.arguments(ContractQuerySchema, location="query")
    @blp.response(200, ContractSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """List contracts, newest first."""
        return collection(_query(args))

    @requires("contracts.write")
    @blp.arguments(ContractDraftSchema)
    @blp.response(201, ContractSchema)
    def post(self, data):
        """Draft a contract from a published template version, or a supplement or re-signed
        contract from the account's previous one."""
        db = database.session()
        if data.get("previous_id") is not None:
            reference(SupplyContract, data["previous_id"], "previous_id")
            if data.get("kind") is None:
                raise InvalidValue("Say whether this is a supplement or a re-signed contract.",
                                   field="kind")
            return lifecycle.draft_from_previous(
                db, previous_id=data["previous_id"], kind=data["kind"], values=data.get("values"),
                starts_on=data.get("starts_on"), ends_on=data.get("ends_on"), reason=data["reason"],
                operator_id=_operator())
        for name in ("account_id", "template_version_id", "starts_on", "ends_on"):
            if data.get(name) is None:
                raise InvalidValue("{name} is required.", field=name, name=name)
        reference(TenantAccount, data["account_id"], "account_id")
        reference_version(data["template_version_id"], "template_version_id")
        return lifecycle.draft_from_template(
            db, account_id=data["account_id"], template_version_id=data["template_version_id"],
            values=data.get("values") or {}, starts_on=data["starts_on"], ends_on=data["ends_on"],
            operator_id=_operator())


@blp.route("/export")
class ContractExport(MethodView):
    @requires("contracts.read")
    @blp.arguments(ContractQuerySchema, location="query")
    @blp.response(200, BINARY, content_type=MIME_TYPE, description="The list as .xlsx")
    def get(self, args):
        """The contract list as a workbook."""
        db = database.session()
        rows = ([c.number, c.kind.value, c.state.value, c.site_id, account.number,
                 account.tenant_name, c.starts_on, c.ends_on, c.signed_on or "", "、".join(c.signers or []),
                 naive_utc(c.in_force_at), naive_utc(c.ended_at), c.archive_cabinet, c.archive_box,
                 c.archive_number, c.pdf_sha256]
                for c, account in db.execute(_query(args).add_columns(TenantAccount).join(
                    TenantAccount, TenantAccount.id == SupplyContract.account_id)
                    .execution_options(yield_per=500)))
        spool = write_workbook([SheetSpec("Contracts", COLUMNS, rows)],
                               [("Report", "Supply contracts 供用电合同"), ("Times", "UTC")])
        return download(spool, f"wattkeeper-contracts-{date.today():%Y%m%d}.xlsx")


@blp.route("/renewals")
class Renewals(MethodView):
    @requires("contracts.read")
    @blp.arguments(RenewalQuerySchema, location="query")
    @blp.response(200, RenewalSchema(many=True))
    @blp.paginate(Page)
    def get(self, args):
        """Contracts in force that end within their site's lead time and have no successor
        drafted yet (续签提醒), soonest first."""
        site_ids = visible_site_ids()
        if args.get("site_id") is not None:
            load(Site, args["site_id"])
            site_ids = {args["site_id"]}
        db = database.session()
        found = renewals.due(db, today=datetime.now(UTC).date(), site_ids=site_ids)
        for contract in found:  # counted in the site's own calendar
            today = datetime.now(ZoneInfo(db.get(Site, contract.site_id).timezone)).date()
            contract.days_left = (contract.ends_on - today).days
        return found


@blp.route("/settings/<int:site_id>")
class Settings(MethodView):
    @requires("contracts.read")
    @blp.response(200, ContractSettingsSchema)
    def get(self, site_id):
        """The site's contract settings (defaults until saved)."""
        load(Site, site_id)
        return renewals.settings_of(database.session(), site_id)

    @requires("contracts.approve")
    @blp.arguments(ContractSettingsSchema)
    @blp.response(200, ContractSettingsSchema)
    def put(self, data, site_id):
        """Set how many days before its end a contract shows on the renewal list."""
        load(Site, site_id)
        return renewals.save_settings(database.session(), site_id, **data)


@blp.route("/<int:contract_id>")
class ContractById(MethodView):
    @requires("contracts.read")
    @blp.response(200, ContractSchema)
    def get(self, contract_id):
        """Get a contract."""
        return load(SupplyContract, contract_id)

    @requires("contracts.write")
    @blp.arguments(ContractEditSchema)
    @blp.response(200, ContractSchema)
    def patch(self, data, contract_id):
        """Change a draft's values, term or reason (history keeps what changed)."""
        load(SupplyContract, contract_id)
        return lifecycle.edit(database.session(), contract_id, data, operator_id=_operator())


@blp.route("/<int:contract_id>/approve")
class Approve(MethodView):
    @requires("contracts.approve")
    @blp.response(200, ContractSchema)
    def post(self, contract_id):
        """Approve a complete draft (someone other than who drafted or edited it)."""
        load(SupplyContract, contract_id)
        return lifecycle.approve(database.session(), contract_id, operator_id=_operator())


@blp.route("/<int:contract_id>/return")
class ReturnToDraft(MethodView):
    @requires("contracts.approve")
    @blp.arguments(ReasonSchema)
    @blp.response(200, ContractSchema)
    def post(self, data, contract_id):
        """Send an approved contract back to draft."""
        load(SupplyContract, contract_id)
        return lifecycle.return_to_draft(database.session(), contract_id, operator_id=_operator(),
                                         reason=data["reason"])


@blp.route("/<int:contract_id>/sign")
class Sign(MethodView):
    @requires("contracts.write")
    @blp.arguments(ContractSignSchema)
    @blp.response(200, ContractSchema)
    def post(self, data, contract_id):
        """Record the signatures: the contract comes into force, its terms become the
        account's, and its PDF is made with its sha256."""
        load(SupplyContract, contract_id)
        db = database.session()
        contract = lifecycle.sign(db, contract_id, signed_on=data["signed_on"],
                                  signers=data["signers"], operator_id=_operator())
        announce_after_commit(db, getattr(contract, "command_ids", ()))
        return contract


@blp.route("/<int:contract_id>/terminate")
class Terminate(MethodView):
    @requires("contracts.approve")
    @blp.arguments(ReasonSchema)
    @blp.response(200, ContractSchema)
    def post(self, data, contract_id):
        """End a contract in force, or cancel one that never came into force."""
        load(SupplyContract, contract_id)
        return lifecycle.terminate(database.session(), contract_id, operator_id=_operator(),
                                   reason=data["reason"])


@blp.route("/<int:contract_id>/archive")
class Archive(MethodView):
    @requires("contracts.write")
    @blp.arguments(ArchiveSchema)
    @blp.response(200, ContractSchema)
    def put(self, data, contract_id):
        """Record where the signed paper copy is filed (cabinet, box, number)."""
        load(SupplyContract, contract_id)
        return lifecycle.set_archive(database.session(), contract_id, data, operator_id=_operator())


@blp.route("/<int:contract_id>/changes")
class Changes(MethodView):
    @requires("contracts.read")
    @blp.response(200, ContractChangeSchema(many=True))
    def get(self, contract_id):
        """The contract's history: each step, what changed, who and when."""
        load(SupplyContract, contract_id)
        return database.session().scalars(select(SupplyContractChange).where(
            SupplyContractChange.contract_id == contract_id).order_by(SupplyContractChange.id)).all()


@blp.route("/<int:contract_id>/pdf")
class Pdf(MethodView):
    @requires("contracts.read")
    @blp.response(200, BINARY, content_type="application/pdf", description="The signed contract")
    def get(self, contract_id):
        """The signed contract's PDF, exactly as made at signing (its sha256 is on the contract)."""
        contract = load(SupplyContract, contract_id)
        document = database.session().get(SupplyContractDocument, contract.id)
        if document is None:
            raise NotFound("The contract is not signed yet; it has no PDF.")
        return Response(document.content, mimetype="application/pdf", headers={
            "Content-Disposition": f'attachment; filename="{contract.number}.pdf"',
            "X-Content-SHA256": document.sha256})
