"""Alarms: raise once per episode, clear on recovery, acknowledge by hand."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from shared_models import audit
from shared_models.errors import NotFound
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
    return alarm, True


def clear_alarm(db: Session, kind: AlarmKind, *, meter_id: int | None = None,
                account_id: int | None = None, gateway_id: int | None = None,
                at: datetime | None = None, known: Known | None = None) -> Alarm | None:
    """Clear the active alarm of this kind on this subject, if there is one."""
    alarm = active(db, kind, subject_of(meter_id=meter_id, account_id=account_id,
                                        gateway_id=gateway_id), known)
    if alarm is not None:
        alarm.cleared_at = at or utcnow()
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
