"""Closed vocabularies stored as strings (checked by the database)."""

from __future__ import annotations

import enum

from sqlalchemy import Enum


class Framing(enum.StrEnum):
    """How a gateway carries Modbus: TCP framing, RTU frames over TCP, or a local serial port."""

    MODBUS_TCP = "modbus_tcp"
    RTU_OVER_TCP = "rtu_over_tcp"
    SERIAL = "serial"


class Parity(enum.StrEnum):
    EVEN = "E"
    NONE = "N"
    ODD = "O"


class ControlMode(enum.StrEnum):
    """Who keeps the money: the server (远程费控) or the meter's own wallet (本地费控)."""

    REMOTE = "remote"
    LOCAL = "local"


class MeterStatus(enum.StrEnum):
    NOT_OPENED = "not_opened"
    OPENED = "opened"
    CLOSED = "closed"  # account closed (销户)
    REPLACED = "replaced"
    SCRAPPED = "scrapped"


class Role(enum.StrEnum):
    ADMIN = "admin"
    FINANCE = "finance"
    OPERATOR = "operator"
    VIEWER = "viewer"
    AUDITOR = "auditor"
    KIOSK = "kiosk"


def db_enum(enum_class: type[enum.Enum], name: str) -> Enum:
    """A portable string column with a CHECK constraint listing the allowed values."""
    return Enum(
        enum_class,
        name=name,
        native_enum=False,
        create_constraint=True,
        validate_strings=True,
        values_callable=lambda members: [m.value for m in members],
        length=32,
    )
