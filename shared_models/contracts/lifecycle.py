"""A contract's life: drafted, edited, approved by a second person, signed into force,
superseded by a supplement or a re-signed contract, terminated; each step a history row."""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from shared_models.billing.modes import set_billing_mode
from shared_models.contracts import document, pdf, terms, variables
from shared_models.errors import InvalidValue, NotFound, RuleViolation
from shared_models.models import Site, TenantAccount
from shared_models.models.accounts import AccountStatus, BillingMode
from shared_models.models.contracts import (
    ContractKind,
    ContractState,
    ContractTemplateVersion,
    SupplyContract,
    SupplyContractChange,
    SupplyContractDocument,
    TemplateVersionState,
)
from shared_models.registry import get
from shared_models.sales import counters
from shared_models.sales.accounts import update_account
from shared_models.types import utcnow

SUPPLEMENT_SUFFIX = re.compile(r"-S[0-9]+$")  # HT-<site>-000007-S2: the 2nd supplement
MAX_SIGNERS = 6


def log(db: Session, contract: SupplyContract, action: str, operator_id: int | None, *,
        changes: Mapping[str, Any] | None = None, reason: str = "") -> None:
    db.add(SupplyContractChange(contract_id=contract.id, action=action, changes=dict(changes or {}),
                                reason=reason[:255], operator_id=operator_id))


def _lock(db: Session, contract_id: int) -> SupplyContract:
    contract = db.get(SupplyContract, contract_id, with_for_update=True, populate_existing=True)
    if contract is None:
        raise NotFound("No such {what}.", what="contract")
    return contract


def _require(contract: SupplyContract, *states: ContractState) -> None:
    if contract.state not in states:
        raise RuleViolation("The contract is {state}; this step needs it {needed}.",
                            state=contract.state.value, needed=" or ".join(s.value for s in states))


def _check_term(starts_on: date, ends_on: date) -> None:
    if ends_on <= starts_on:
        raise InvalidValue("The contract must end after it starts.", field="ends_on")


def _open_account(db: Session, account_id: int) -> TenantAccount:
    account = get(db, TenantAccount, account_id, field="account_id")
    if account.status != AccountStatus.OPEN:
        raise RuleViolation("The account is closed.", field="account_id")
    return account


def draft_from_template(db: Session, *, account_id: int, template_version_id: int,
                        values: Mapping[str, Any], starts_on: date, ends_on: date,
                        operator_id: int | None) -> SupplyContract:
    """A new contract for an account from a published template version; the version's
    defaults fill what `values` leaves out."""
    account = _open_account(db, account_id)
    version = get(db, ContractTemplateVersion, template_version_id, field="template_version_id")
    if version.state != TemplateVersionState.PUBLISHED or version.template.site_id != account.site_id:
        raise RuleViolation("Contracts are drawn from a published template version of the "
                            "account's site.", field="template_version_id")
    _check_term(starts_on, ends_on)
    site = db.get(Site, account.site_id)
    defaults = {v["name"]: v["default"] for v in version.variables if v.get("default") is not None}
    declared = {v["name"] for v in version.variables}
    current = {name: value for name, value in terms.current_terms(account, site.credit_cap).items()
               if name in declared}  # the account as it is, unless the contract says otherwise
    checked = variables.check_values(version.variables, {**defaults, **current, **values},
                                     complete=False)
    number = f"HT-{site.code}-{counters.next_value(db, site.id, 'contract'):06d}"
    return _insert(db, account, ContractKind.NEW, number, version.id, None, checked,
                   starts_on, ends_on, "", operator_id)


def draft_from_previous(db: Session, *, previous_id: int, kind: ContractKind,
                        values: Mapping[str, Any] | None = None, starts_on: date | None = None,
                        ends_on: date | None = None, reason: str, operator_id: int | None
                        ) -> SupplyContract:
    """A supplement (补充协议: the contract in force with some terms changed) or a re-signed
    contract (重签, renewal: a new number and usually a new term) from an account's previous
    contract, carrying its values over."""
    previous = get(db, SupplyContract, previous_id, field="previous_id")
    account = _open_account(db, previous.account_id)
    if not reason.strip():
        raise InvalidValue("Say why the contract changes.", field="reason")
    if kind == ContractKind.SUPPLEMENT and previous.state != ContractState.IN_FORCE:
        raise RuleViolation("A supplement changes the contract in force; this one is {state}.",
                            field="previous_id", state=previous.state.value)
    if previous.state not in (ContractState.IN_FORCE, ContractState.SUPERSEDED,
                              ContractState.TERMINATED):
        raise RuleViolation("Only a contract that was in force can be carried over.",
                            field="previous_id")
    version = previous.template_version
    checked = variables.check_values(version.variables, {**previous.values, **(values or {})},
                                     complete=False)
    starts_on, ends_on = starts_on or previous.starts_on, ends_on or previous.ends_on
    _check_term(starts_on, ends_on)
    if kind == ContractKind.SUPPLEMENT:
        root = SUPPLEMENT_SUFFIX.sub("", previous.number)
        count = db.scalar(select(func.count(SupplyContract.id)).where(
            SupplyContract.site_id == account.site_id, SupplyContract.number.like(f"{root}-S%")))
        number = f"{root}-S{count + 1}"
    else:
        site = db.get(Site, account.site_id)
        number = f"HT-{site.code}-{counters.next_value(db, site.id, 'contract'):06d}"
    contract = _insert(db, account, kind, number, version.id, previous.id, checked, starts_on,
                       ends_on, reason.strip(), operator_id)
    changed = terms.differences(previous.values, checked)
    for name, before, after in (("starts_on", previous.starts_on, starts_on),
                                ("ends_on", previous.ends_on, ends_on)):
        if before != after:
            changed[name] = [before.isoformat(), after.isoformat()]
    log(db, contract, "changes_proposed", operator_id, changes=changed, reason=reason)
    return contract


def _insert(db: Session, account: TenantAccount, kind: ContractKind, number: str, version_id: int,
            previous_id: int | None, values: dict[str, str], starts_on: date, ends_on: date,
            reason: str, operator_id: int | None) -> SupplyContract:
    contract = SupplyContract(site_id=account.site_id, account_id=account.id, number=number,
                              kind=kind, state=ContractState.DRAFT, template_version_id=version_id,
                              previous_id=previous_id, values=values, starts_on=starts_on,
                              ends_on=ends_on, reason=reason[:255], drafted_by_id=operator_id,
                              edited_by_id=operator_id, signers=[])
    db.add(contract)
    db.flush()
    log(db, contract, "drafted", operator_id, changes={"kind": [None, kind.value]}, reason=reason)
    return contract


def edit(db: Session, contract_id: int, changes: Mapping[str, Any], *,
         operator_id: int | None) -> SupplyContract:
    """Change a draft's values, term or reason; the history keeps what changed."""
    contract = _lock(db, contract_id)
    _require(contract, ContractState.DRAFT)
    before = {"starts_on": contract.starts_on.isoformat(), "ends_on": contract.ends_on.isoformat(),
              "reason": contract.reason, **contract.values}
    if "values" in changes:
        merged = {**contract.values, **(changes["values"] or {})}
        contract.values = variables.check_values(contract.template_version.variables,
                                                 {k: v for k, v in merged.items() if v is not None},
                                                 complete=False)
    contract.starts_on = changes.get("starts_on") or contract.starts_on
    contract.ends_on = changes.get("ends_on") or contract.ends_on
    _check_term(contract.starts_on, contract.ends_on)
    if changes.get("reason") is not None:
        contract.reason = str(changes["reason"])[:255]
    after = {"starts_on": contract.starts_on.isoformat(), "ends_on": contract.ends_on.isoformat(),
             "reason": contract.reason, **contract.values}
    diff = terms.differences(before, after)
    if diff:
        contract.edited_by_id = operator_id
        log(db, contract, "edited", operator_id, changes=diff)
    db.flush()
    return contract


def approve(db: Session, contract_id: int, *, operator_id: int) -> SupplyContract:
    """A second person checks the draft: complete values, and not the one who wrote it."""
    contract = _lock(db, contract_id)
    _require(contract, ContractState.DRAFT)
    if operator_id in (contract.drafted_by_id, contract.edited_by_id):
        raise RuleViolation("A contract must be approved by someone other than who drafted or "
                            "edited it.")
    variables.check_values(contract.template_version.variables, contract.values, complete=True)
    terms.account_terms(contract.values)
    contract.state, contract.approved_by_id, contract.approved_at = (
        ContractState.APPROVED, operator_id, utcnow())
    log(db, contract, "approved", operator_id)
    db.flush()
    return contract


def return_to_draft(db: Session, contract_id: int, *, operator_id: int | None,
                    reason: str = "") -> SupplyContract:
    """Send an approved contract back for changes (the approval lapses)."""
    contract = _lock(db, contract_id)
    _require(contract, ContractState.APPROVED)
    contract.state, contract.approved_by_id, contract.approved_at = ContractState.DRAFT, None, None
    log(db, contract, "returned", operator_id, reason=reason)
    db.flush()
    return contract


def sign(db: Session, contract_id: int, *, signed_on: date, signers: list[str],
         operator_id: int | None, now: datetime | None = None) -> SupplyContract:
    """Both parties signed: the contract comes into force, its terms become the account's,
    the contract it follows is superseded, and the signed copy is made as a PDF with its hash.
    A change of billing mode settles the meters first; the commands that queued are in
    `contract.command_ids` for the caller to announce after commit."""
    now = now or utcnow()
    contract = _lock(db, contract_id)
    _require(contract, ContractState.APPROVED)
    site = db.get(Site, contract.site_id)
    if signed_on > now.astimezone(ZoneInfo(site.timezone)).date():
        raise InvalidValue("A contract cannot be signed in the future.", field="signed_on")
    names = [str(name).strip() for name in signers if str(name).strip()]
    if len(names) < 2 or len(names) > MAX_SIGNERS:
        raise InvalidValue("Both parties sign: name at least 2 and at most {most} signers.",
                           field="signers", most=MAX_SIGNERS)
    account = _open_account(db, contract.account_id)
    if contract.previous_id is not None:
        previous = _lock(db, contract.previous_id)
        if previous.state == ContractState.IN_FORCE:
            previous.state, previous.ended_at = ContractState.SUPERSEDED, now
            previous.end_reason = f"superseded by {contract.number}"
            log(db, previous, "superseded", operator_id, reason=contract.number)
            db.flush()  # one contract in force per account: the old one leaves first
    current = db.scalar(select(SupplyContract).where(
        SupplyContract.account_id == account.id, SupplyContract.state == ContractState.IN_FORCE))
    if current is not None:
        raise RuleViolation("Contract {number} is in force for this account: draw a supplement or "
                            "a re-signed contract from it.", number=current.number)
    contract.signed_on, contract.signers = signed_on, names
    contract.state, contract.in_force_at = ContractState.IN_FORCE, now
    update_account(db, account, terms.account_terms(contract.values), by_contract=True)
    if contract.values.get("billing_mode"):  # settled first, by the billing service
        _account, contract.command_ids = set_billing_mode(
            db, account.id, BillingMode(contract.values["billing_mode"]), now=now)
    signed_copy = pdf.render(document.view_of(db, contract))
    contract.pdf_sha256 = hashlib.sha256(signed_copy).hexdigest()
    db.add(SupplyContractDocument(contract_id=contract.id, content=signed_copy,
                                  sha256=contract.pdf_sha256))
    log(db, contract, "signed", operator_id,
        changes={"signed_on": [None, signed_on.isoformat()], "signers": [None, names],
                 "pdf_sha256": [None, contract.pdf_sha256]})
    db.flush()
    return contract


def terminate(db: Session, contract_id: int, *, operator_id: int | None, reason: str,
              now: datetime | None = None) -> SupplyContract:
    """End a contract in force by decision, or cancel one that never came into force. The
    account keeps the settings it has; they are no longer a contract's."""
    contract = _lock(db, contract_id)
    if not reason.strip():
        raise InvalidValue("Say why the contract ends.", field="reason")
    end(db, contract, operator_id=operator_id, reason=reason.strip(), now=now)
    db.flush()
    return contract


def end(db: Session, contract: SupplyContract, *, operator_id: int | None, reason: str,
        now: datetime | None = None) -> None:
    """Terminate (in force) or cancel (draft, approved) one contract the caller holds."""
    _require(contract, ContractState.DRAFT, ContractState.APPROVED, ContractState.IN_FORCE)
    action = "terminated" if contract.state == ContractState.IN_FORCE else "cancelled"
    contract.state = ContractState(action)
    contract.ended_at, contract.end_reason = now or utcnow(), reason[:255]
    log(db, contract, action, operator_id, reason=reason)


def set_archive(db: Session, contract_id: int, location: Mapping[str, str], *,
                operator_id: int | None) -> SupplyContract:
    """Where the signed paper copy is filed: cabinet, box, number (档案柜、盒、号)."""
    contract = _lock(db, contract_id)
    if contract.signed_on is None:
        raise RuleViolation("Only a signed contract has a paper copy to file.")
    before = {"cabinet": contract.archive_cabinet, "box": contract.archive_box,
              "number": contract.archive_number}
    for key in ("cabinet", "box", "number"):
        if not str(location.get(key) or "").strip():
            raise InvalidValue("Give the {what} where the paper copy is filed.", field=key, what=key)
    contract.archive_cabinet = location["cabinet"].strip()
    contract.archive_box = location["box"].strip()
    contract.archive_number = location["number"].strip()
    after = {"cabinet": contract.archive_cabinet, "box": contract.archive_box,
             "number": contract.archive_number}
    log(db, contract, "archived", operator_id, changes=terms.differences(before, after))
    db.flush()
    return contract
