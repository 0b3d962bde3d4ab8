"""What happens to orders and refunds whichever gateway took them: pay, decline, close, refund."""

from __future__ import annotations

import secrets
import time
from typing import Any

from ops.sandbox_gateway import formats
from ops.sandbox_gateway.sandbox import Sandbox
from ops.sandbox_gateway.state import Row

DEFAULT_USERPAYING_SECONDS = 10.0  # how long a payer "types the password", before scaling
REFUND_PROCESSING_SECONDS = 3.0  # how long a WeChat refund stays PROCESSING, before scaling
UNPAID = ("WAITING", "DECLINED")
FORGED, PROBE = 1, 2  # notifies.forge: signed with a stranger's key; WeChat's WECHATPAY/SIGNTEST/ probe


class RefundRefused(Exception):
    """The refund asks for more than is left on the order."""


def new_order(sandbox: Sandbox, gateway: str, **fields: Any) -> Row:
    now = time.time()
    fields.setdefault("status", "WAITING")
    fields.setdefault("merchant", sandbox.merchant(gateway))
    fields.setdefault("wallet_token", secrets.token_urlsafe(12))
    return sandbox.store.add_order(
        gateway=gateway, trade_no=formats.trade_no(gateway, now), created_at=now, **fields
    )


def wallet_url(sandbox: Sandbox, order: Row) -> str:
    """What the QR holds: the payer's phone opens it and lands on the wallet page."""
    return f"{sandbox.public_url}/wallet/{order['wallet_token']}"


def approve(sandbox: Sandbox, order: Row) -> Row | None:
    """The payer approves in the wallet (or types the password of a code payment): paid once,
    notified; None if the order can no longer be paid."""
    paid = sandbox.store.transition(order["id"], (*UNPAID, "USERPAYING"), status="PAID", paid_at=time.time())
    if paid:
        notify_paid(sandbox, paid)
    return paid


def decline(sandbox: Sandbox, order: Row) -> Row | None:
    """The payer cancels in the wallet: the order stays unpaid until the merchant closes it or it
    expires. A code payment the payer abandons at the password fails (PAYERROR)."""
    if order["status"] == "USERPAYING":
        return sandbox.store.transition(order["id"], ("USERPAYING",), status="PAYERROR", outcome="declined")
    return sandbox.store.transition(order["id"], ("WAITING",), status="DECLINED")


def close(sandbox: Sandbox, order: Row, status: str = "CLOSED") -> Row | None:
    open_states = (*UNPAID, "USERPAYING")
    return sandbox.store.transition(order["id"], open_states, status=status, closed_at=time.time())


def start_code_payment(sandbox: Sandbox, gateway: str, auth_code: str, **fields: Any) -> Row:
    """Charge a payment code: by default the payer types a password for a while, then it is paid."""
    script = sandbox.scripts.take_code(auth_code)
    outcome = script["outcome"] if script else "userpaying"
    now = time.time()
    if outcome == "success":
        order = new_order(
            sandbox,
            gateway,
            kind="code",
            auth_code=auth_code,
            status="PAID",
            paid_at=now,
            outcome="success",
            **fields,
        )
        notify_paid(sandbox, order)
        return order
    if outcome in ("declined", "insufficient"):
        return new_order(
            sandbox, gateway, kind="code", auth_code=auth_code, status="PAYERROR", outcome=outcome, **fields
        )
    if outcome == "userpaying_forever":
        due = None
    elif script:
        due = now + float(script.get("seconds") or 0)
    else:
        due = now + sandbox.scaled(DEFAULT_USERPAYING_SECONDS)
    return new_order(
        sandbox,
        gateway,
        kind="code",
        auth_code=auth_code,
        status="USERPAYING",
        pay_due_at=due,
        outcome="success",
        **fields,
    )


def refund(
    sandbox: Sandbox,
    order: Row,
    out_refund_no: str,
    amount: int,
    *,
    kind: str = "refund",
    notify_url: str = "",
    processing: bool = False,
    extra: dict | None = None,
) -> tuple[Row, bool]:
    """(refund, True) when made now; (the earlier one, False) when out_refund_no was seen before.
    The caller has checked the order is paid; RefundRefused if more than the rest is asked."""
    with sandbox.money_lock:
        earlier = sandbox.store.find_refund(order["gateway"], order["id"], out_refund_no)
        if earlier:
            return earlier, False
        if amount <= 0 or amount > order["amount"] - sandbox.store.refunded(order["id"]):
            raise RefundRefused(f"{amount} fen is more than is left on {order['out_trade_no']}")
        now = time.time()
        made = sandbox.store.add_refund(
            gateway=order["gateway"],
            order_id=order["id"],
            out_refund_no=out_refund_no,
            refund_no=formats.trade_no(order["gateway"], now),
            kind=kind,
            amount=amount,
            status="PROCESSING" if processing else "SUCCESS",
            created_at=now,
            due_at=now + sandbox.scaled(REFUND_PROCESSING_SECONDS) if processing else None,
            succeeded_at=None if processing else now,
            notify_url=notify_url,
            extra=extra or {},
        )
    if not processing:
        notify_refunded(sandbox, order, made)
    return made, True


def settle_due(sandbox: Sandbox, now: float) -> None:
    """Finish USERPAYING phases, expire unpaid orders, complete PROCESSING refunds."""
    for order in sandbox.store.orders_due(now):
        if order["status"] == "USERPAYING":
            paid = sandbox.store.transition(order["id"], ("USERPAYING",), status="PAID", paid_at=now)
            if paid:
                notify_paid(sandbox, paid)
        else:
            close(sandbox, order)
    for due in sandbox.store.refunds_due(now):
        done = sandbox.store.finish_refund(due["id"], now)
        if done:
            notify_refunded(sandbox, sandbox.store.order(done["order_id"]), done)


def notify_paid(sandbox: Sandbox, order: Row) -> None:
    made = sandbox.formats[order["gateway"]].paid(sandbox, order)
    if made:
        enqueue(sandbox, order, None, *made)


def notify_refunded(sandbox: Sandbox, order: Row, refunded: Row) -> None:
    made = sandbox.formats[order["gateway"]].refunded(sandbox, order, refunded)
    if made:
        enqueue(sandbox, order, refunded, *made)


def enqueue(
    sandbox: Sandbox, order: Row, refunded: Row | None, url: str, event: str, payload: dict[str, Any]
) -> None:
    """Queue a notify, bent by the admin's script for it if there is one."""
    if not url:
        return
    script = sandbox.scripts.take_notify(order["gateway"], order["out_trade_no"]) or {}
    action = script.get("action", "")
    if action in ("wrong_amount", "wrong_merchant"):
        payload = sandbox.formats[order["gateway"]].mischief(sandbox, payload, action, script)
    now = time.time()
    copies = 1 + int(script.get("times", 1)) if action == "duplicate" else 1
    for _ in range(copies):
        sandbox.store.add_notify(
            gateway=order["gateway"],
            order_id=order["id"],
            refund_id=refunded["id"] if refunded else None,
            url=url,
            event=event,
            payload=payload,
            forge={"forge": FORGED, "probe": PROBE}.get(action, 0),
            status="dropped" if action == "drop" else "pending",
            next_at=now + float(script.get("seconds", 0)) if action == "delay" else now,
            created_at=now,
            script=action,
        )
    sandbox.wake.set()
