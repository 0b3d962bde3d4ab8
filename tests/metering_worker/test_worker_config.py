"""The worker's configuration: the demo MAC key never becomes a production default."""

from __future__ import annotations

import pytest

from metering_worker import config
from metering_worker.simulator.config import DEMO_MASTER_KEY

KEY = "00112233445566778899aabbccddeeff0011223344556677"


def test_embedded_demo_uses_the_simulator_key():
    assert config.load({}).site_master_key == DEMO_MASTER_KEY


def test_server_database_without_a_key_refuses_to_sign():
    settings = config.load({"DATABASE_URL": "postgresql://db.internal/wattkeeper"})
    with pytest.raises(RuntimeError, match="WATTKEEPER_SITE_MASTER_KEY"):
        settings.key_ring()


def test_configured_key_is_used():
    settings = config.load({"DATABASE_URL": "postgresql://db.internal/wattkeeper",
                            "WATTKEEPER_SITE_MASTER_KEY": KEY, "WATTKEEPER_KEY_VERSION": "2"})
    assert settings.site_master_key == KEY and settings.key_version == 2
    assert settings.key_ring() is not None
