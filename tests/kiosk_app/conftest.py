"""The kiosk tests' world: Kivy kept to itself (no arguments parsed, Python logging, a private
home), and one stack (sandbox, database, back office, worker, a registered kiosk) per package."""

from __future__ import annotations

import os

import pytest

# Before anything imports Kivy: it would read pytest's arguments, take over the root logger
# and write its settings and logs under ~/.kivy.
os.environ["KIVY_NO_ARGS"] = "1"
os.environ["KIVY_LOG_MODE"] = "PYTHON"
os.environ["KIVY_NO_FILELOG"] = "1"
os.environ.setdefault("KIVY_HOME", os.path.join(os.environ.get("TMPDIR", "/tmp"), "wattkeeper-kivy-home"))


@pytest.fixture(scope="package")
def stack(tmp_path_factory, redis_url):
    from ops import kiosk_stack
    from tests.infra import require

    started = kiosk_stack.start(tmp_path_factory.mktemp("kiosk"), require("WATTKEEPER_TEST_DATABASE_URL"),
                                redis_url)
    yield started
    started.stop()
