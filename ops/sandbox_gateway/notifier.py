"""The notify sender: tries each due notify, records every attempt, retries on the gateway's schedule."""

from __future__ import annotations

import logging
import threading
import time
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

from ops.sandbox_gateway import payments
from ops.sandbox_gateway.sandbox import Sandbox
from ops.sandbox_gateway.state import Row

log = logging.getLogger(__name__)
TIMEOUT_SECONDS = 5.0  # WeChat asks for a reply within 5 s; the others are no more patient
IDLE_SECONDS = 0.2  # how often USERPAYING phases, expiries and refunds are looked at


# Straight to the merchant: a proxy from the environment must not stand between them.
OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def post(url: str, headers: dict[str, str], body: bytes) -> tuple[int | None, bytes, str]:
    """(HTTP status, reply body, error text) of one POST; any status is an answer, not an error."""
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with OPENER.open(request, timeout=TIMEOUT_SECONDS) as response:
            return response.status, response.read(4096), ""
    except urllib.error.HTTPError as answered:
        return answered.code, answered.read(4096), ""
    except (OSError, ValueError) as failure:
        return None, b"", f"{type(failure).__name__}: {failure}"


class Notifier:
    """One thread that schedules, a few that deliver (a slow receiver must not hold up the rest)."""

    def __init__(self, sandbox: Sandbox, workers: int = 4) -> None:
        self.sandbox = sandbox
        self._stop = threading.Event()
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="notify")
        self._thread = threading.Thread(target=self._run, name="notifier", daemon=True)

    def start(self) -> None:
        self.sandbox.store.release_stale_notifies(time.time() - 2 * TIMEOUT_SECONDS)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        self.sandbox.wake.set()
        self._thread.join(timeout=5)
        self._pool.shutdown(wait=False, cancel_futures=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            now = time.time()
            try:
                payments.settle_due(self.sandbox, now)
                for notify in self.sandbox.store.notifies_due(now):
                    if self.sandbox.store.claim_notify(notify["id"]):
                        self._pool.submit(self.deliver, notify)
            except Exception:  # the sender must outlive any one bad row
                log.exception("notify sweep failed")
            upcoming = self.sandbox.store.next_notify_at()
            wait = IDLE_SECONDS if upcoming is None else min(IDLE_SECONDS, max(0.0, upcoming - time.time()))
            self.sandbox.wake.wait(wait)
            self.sandbox.wake.clear()

    def deliver(self, notify: Row) -> None:
        """One try; delivered only on the reply the gateway's spec calls success."""
        form = self.sandbox.formats[notify["gateway"]]
        try:
            headers, body = form.request(self.sandbox, notify)
            status, reply, failure = post(notify["url"], headers, body)
        except Exception as error:  # a notify that cannot even be built is recorded, not lost silently
            log.exception("notify %s could not be built", notify["id"])
            status, reply, failure = None, b"", f"{type(error).__name__}: {error}"
        now = time.time()
        delivered = status is not None and form.accepted(status, reply)
        tries = notify["tries"] + 1
        self.sandbox.store.add_attempt(
            notify_id=notify["id"],
            at=now,
            http_status=status,
            reply=reply[:500].decode("utf-8", "replace"),
            error=failure,
            delivered=int(delivered),
        )
        if delivered:
            self.sandbox.store.update_notify(notify["id"], status="delivered", tries=tries, next_at=None)
        elif tries > len(form.schedule):
            self.sandbox.store.update_notify(notify["id"], status="gave_up", tries=tries, next_at=None)
        else:
            next_at = now + self.sandbox.scaled(form.schedule[tries - 1])
            self.sandbox.store.update_notify(notify["id"], status="pending", tries=tries, next_at=next_at)
        self.sandbox.wake.set()
