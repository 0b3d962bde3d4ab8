"""Two demos side by side: each PORT gets its own simulator ports, Redis and instance folder."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from backoffice.seed import DEMO_CODE, GATEWAYS, seed_demo
from ops import demo
from shared_models.models import Gateway, Site


def ports_of(port: int, env: dict | None = None) -> set[int]:
    """Every TCP port the demo for `port` listens on."""
    layout = demo.layout(port, env or {})
    modbus = range(layout.modbus_base_port, layout.modbus_base_port + len(GATEWAYS))
    return {layout.port, layout.redis_port, layout.sandbox_port, *modbus}


def test_the_default_demo_keeps_its_documented_ports():
    layout = demo.layout(8000, {})
    assert (layout.modbus_base_port, layout.redis_port, layout.sandbox_port) == (15020, 6380, 8470)
    assert layout.instance == demo.ROOT / "instance"


@pytest.mark.parametrize("other", [8001, 8002, 8010, 8080, 5000, 9000])
def test_another_port_shares_nothing_with_the_default_demo(other):
    assert not ports_of(8000) & ports_of(other)
    assert demo.layout(other, {}).instance == demo.ROOT / "instance" / str(other)


def test_settings_win_over_the_derived_values(tmp_path):
    env = {"WATTKEEPER_INSTANCE": str(tmp_path), "WATTKEEPER_DEMO_MODBUS_PORT": "16000",
           "WATTKEEPER_DEMO_REDIS_PORT": "7000", "WATTKEEPER_DEMO_SANDBOX_PORT": "7100"}
    layout = demo.layout(8010, env)
    assert (layout.instance, layout.modbus_base_port, layout.redis_port, layout.sandbox_port) == (
        tmp_path, 16000, 7000, 7100)


def test_the_seed_puts_the_gateways_on_the_given_ports(db, make_operator):
    operator = make_operator("admin")
    assert seed_demo(db, operator.id, modbus_base_port=15050)
    ports = db.scalars(select(Gateway.port).join(Site, Site.id == Gateway.site_id)
                       .where(Site.code == DEMO_CODE).order_by(Gateway.port)).all()
    assert ports == [15050 + n for n in range(len(GATEWAYS))]
