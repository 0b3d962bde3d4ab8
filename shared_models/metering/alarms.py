"""Alarms: raise once per episode, clear on recovery, acknowledge by hand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import ColumnElement, Select, and_, exists, or_, select
from sqlalchemy.orm import Session

from shared_models import audit
from shared_models.errors import NotFound
from shared_models.models.accounts import AccountMeter
from shared_models.models.metering import Alarm, AlarmKind
from shared_models.types import utcnow


def subject_of(*, meter_id: int | None = None, account_id: int | None = None,
               gateway_id: int | None = None) -> str:
    """The one thing an alarm is about, used to keep one active alarm per kind and subject."""
    for name, value in (("meter", meter_id), ("account", account_id), ("gateway", gateway_id)):
        if value is not None:
            return f"{name}:{value}"
    raise ValueError("an alarm needs a meter, an account or a gateway")


Known = dict[tuple[AlarmKind, str], Alarm]


def active(db: Session, kind: AlarmKind, subject: str, known: Known | None = None) -> Alarm | None:
    if known is not None:
        return known.get((kind, subject))
    return db.scalar(select(Alarm).where(Alarm.kind == kind, Alarm.subject == subject,
                                         Alarm.cleared_at.is_(None)))


def active_among(db: Session, kinds: Iterable[AlarmKind], subjects: Iterable[str]) -> Known:
    """Every active alarm of these kinds on these subjects, in one query: pass it as `known`
    to several raise/clear calls on them instead of a lookup each."""
    rows = db.scalars(select(Alarm).where(Alarm.kind.in_(list(kinds)), Alarm.subject.in_(list(subjects)),
                                          Alarm.cleared_at.is_(None)))
    return {(alarm.kind, alarm.subject): alarm for alarm in rows}


def raise_alarm(db: Session, kind: AlarmKind, *, site_id: int, meter_id: int | None = None,
                account_id: int | None = None, gateway_id: int | None = None, detail: str = "",
                at: datetime | None = None, known: Known | None = None) -> tuple[Alarm, bool]:
    """The active alarm of this kind on this subject, and whether it was raised just now."""
    subject = subject_of(meter_id=meter_id, account_id=account_id, gateway_id=gateway_id)
    existing = active(db, kind, subject, known)
    if existing is not None:
        return existing, False
    alarm = Alarm(site_id=site_id, kind=kind, subject=subject, meter_id=meter_id,
                  account_id=account_id, gateway_id=gateway_id, detail=detail[:255],
                  raised_at=at or utcnow())
    db.add(alarm)
    db.flush()
    if known is not None:
        known[(kind, subject)] = alarm  # active for the next caller
    return alarm, True


def clear_alarm(db: Session, kind: AlarmKind, *, meter_id: int | None = None,
                account_id: int | None = None, gateway_id: int | None = None,
                at: datetime | None = None, known: Known | None = None) -> Alarm | None:
    """Clear the active alarm of this kind on this subject, if there is one."""
    subject = subject_of(meter_id=meter_id, account_id=account_id, gateway_id=gateway_id)
    alarm = active(db, kind, subject, known)
    if alarm is not None:
        alarm.cleared_at = at or utcnow()
        if known is not None:
            known.pop((kind, subject), None)  # no longer active for the next caller
        db.flush()
    return alarm


def acknowledge(db: Session, alarm_id: int, operator_id: int | None,
                at: datetime | None = None) -> Alarm:
    """An operator has seen the alarm; it stays active until its cause clears. Logged once:
    acknowledging again changes nothing."""
    alarm = db.scalar(select(Alarm).where(Alarm.id == alarm_id).with_for_update())
    if alarm is None:
        raise NotFound("No such {what}.", what="alarm")
    if alarm.acknowledged_at is None:
        alarm.acknowledged_at, alarm.acknowledged_by = at or utcnow(), operator_id
        db.flush()
        audit.record(db, "acknowledge", "alarms", alarm.id,
                     after={"kind": alarm.kind.value, "subject": alarm.subject})
    return alarm


def _while_attached() -> ColumnElement[bool]:
    """The alarm was active at some moment while the link joined its meter and account."""
    return and_(or_(AccountMeter.detached_at.is_(None), Alarm.raised_at < AccountMeter.detached_at),
                or_(Alarm.cleared_at.is_(None), Alarm.cleared_at > AccountMeter.attached_at))


def of_meter(meter_id: int) -> ColumnElement[bool]:
    """The meter's own alarms and the account alarms of the accounts it paid into meanwhile.

    A remote-mode meter's balance alarms are the account's (the wallet is on the account), so
    looking a tripped meter up by itself would find nothing of why it tripped.
    """
    return or_(Alarm.meter_id == meter_id, and_(Alarm.meter_id.is_(None), exists().where(
        AccountMeter.meter_id == meter_id, AccountMeter.account_id == Alarm.account_id, _while_attached())))


def of_account(account_id: int) -> ColumnElement[bool]:
    """The account's alarms and the alarms of the meters attached to it meanwhile."""
    return or_(Alarm.account_id == account_id, exists().where(
        AccountMeter.account_id == account_id, AccountMeter.meter_id == Alarm.meter_id, _while_attached()))


def listing(*, site_id: int | None = None, kind: AlarmKind | None = None, active: bool | None = None,
            meter_id: int | None = None, account_id: int | None = None) -> Select[tuple[Alarm]]:
    """The alarms matching every filter given, newest first."""
    stmt = select(Alarm)
    if site_id is not None:
        stmt = stmt.where(Alarm.site_id == site_id)
    if kind is not None:
        stmt = stmt.where(Alarm.kind == kind)
    if active is not None:
        stmt = stmt.where(Alarm.cleared_at.is_(None) if active else Alarm.cleared_at.is_not(None))
    if meter_id is not None:
        stmt = stmt.where(of_meter(meter_id))
    if account_id is not None:
        stmt = stmt.where(of_account(account_id))
    return stmt.order_by(Alarm.raised_at.desc(), Alarm.id.desc())
