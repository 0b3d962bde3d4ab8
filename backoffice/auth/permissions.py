"""Permissions, the roles that grant them, and the decorator every route declares."""

from __future__ import annotations

import functools
from collections.abc import Callable

from shared_models.enums import Role

# Every permission a route can ask for, with what it lets one do.
PERMISSIONS: dict[str, str] = {
    "registry.read": "see sites, buildings, gateways and meters",
    "registry.write": "create, change and delete registry entries; import workbooks",
    "operators.read": "see operators and their roles",
    "operators.write": "create and change operators, issue and revoke tokens",
    "audit.read": "read and verify the system log",
    "accounts.read": "see tenant accounts, their meters and balances",
    "accounts.write": "open, change and close tenant accounts; add, remove and swap meters",
    "sales.read": "see counter sales, receipts and shift cash reports",
    "sales.write": "sell, refund and reverse at the counter; open and close one's shifts",
    "sales.approve": "approve or reject refunds above the site threshold; close others' shifts",
    "ledger.read": "see the ledger and verify its invariants",
    "tariffs.read": "see tariff plans, their versions and assignments; run dry runs",
    "tariffs.write": "create tariff plans and draft versions; assign plans to meters and sites",
    "tariffs.publish": "publish a tariff version (it is then in force and never changes)",
    "reports.read": "see and export the sales journal, sales totals and account statements",
    "commands.read": "see remote-control commands and batches and how far each got",
    "commands.issue": "send commands to meters: trip, close, protect, tariff and settings pushes, clock sync",
    "sms.read": "see the SMS outbox: texts to tenants, their phone numbers and delivery state",
    "alarms.read": "see alarms on meters, accounts and gateways, and export them",
    "alarms.acknowledge": "acknowledge an alarm (it stays active until its cause clears)",
    "payments.read": "see online payment orders, what the gateways told us about each, and export them",
    "payments.create": "start an online payment into an account: a QR to scan or a payment code to charge",
    "payments.manage": "ask a gateway about an order now, or close an unpaid order",
    "reconciliation.read": "see daily reconciliation runs and their breaks, and export them",
    "reconciliation.resolve": "run a day's reconciliation (fetch or upload a bill) and resolve its breaks",
    "contracts.read": "see supply contracts, their templates, history and PDFs, and export them",
    "contracts.write": "write contract templates and draft, edit, sign, file and end supply contracts",
    "contracts.approve": "approve a contract drafted by someone else; publish a template version",
    "assets.read": "see metering assets: batches, verifications, events, the rotation plan, stock",
    "assets.write": "receive, verify, dispatch, install, remove and rotate meters; ask to scrap one",
    "assets.approve": "approve or reject scrapping a meter asked for by another person",
    "billing.read": "see postpaid bill runs and bills, their documents, and export them",
    "billing.run": "run a site's bills, recalculate a bill, and review bills (accept their flags)",
    "billing.release": "release, cancel, and ask to write off postpaid bills",
    "billing.approve": "approve a write-off someone else asked for",
    "self": "manage one's own login (second factor, password)",
    "kiosk.use": "a lobby kiosk's own routes: look an account up, pay into it, follow it, print receipts",
}

_READ = {p for p in PERMISSIONS if p.endswith(".read")} - {"audit.read", "operators.read", "sms.read"}

ROLE_PERMISSIONS: dict[Role, frozenset[str]] = {
    # Kiosk routes act as the device that calls them (its site, its orders): kiosks only.
    Role.ADMIN: frozenset(PERMISSIONS) - {"kiosk.use"},
    Role.FINANCE: frozenset(_READ | {"accounts.write", "sales.write", "sales.approve", "assets.approve",
                                     "tariffs.write", "tariffs.publish", "payments.create",
                                     "payments.manage", "reconciliation.resolve", "contracts.write",
                                     "contracts.approve", "billing.run", "billing.release",
                                     "billing.approve", "self"}),
    Role.OPERATOR: frozenset(_READ | {"registry.write", "accounts.write", "sales.write", "commands.issue",
                                      "sms.read", "alarms.acknowledge", "payments.create",
                                      "contracts.write", "assets.write", "self"}),
    Role.VIEWER: frozenset(_READ | {"self"}),
    Role.AUDITOR: frozenset(_READ | {"audit.read", "operators.read", "sms.read", "self"}),
    # A lobby kiosk reaches its own routes (/kiosk/...) and nothing else.
    Role.KIOSK: frozenset({"kiosk.use"}),
}

PUBLIC = "public"
# A tenant signed in on their phone (an SMS code): their own accounts only, no staff permission.
TENANT = "tenant"
ATTRIBUTE = "__wk_permission__"

# Endpoints the framework adds (OpenAPI document, docs UI, static files): public by design.
FRAMEWORK_PUBLIC_ENDPOINTS = frozenset({
    "static", "api-docs.openapi_json", "api-docs.openapi_swagger_ui", "docs_assets",
})


def requires(permission: str) -> Callable:
    """Declare and enforce the permission a view needs (`PUBLIC` for none)."""
    if permission not in (PUBLIC, TENANT) and permission not in PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(*args, **kwargs):
            if permission == TENANT:
                from backoffice.auth.tenant import authorize_tenant

                authorize_tenant()
            elif permission != PUBLIC:
                from backoffice.auth.identity import authorize

                authorize(permission)
            return view(*args, **kwargs)

        setattr(wrapper, ATTRIBUTE, permission)
        return wrapper

    return decorator


public = requires(PUBLIC)
tenant_only = requires(TENANT)
