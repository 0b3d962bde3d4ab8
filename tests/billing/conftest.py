from decimal import Decimal

import pytest

from tests.billing.kit import BillingKit


@pytest.fixture
def kit(db, make_site, make_gateway, make_operator):
    site = make_site(default_price=Decimal("0.6000"))
    return BillingKit(db, site, make_gateway(site=site).buses[0], make_operator("admin"))
