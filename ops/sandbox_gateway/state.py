"""The sandbox's own records (orders, refunds, notifies and their attempts) in an SQLite file.

Amounts are integer fen whatever the gateway speaks; times are UNIX seconds (UTC). One
connection behind a lock serves the request threads and the notify sender alike."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from pathlib import Path
from typing import Any

SCHEMA = """
CREATE TABLE IF NOT EXISTS orders (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gateway TEXT NOT NULL, merchant TEXT NOT NULL, out_trade_no TEXT NOT NULL,
    trade_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,                 -- qr, wap, jsapi, code
    amount INTEGER NOT NULL,            -- fen
    subject TEXT NOT NULL DEFAULT '',
    notify_url TEXT NOT NULL DEFAULT '', return_url TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL,               -- WAITING USERPAYING PAID CLOSED DECLINED PAYERROR REVOKED
    created_at REAL NOT NULL, paid_at REAL, closed_at REAL, expire_at REAL,
    pay_due_at REAL,                    -- a code payment's USERPAYING ends then (NULL: never)
    outcome TEXT NOT NULL DEFAULT '',   -- a code payment's scripted end: success, declined, insufficient
    auth_code TEXT NOT NULL DEFAULT '',
    wallet_token TEXT NOT NULL UNIQUE,
    payer TEXT NOT NULL DEFAULT '',
    omit_from_bill INTEGER NOT NULL DEFAULT 0,
    extra TEXT NOT NULL DEFAULT '{}',
    UNIQUE (gateway, merchant, out_trade_no)
);
CREATE TABLE IF NOT EXISTS refunds (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gateway TEXT NOT NULL, order_id INTEGER NOT NULL REFERENCES orders (id),
    out_refund_no TEXT NOT NULL, refund_no TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL,                 -- refund, cancel (UnionPay same-day), reverse (code payment)
    amount INTEGER NOT NULL,
    status TEXT NOT NULL,               -- PROCESSING SUCCESS
    created_at REAL NOT NULL, due_at REAL, succeeded_at REAL,
    notify_url TEXT NOT NULL DEFAULT '',
    omit_from_bill INTEGER NOT NULL DEFAULT 0,
    extra TEXT NOT NULL DEFAULT '{}',
    UNIQUE (gateway, order_id, out_refund_no)
);
CREATE TABLE IF NOT EXISTS notifies (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    gateway TEXT NOT NULL, order_id INTEGER NOT NULL, refund_id INTEGER,
    url TEXT NOT NULL, event TEXT NOT NULL,
    payload TEXT NOT NULL,              -- the fields before signing, as JSON
    forge INTEGER NOT NULL DEFAULT 0,   -- sign with a key that is not the gateway's
    status TEXT NOT NULL,               -- pending delivered dropped gave_up
    tries INTEGER NOT NULL DEFAULT 0,
    next_at REAL, created_at REAL NOT NULL, script TEXT NOT NULL DEFAULT ''
);
CREATE TABLE IF NOT EXISTS attempts (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    notify_id INTEGER NOT NULL REFERENCES notifies (id),
    at REAL NOT NULL, http_status INTEGER, reply TEXT NOT NULL DEFAULT '',
    error TEXT NOT NULL DEFAULT '', delivered INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS notifies_due ON notifies (status, next_at);
"""

Row = dict[str, Any]


def _row(row: sqlite3.Row | None) -> Row | None:
    if row is None:
        return None
    found = dict(row)
    if "extra" in found:
        found["extra"] = json.loads(found["extra"])
    if "payload" in found:
        found["payload"] = json.loads(found["payload"])
    return found


def _encode(fields: dict) -> dict:
    encoded = dict(fields)
    for name in ("extra", "payload"):
        if name in encoded and not isinstance(encoded[name], str):
            encoded[name] = json.dumps(encoded[name], ensure_ascii=False)
    return encoded


class Store:
    """Orders, refunds and notifies of every gateway; each method is one short transaction."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(str(path), check_same_thread=False, isolation_level=None)
        self._db.row_factory = sqlite3.Row
        self._lock = threading.RLock()
        with self._lock:
            self._db.execute("PRAGMA journal_mode=WAL")
            self._db.executescript(SCHEMA)

    def _one(self, sql: str, *args: Any) -> Row | None:
        with self._lock:
            return _row(self._db.execute(sql, args).fetchone())

    def _all(self, sql: str, *args: Any) -> list[Row]:
        with self._lock:
            return [_row(r) for r in self._db.execute(sql, args).fetchall()]

    def _insert(self, table: str, fields: dict) -> int:
        fields = _encode(fields)
        names = ", ".join(fields)
        marks = ", ".join("?" for _ in fields)
        with self._lock:
            return self._db.execute(
                f"INSERT INTO {table} ({names}) VALUES ({marks})", tuple(fields.values())
            ).lastrowid

    def _update(self, table: str, row_id: int, fields: dict) -> None:
        fields = _encode(fields)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        with self._lock:
            self._db.execute(f"UPDATE {table} SET {assignments} WHERE id = ?", (*fields.values(), row_id))

    # Orders

    def add_order(self, **fields: Any) -> Row:
        fields.setdefault("created_at", time.time())
        return self.order(self._insert("orders", fields))

    def order(self, order_id: int) -> Row | None:
        return self._one("SELECT * FROM orders WHERE id = ?", order_id)

    def find_order(self, gateway: str, merchant: str, out_trade_no: str) -> Row | None:
        return self._one(
            "SELECT * FROM orders WHERE gateway = ? AND merchant = ? AND out_trade_no = ?",
            gateway,
            merchant,
            out_trade_no,
        )

    def order_by(self, column: str, value: str) -> Row | None:
        assert column in ("trade_no", "wallet_token", "auth_code")
        return self._one(f"SELECT * FROM orders WHERE {column} = ? ORDER BY id DESC", value)

    def update_order(self, order_id: int, **fields: Any) -> Row:
        self._update("orders", order_id, fields)
        return self.order(order_id)

    def transition(self, order_id: int, from_states: tuple[str, ...], **fields: Any) -> Row | None:
        """Move an order only if it is still in one of from_states (approve and close may race)."""
        fields = _encode(fields)
        assignments = ", ".join(f"{name} = ?" for name in fields)
        marks = ", ".join("?" for _ in from_states)
        with self._lock:
            changed = self._db.execute(
                f"UPDATE orders SET {assignments} WHERE id = ? AND status IN ({marks})",
                (*fields.values(), order_id, *from_states),
            ).rowcount
        return self.order(order_id) if changed else None

    def orders(self, gateway: str | None = None) -> list[Row]:
        if gateway:
            return self._all("SELECT * FROM orders WHERE gateway = ? ORDER BY id", gateway)
        return self._all("SELECT * FROM orders ORDER BY id")

    def orders_due(self, now: float) -> list[Row]:
        """Code payments whose USERPAYING phase is over, and unpaid orders past their expiry."""
        return self._all(
            "SELECT * FROM orders WHERE (status = 'USERPAYING' AND pay_due_at <= ?)"
            " OR (status IN ('WAITING', 'DECLINED') AND expire_at IS NOT NULL AND expire_at <= ?)",
            now,
            now,
        )

    # Refunds (and UnionPay cancels, WeChat reversals)

    def add_refund(self, **fields: Any) -> Row:
        fields.setdefault("created_at", time.time())
        return self.refund(self._insert("refunds", fields))

    def refund(self, refund_id: int) -> Row | None:
        return self._one("SELECT * FROM refunds WHERE id = ?", refund_id)

    def find_refund(self, gateway: str, order_id: int, out_refund_no: str) -> Row | None:
        return self._one(
            "SELECT * FROM refunds WHERE gateway = ? AND order_id = ? AND out_refund_no = ?",
            gateway,
            order_id,
            out_refund_no,
        )

    def refund_by_out_no(self, gateway: str, out_refund_no: str) -> Row | None:
        return self._one(
            "SELECT * FROM refunds WHERE gateway = ? AND out_refund_no = ? ORDER BY id DESC",
            gateway,
            out_refund_no,
        )

    def refund_by_no(self, refund_no: str) -> Row | None:
        return self._one("SELECT * FROM refunds WHERE refund_no = ?", refund_no)

    def refunds_of(self, order_id: int) -> list[Row]:
        return self._all("SELECT * FROM refunds WHERE order_id = ? ORDER BY id", order_id)

    def update_refund(self, refund_id: int, **fields: Any) -> Row:
        self._update("refunds", refund_id, fields)
        return self.refund(refund_id)

    def refunds(self, gateway: str | None = None) -> list[Row]:
        if gateway:
            return self._all("SELECT * FROM refunds WHERE gateway = ? ORDER BY id", gateway)
        return self._all("SELECT * FROM refunds ORDER BY id")

    def refunds_due(self, now: float) -> list[Row]:
        return self._all("SELECT * FROM refunds WHERE status = 'PROCESSING' AND due_at <= ?", now)

    def refunded(self, order_id: int) -> int:
        """Fen refunded or being refunded on an order (a PROCESSING refund is already committed)."""
        row = self._one("SELECT COALESCE(SUM(amount), 0) AS total FROM refunds WHERE order_id = ?", order_id)
        return row["total"]

    # Notifies and their delivery attempts

    def add_notify(self, **fields: Any) -> Row:
        fields.setdefault("created_at", time.time())
        return self.notify(self._insert("notifies", fields))

    def notify(self, notify_id: int) -> Row | None:
        return self._one("SELECT * FROM notifies WHERE id = ?", notify_id)

    def update_notify(self, notify_id: int, **fields: Any) -> None:
        self._update("notifies", notify_id, fields)

    def claim_notify(self, notify_id: int) -> bool:
        """Take a due notify for one delivery; False if another sender (process) took it first."""
        with self._lock:
            return bool(
                self._db.execute(
                    "UPDATE notifies SET status = 'sending' WHERE id = ? AND status = 'pending'", (notify_id,)
                ).rowcount
            )

    def release_stale_notifies(self, before: float) -> None:
        """Deliveries a stopped sender left half done are tried again."""
        with self._lock:
            self._db.execute(
                "UPDATE notifies SET status = 'pending' WHERE status = 'sending' AND next_at < ?", (before,)
            )

    def finish_refund(self, refund_id: int, now: float) -> Row | None:
        """PROCESSING -> SUCCESS once, whoever gets there first."""
        with self._lock:
            changed = self._db.execute(
                "UPDATE refunds SET status = 'SUCCESS', succeeded_at = ?"
                " WHERE id = ? AND status = 'PROCESSING'",
                (now, refund_id),
            ).rowcount
        return self.refund(refund_id) if changed else None

    def notifies_due(self, now: float) -> list[Row]:
        return self._all(
            "SELECT * FROM notifies WHERE status = 'pending' AND next_at <= ? ORDER BY next_at", now
        )

    def next_notify_at(self) -> float | None:
        row = self._one("SELECT MIN(next_at) AS at FROM notifies WHERE status = 'pending'")
        return row["at"]

    def add_attempt(self, **fields: Any) -> None:
        self._insert("attempts", fields)

    def notifies(self) -> list[Row]:
        found = self._all("SELECT * FROM notifies ORDER BY id")
        for notify in found:
            notify["attempts"] = self._all(
                "SELECT * FROM attempts WHERE notify_id = ? ORDER BY id", notify["id"]
            )
        return found
