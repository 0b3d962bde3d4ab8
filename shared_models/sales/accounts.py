"""Tenant account lifecycle: open (开户), meters, thresholds, meter swap (换表), close (销户)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models.assets import lifecycle
from shared_models.enums import MeterStatus
from shared_models.errors import NotFound, RuleViolation
from shared_models.ledger.books import (
    ensure_site_accounts,
    lock_account,
    open_wallet,
    site_account,
    wallet_of,
)
from shared_models.ledger.posting import post
from shared_models.ledger.rules import check_credit_cap, transfer
from shared_models.models import AccountMeter, LedgerAccount, Meter, MeterSwap, Site, TenantAccount, Unit
from shared_models.models.accounts import AccountStatus
from shared_models.models.contracts import ContractState, SupplyContract, SupplyContractChange
from shared_models.models.ledger import AccountKind, Channel, TransactionKind
from shared_models.money import energy, money
from shared_models.registry import check_not_negative, get
from shared_models.sales import counters, sales
from shared_models.types import utcnow

PROFILE_FIELDS = ("tenant_name", "phone", "unit_id", "alarm1_threshold", "alarm2_threshold",
                  "arrears_rule", "credit_cap")
# Set by the supply contract in force, when there is one (shared_models.contracts.terms).
CONTRACT_TERMS = ("credit_cap", "alarm1_threshold", "alarm2_threshold", "arrears_rule")


CONTRACT_OPEN_STATES = (ContractState.DRAFT, ContractState.APPROVED, ContractState.IN_FORCE)


def open_account(db: Session, values: dict[str, Any], *, operator_id: int | None,
                 external_key: str | None = None) -> TenantAccount:
    """Open an account on meters never opened before, with an optional opening balance that is
    either paid now through a counter channel (a recharge with a receipt) or carried over from
    an old meter (money the meters held moves into the wallet)."""
    site = get(db, Site, values["site_id"])
    meter_ids = list(dict.fromkeys(values.get("meter_ids") or []))
    if not meter_ids:
        raise RuleViolation("An account needs at least one meter.", field="meter_ids")
    opening = money(values.get("opening_balance") or 0)
    channel, carried_from = values.get("opening_channel"), values.get("carried_over_from")
    if opening < 0 or (opening > 0 and (channel is None) == (not carried_from)):
        raise RuleViolation("An opening balance is either paid through a channel or carried over "
                            "from an old meter.", field="opening_balance")
    number = counters.next_value(db, site.id, "account")  # serialises openings per site
    ensure_site_accounts(db, site.id)
    account = TenantAccount(site_id=site.id, number=f"{site.code}-{number:06d}",
                            alarm1_threshold=site.alarm1_threshold,
                            alarm2_threshold=site.alarm2_threshold)
    update_account(db, account, {k: v for k, v in values.items() if k in PROFILE_FIELDS})
    open_wallet(db, account)
    for meter_id in meter_ids:
        _attach(db, account, meter_id)
    if opening > 0 and carried_from:
        check_credit_cap(Decimal("0.00"), opening, site.credit_cap)
        held = site_account(db, site.id, AccountKind.METER_HELD)
        post(db, site_id=site.id, kind=TransactionKind.OPENING,
             legs=transfer(held.id, wallet_of(db, account.id).id, opening),
             reason=f"balance carried over from meter {carried_from}", operator_id=operator_id,
             external_key=external_key)
    elif opening > 0:
        sale = sales.recharge(db, account_id=account.id, amount=opening, channel=channel,
                              operator_id=operator_id, external_key=external_key, reason="opening balance")
        account.command_ids = sale.command_ids  # a local-mode push: the caller announces it
    return account


def update_account(db: Session, account: TenantAccount, values: dict[str, Any], *,
                   by_contract: bool = False) -> TenantAccount:
    """Change the tenant's details, alarm thresholds, credit cap or arrears rule. While a
    supply contract is in force its terms are set by the contract alone (`by_contract`), so
    the contract and the account never disagree: a change takes a supplement."""
    check_not_negative(values, ("alarm1_threshold", "alarm2_threshold", "credit_cap"))
    if not by_contract and account.id is not None:
        _check_contract_terms(db, account, values)
    if values.get("unit_id") is not None:
        unit = get(db, Unit, values["unit_id"])
        if unit.floor.building.site_id != account.site_id:
            raise RuleViolation("The unit belongs to another site.", field="unit_id")
    for name, value in values.items():
        setattr(account, name, value)
    if account.alarm2_threshold > account.alarm1_threshold:
        raise RuleViolation("Alarm threshold 2 must not exceed alarm threshold 1.",
                            field="alarm2_threshold")
    db.add(account)
    db.flush()
    return account


def _check_contract_terms(db: Session, account: TenantAccount, values: dict[str, Any]) -> None:
    changed = [name for name in CONTRACT_TERMS if name in values and values[name] != getattr(account, name)]
    if not changed:
        return
    number = db.scalar(select(SupplyContract.number).where(
        SupplyContract.account_id == account.id, SupplyContract.state == ContractState.IN_FORCE))
    if number is not None:
        raise RuleViolation("Contract {number} sets this; change it by a supplement to the contract.",
                            field=changed[0], number=number)


def _end_contracts(db: Session, account: TenantAccount, operator_id: int | None) -> None:
    """A closed account's contracts end with it: the one in force is terminated, drafts are
    cancelled, each with its history row."""
    for contract in db.scalars(select(SupplyContract).where(
            SupplyContract.account_id == account.id,
            SupplyContract.state.in_(CONTRACT_OPEN_STATES)).with_for_update()):
        action = "terminated" if contract.state == ContractState.IN_FORCE else "cancelled"
        contract.state, contract.ended_at, contract.end_reason = (
            ContractState(action), utcnow(), "account closed")
        db.add(SupplyContractChange(contract_id=contract.id, action=action,
                                    reason="account closed", operator_id=operator_id))


def _attach(db: Session, account: TenantAccount, meter_id: int, field: str = "meter_ids") -> Meter:
    # A meter of another site reads as unknown: the caller may not see that site at all.
    meter = get(db, Meter, meter_id, lock=True, field=field, site_id=account.site_id)
    if meter.status != MeterStatus.NOT_OPENED:
        raise RuleViolation("Meter {serial} is {status}, not available for an account.",
                            field=field, serial=meter.serial_number, status=meter.status.value)
    lifecycle.check_installed(db, meter, field)
    meter.status = MeterStatus.OPENED
    db.add(AccountMeter(account=account, meter_id=meter.id))
    db.flush()
    return meter


def _link(db: Session, account: TenantAccount, meter_id: int) -> AccountMeter:
    link = db.scalar(select(AccountMeter).where(AccountMeter.account_id == account.id,
                                                AccountMeter.meter_id == meter_id,
                                                AccountMeter.detached_at.is_(None)))
    if link is None:
        raise NotFound("The meter is not on this account.")
    return link


def _require_open(db: Session, account: TenantAccount) -> LedgerAccount:
    """Lock the account (and its wallet) and check it is still open; returns the wallet."""
    account, wallet = lock_account(db, account.id)  # refreshes the caller's account in place
    if account.status != AccountStatus.OPEN:
        raise RuleViolation("The account is closed.")
    return wallet


def add_meter(db: Session, account: TenantAccount, meter_id: int) -> TenantAccount:
    _require_open(db, account)
    _attach(db, account, meter_id, "meter_id")
    return account


def remove_meter(db: Session, account: TenantAccount, meter_id: int) -> TenantAccount:
    """Take a meter off the account; it is free to be opened on another one."""
    _require_open(db, account)
    link = _link(db, account, meter_id)
    if len(account.meters) <= 1:
        raise RuleViolation("An account keeps at least one meter; close the account instead.")
    link.detached_at = utcnow()
    link.meter.status = MeterStatus.NOT_OPENED
    db.flush()
    return account


def swap_meter(db: Session, account: TenantAccount, values: dict[str, Any], *,
               operator_id: int | None) -> MeterSwap:
    """Replace a meter: the old one's final reading and the new one's starting reading join
    the two registers into one usage history; the balance stays in the account's wallet. The
    old meter's device is removed and the new one commissioned, as asset events of the swap."""
    _require_open(db, account)
    final, start = energy(values["old_final_reading"]), energy(values["new_start_reading"])
    if final < 0 or start < 0:
        raise RuleViolation("Meter readings cannot be negative.")
    link = _link(db, account, values["old_meter_id"])
    old = link.meter
    new = _attach(db, account, values["new_meter_id"], "new_meter_id")
    link.detached_at = utcnow()
    old.status = MeterStatus.CLOSED
    if new.unit_id is None:
        new.unit_id = old.unit_id
    swap = MeterSwap(account_id=account.id, old_meter_id=old.id, new_meter_id=new.id,
                     old_final_reading=final, new_start_reading=start,
                     reason=values.get("reason", ""), operator_id=operator_id)
    db.add(swap)
    db.flush()
    lifecycle.record_swap(db, swap, operator_id=operator_id, old_seals=values.get("old_seals", ""),
                          new_seals=values.get("new_seals", ""))
    return swap


def close_account(db: Session, account: TenantAccount, values: dict[str, Any], *,
                  operator_id: int, external_key: str | None = None) -> TenantAccount:
    """销户: book the final charge, refund what is left through the chosen channel (held for
    approval above the site's threshold), close every meter and the account."""
    wallet = _require_open(db, account)
    final_charge = money(values.get("final_charge") or 0)
    if final_charge > 0:
        revenue = site_account(db, account.site_id, AccountKind.ENERGY_REVENUE)
        post(db, site_id=account.site_id, kind=TransactionKind.CONSUMPTION,
             legs=transfer(wallet.id, revenue.id, final_charge), reason="final settlement",
             operator_id=operator_id, may_overdraw={wallet.id}, locked=(wallet,))
    if wallet.balance < 0:
        raise RuleViolation("The account owes {owed}; settle it before closing.",
                            owed=-wallet.balance)
    if wallet.balance > 0:
        if values.get("refund_channel") is None:
            raise RuleViolation("Choose the channel through which {amount} is refunded.",
                                field="refund_channel", amount=wallet.balance)
        sales.refund(db, account_id=account.id, amount=wallet.balance,
                     channel=Channel(values["refund_channel"]), operator_id=operator_id,
                     external_key=external_key, reason="account closed")
    for link in account.links:
        if link.detached_at is None:
            link.detached_at = utcnow()
            link.meter.status = MeterStatus.CLOSED
    account.status, account.closed_at = AccountStatus.CLOSED, utcnow()
    _end_contracts(db, account, operator_id)
    db.flush()
    return account
