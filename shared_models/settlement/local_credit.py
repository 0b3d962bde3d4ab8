"""Local-mode money (本地费控): wallet credit pushed onto meters, and what the meters consume.

The money a local-mode meter holds sits in the site's meter-held account. A push moves the
wallet onto it (wallet -> meter-held) with a recharge command carrying the meter's next
purchase count; consumption is the fall of the meter's balance between readings, after the
verified pushes whose counts the meter shows (meter-held -> energy revenue). Every movement
has an external key, so none is booked twice:
- `pushback:<command>`: a failed or expired push the meter never took goes back to the wallet;
- `reapply:<command>`: ... and comes off the wallet again if the meter shows its count after all;
- `unshown:<command>` / `shown:<command>`: a verified push whose count a later reading does not
  show is parked in suspense (and brought back if it shows up);
- `stray:<meter>:<reading>`: balance the meter gained or lost that no known push explains (a
  purchase count the ledger does not know, a reset meter), parked in suspense for a person.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from sqlalchemy import String, cast, exists, func, literal, select
from sqlalchemy.orm import Session

from shared_models.enums import ControlMode
from shared_models.ledger.books import lock_account, site_account
from shared_models.ledger.posting import Entry, post
from shared_models.ledger.rules import transfer
from shared_models.metering.freshness import is_stale
from shared_models.metering.meter_history import Point
from shared_models.metering.meter_states import state_of
from shared_models.models import (
    AccountMeter,
    Command,
    LedgerTransaction,
    Meter,
    Posting,
    Site,
)
from shared_models.models.accounts import AccountStatus
from shared_models.models.commands import CommandKind, CommandOrigin, CommandState
from shared_models.models.ledger import AccountKind, TransactionKind
from shared_models.remote_control import outbox
from shared_models.types import utcnow

DEAD = (CommandState.FAILED, CommandState.EXPIRED)
ZERO = Decimal("0.00")


def posted(db: Session, site_id: int, key: str) -> bool:
    return db.scalar(select(LedgerTransaction.id).where(
        LedgerTransaction.site_id == site_id, LedgerTransaction.external_key == key)) is not None


def _move(db: Session, site_id: int, source_id: int, target_id: int, amount: Decimal, key: str,
          reason: str, *, kind: TransactionKind = TransactionKind.TRANSFER,
          overdraw: bool = False, corrects_id: int | None = None) -> None:
    """One transfer under an external key; nothing if it is zero or the key was posted."""
    if amount <= 0 or posted(db, site_id, key):
        return
    post(db, site_id=site_id, kind=kind, legs=transfer(source_id, target_id, amount), reason=reason,
         external_key=key, corrects_id=corrects_id, may_overdraw={source_id} if overdraw else ())


def local_meter_of(db: Session, account_id: int) -> Meter | None:
    """The account's local-mode meter that receives its credit (the first attached)."""
    return db.scalar(select(Meter).join(AccountMeter, AccountMeter.meter_id == Meter.id)
                     .where(AccountMeter.account_id == account_id,
                            AccountMeter.detached_at.is_(None),
                            Meter.control_mode == ControlMode.LOCAL)
                     .order_by(AccountMeter.id).limit(1))


def _pushes(meter_id: int):
    return select(Command).where(Command.meter_id == meter_id, Command.kind == CommandKind.RECHARGE)


def next_purchase_count(db: Session, meter_id: int, stored: int | None) -> int:
    """The meter's count + the pushes still on their way (or done but not yet read) + 1."""
    top = db.scalar(select(func.max(Command.purchase_count)).where(
        Command.meter_id == meter_id, Command.kind == CommandKind.RECHARGE,
        Command.state.not_in(DEAD)))
    return max(stored or 0, top or 0) + 1


def push_credit(db: Session, account_id: int, *, now: datetime | None = None) -> Command | None:
    """Move the account's whole wallet balance onto its local-mode meter with a recharge
    command. Nothing when there is no such meter, nothing to push, or the meter's data is
    stale (the next settlement after a fresh reading pushes it). The caller commits, then
    announces the command."""
    meter = local_meter_of(db, account_id)
    if meter is None:
        return None
    account, wallet = lock_account(db, account_id)  # before the meter state, as a sale locks
    if account.status != AccountStatus.OPEN:
        return None
    site = db.get(Site, account.site_id)
    state = state_of(db, meter.id, lock=True)
    if is_stale(state.last_read_at, site.poll_interval_s, now or utcnow()):
        return None
    amount = wallet.balance
    if amount <= ZERO:
        return None
    count = next_purchase_count(db, meter.id, state.purchase_count)
    held = site_account(db, site.id, AccountKind.METER_HELD)
    txn = post(db, site_id=site.id, kind=TransactionKind.TRANSFER,
               legs=transfer(wallet.id, held.id, amount),
               reason=f"recharge push to meter {meter.serial_number}, purchase {count}")
    return outbox.issue(db, meter_id=meter.id, kind=CommandKind.RECHARGE,
                          payload={"amount": str(amount), "order_reference": txn.id,
                                   "customer_number": account.id},
                          origin=CommandOrigin.AUTOMATIC, purchase_count=count,
                          ledger_transaction_id=txn.id)


def _amount(command: Command) -> Decimal:
    return Decimal(str(command.payload["amount"]))


def _wallet_of_push(db: Session, command: Command) -> int:
    """The wallet the push took its money from (the negative leg of its transfer)."""
    return db.scalar(select(Posting.account_id).where(
        Posting.transaction_id == command.ledger_transaction_id, Posting.amount < 0))


def refund_failed_pushes(db: Session, site: Site, meter_id: int, last_read_at: datetime | None,
                         stored_count: int | None) -> None:
    """Give back, once, the money of pushes that failed or expired and that the meter, read
    after they finished, does not show."""
    key = literal("pushback:") + cast(Command.id, String)
    dead = db.scalars(_pushes(meter_id).where(
        Command.state.in_(DEAD), Command.ledger_transaction_id.is_not(None),
        ~exists().where(LedgerTransaction.site_id == site.id,
                        LedgerTransaction.external_key == key)).order_by(Command.id)).all()
    if not dead:
        return
    held = site_account(db, site.id, AccountKind.METER_HELD)
    for command in dead:
        if last_read_at is None or command.finished_at is None or last_read_at <= command.finished_at:
            continue  # not read since it finished: the meter may still show it
        if (stored_count or 0) >= command.purchase_count and _alive_twin(db, command) is None:
            continue  # the meter took it after all; booking sees the count and keeps the money
        _move(db, site.id, held.id, _wallet_of_push(db, command), _amount(command),
              f"pushback:{command.id}", f"recharge push {command.id} {command.state.value}: "
              "money back to the wallet", corrects_id=command.ledger_transaction_id)


def _alive_twin(db: Session, command: Command) -> Command | None:
    """A later push that reused this failed push's purchase count."""
    return db.scalar(_pushes(command.meter_id).where(
        Command.purchase_count == command.purchase_count, Command.state.not_in(DEAD),
        Command.id != command.id).limit(1))


def book_consumption(db: Session, site: Site, meter: Meter, start: Point, end: Point,
                     estimate: Callable[[], Decimal], *, batch: Deferred | None = None) -> None:
    """Book one interval of a local-mode meter from the fall of its balance.

    `estimate` prices the interval's energy with the tariff; it is only used when the meter
    shows purchase counts the ledger did not push (or went backwards), where the balance alone
    cannot tell consumption from credit. `batch`: the consumption and any stray balance join
    a settlement batch's one ledger write instead of being posted one by one (they move only
    the site's accounts, which keep no balance, so nothing read before that write depends on
    them).
    """
    if start.balance is None or start.purchase_count is None or end.reading_id is None:
        return  # a swap's start point holds no meter wallet: the next reading is the baseline
    held = site_account(db, site.id, AccountKind.METER_HELD)
    suspense = site_account(db, site.id, AccountKind.SUSPENSE)
    counts = range(start.purchase_count + 1, end.purchase_count + 1)
    by_count: dict[int, Command] = {}
    for command in () if not counts else db.scalars(  # no new purchase: no push to look up
            _pushes(meter.id).where(Command.purchase_count.in_(list(counts))).order_by(Command.id)):
        current = by_count.get(command.purchase_count)
        if current is None or current.state in DEAD or command.state not in DEAD:
            by_count[command.purchase_count] = command
    known = ZERO
    for command in by_count.values():
        known += _amount(command)
        if command.state in DEAD and posted(db, site.id, f"pushback:{command.id}"):
            _move(db, site.id, _wallet_of_push(db, command), held.id, _amount(command),
                  f"reapply:{command.id}", f"meter shows purchase {command.purchase_count} "
                  "of a push refunded as failed", overdraw=True)
        if posted(db, site.id, f"unshown:{command.id}"):
            _move(db, site.id, suspense.id, held.id, _amount(command), f"shown:{command.id}",
                  f"meter shows purchase {command.purchase_count} late")
    _park_unshown(db, site, meter, end, held.id, suspense.id)
    fall = start.balance + known - end.balance
    trusted = len(by_count) == len(counts) and end.purchase_count >= start.purchase_count
    consumed = max(fall, ZERO) if trusted else max(estimate(), ZERO)
    stray = consumed - fall  # > 0: credit from nowhere we know; < 0: money vanished
    reading = end.reading_id
    move = _move if batch is None else batch.move
    move(db, site.id, held.id, site_account(db, site.id, AccountKind.ENERGY_REVENUE).id, consumed,
         f"consume:{meter.id}:{reading}", f"meter {meter.serial_number}: balance "
         f"{start.balance} -> {end.balance}", kind=TransactionKind.CONSUMPTION)
    if stray > 0:
        move(db, site.id, suspense.id, held.id, stray, f"stray:{meter.id}:{reading}",
             f"meter {meter.serial_number} gained {stray} no push explains "
             f"(purchase {start.purchase_count} -> {end.purchase_count})")
    elif stray < 0:
        move(db, site.id, held.id, suspense.id, -stray, f"stray:{meter.id}:{reading}",
             f"meter {meter.serial_number} lost {-stray} beyond its consumption")


class Deferred:
    """Transfers that wait for a batch's ledger write (`post_many`): `entries` to post, and the
    keys already posted or waiting, `posted` (as `(site id, key)`), which it keeps up to date.
    The batch read whether each of its readings' consumption keys is posted, so for those
    `posted` is the whole answer; other keys are looked up."""

    KNOWN = "consume:"

    def __init__(self, entries: list[Entry], posted: set[tuple[int, str]]) -> None:
        self.entries, self.posted = entries, posted

    def move(self, db: Session, site_id: int, source_id: int, target_id: int, amount: Decimal,
             key: str, reason: str, *, kind: TransactionKind = TransactionKind.TRANSFER) -> None:
        """`_move`, deferred: nothing if it is zero or the key was posted."""
        if amount <= 0 or (site_id, key) in self.posted \
                or (not key.startswith(self.KNOWN) and posted(db, site_id, key)):
            return
        self.entries.append(Entry(site_id=site_id, kind=kind, external_key=key, reason=reason,
                                  legs=transfer(source_id, target_id, amount)))
        self.posted.add((site_id, key))


def _park_unshown(db: Session, site: Site, meter: Meter, end: Point, held_id: int,
                  suspense_id: int) -> None:
    """Verified pushes a reading taken after their verification does not show."""
    for command in db.scalars(_pushes(meter.id).where(
            Command.state == CommandState.VERIFIED, Command.purchase_count > end.purchase_count,
            Command.finished_at < end.read_at)):
        _move(db, site.id, held_id, suspense_id, _amount(command), f"unshown:{command.id}",
              f"verified push {command.id} (purchase {command.purchase_count}) not on the meter")
