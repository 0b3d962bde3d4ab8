"""A committed counter setup for load runs: sites, tills (an operator with a bearer token and an
open shift each) and tenant accounts, written through the domain services."""

from __future__ import annotations

from dataclasses import dataclass, field

from shared_models.db import make_engine, make_session_factory

METERS_PER_BUS = 32


@dataclass(frozen=True)
class Till:
    """One counter clerk: who sells, with which token, at which site, to which accounts."""

    operator_id: int
    token: str
    site_id: int
    account_ids: tuple[int, ...]


@dataclass
class Counters:
    site_ids: list[int] = field(default_factory=list)
    tills: list[Till] = field(default_factory=list)


def seed(database_url: str, *, sites: int, tills: int, accounts_per_site: int,
         prefix: str = "B") -> Counters:
    """`tills` operators spread round-robin over `sites`, each site with its own accounts."""
    from backoffice.auth.accounts import issue_token, save_operator
    from shared_models import registry
    from shared_models.audit import SYSTEM, set_actor
    from shared_models.enums import Role
    from shared_models.sales import accounts, shifts

    engine = make_engine(database_url)
    result = Counters()
    site_accounts: dict[int, tuple[int, ...]] = {}
    try:
        with make_session_factory(engine)() as db:
            set_actor(db, SYSTEM)
            for s in range(sites):
                site = registry.save_site(db, {"code": f"{prefix}{s + 1:03d}", "name": f"Site {s + 1}"})
                buses = -(-accounts_per_site // METERS_PER_BUS)
                gateway = registry.save_gateway(db, {"site_id": site.id, "name": "GW", "host": "127.0.0.1",
                                                     "bus_count": buses})
                opener = save_operator(db, {"username": f"{prefix.lower()}open{s}", "role": Role.ADMIN,
                                            "password": "bench password 1", "all_sites": True})
                ids = []
                for n in range(accounts_per_site):
                    meter = registry.save_meter(db, {"bus_id": gateway.buses[n // METERS_PER_BUS].id,
                                                     "address": n % METERS_PER_BUS + 1,
                                                     "serial_number": f"{prefix}{s:03d}{n:06d}"})
                    account = accounts.open_account(db, {"site_id": site.id, "tenant_name": f"T{n}",
                                                         "meter_ids": [meter.id]}, operator_id=opener.id)
                    ids.append(account.id)
                result.site_ids.append(site.id)
                site_accounts[site.id] = tuple(ids)
            for t in range(tills):
                site_id = result.site_ids[t % sites]
                operator = save_operator(db, {"username": f"{prefix.lower()}till{t}", "role": Role.OPERATOR,
                                              "password": "bench password 1", "site_ids": [site_id]})
                _token, raw = issue_token(db, operator.id, "till", 1)
                shifts.open_shift(db, operator.id, site_id)
                result.tills.append(Till(operator.id, raw, site_id, site_accounts[site_id]))
            db.commit()
    finally:
        engine.dispose()
    return result
