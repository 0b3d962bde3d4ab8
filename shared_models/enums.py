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
    """A registry meter's standing with tenant accounts; where the device itself is (in stock,
    installed, removed, scrapped) is its asset state, `AssetState`."""

    NOT_OPENED = "not_opened"
    OPENED = "opened"
    CLOSED = "closed"  # its account use ended: account closed (销户) or the meter swapped out


class AssetState(enum.StrEnum):
    """Where a physical meter is in its life as a metering asset (电能计量资产)."""

    ARRIVED = "arrived"  # received in an arrival batch, not yet verified
    IN_STOCK = "in_stock"  # verified, on the shelf
    DISPATCHED = "dispatched"  # sent to a site, waiting to be installed
    INSTALLED = "installed"  # on a bus: a registry meter
    REMOVED = "removed"  # taken down (swap, rotation, fault, account closed)
    IN_REPAIR = "in_repair"
    SCRAPPED = "scrapped"  # approved by a second person; final
    RETURNED = "returned"  # sent back to the supplier (batch refused at acceptance); final


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
