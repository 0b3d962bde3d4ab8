"""Calls off the UI thread: each runs on a small pool and its result comes back to the UI thread
through Kivy's `Clock`, so no widget is ever touched from a worker thread."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from kivy.clock import Clock


class Background:
    def __init__(self, workers: int = 2) -> None:
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="kiosk-io")

    def run(self, call: Callable[[], object], done: Callable[[object], None],
            failed: Callable[[BaseException], None]) -> None:
        """Run `call` on the pool; then `done(result)` or `failed(error)` on the UI thread."""

        def work():
            try:
                result = call()
            except Exception as error:  # handed to the UI thread, which decides
                Clock.schedule_once(lambda _dt, e=error: failed(e), 0)
            else:
                Clock.schedule_once(lambda _dt: done(result), 0)

        self.pool.submit(work)

    def shutdown(self) -> None:
        self.pool.shutdown(wait=True, cancel_futures=True)
