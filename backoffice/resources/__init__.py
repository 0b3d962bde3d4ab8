"""Every API resource, registered on the Api in this one order (the docs follow it)."""

from __future__ import annotations

from flask_smorest import Api


def register_resources(api: Api) -> None:
    from backoffice.resources.accounts.routes import blp as accounts
    from backoffice.resources.alarms.routes import blp as alarms
    from backoffice.resources.assets.batches import blp as asset_batches
    from backoffice.resources.assets.plan import blp as asset_plan
    from backoffice.resources.assets.routes import blp as assets
    from backoffice.resources.audit.routes import blp as audit
    from backoffice.resources.auth.routes import blp as auth
    from backoffice.resources.billing.routes import blp as billing
    from backoffice.resources.commands.routes import blp as commands
    from backoffice.resources.contracts.routes import blp as contracts
    from backoffice.resources.contracts.templates import blp as contract_templates
    from backoffice.resources.dashboard.routes import blp as dashboard
    from backoffice.resources.dashboard.search import blp as search
    from backoffice.resources.gateways.routes import blp as gateways
    from backoffice.resources.kiosk.devices import blp as kiosk_devices
    from backoffice.resources.kiosk.routes import blp as kiosk
    from backoffice.resources.ledger.routes import blp as ledger
    from backoffice.resources.meters.routes import blp as meters
    from backoffice.resources.operators.routes import blp as operators
    from backoffice.resources.payments.notify import blp as payment_notify
    from backoffice.resources.payments.routes import blp as payments
    from backoffice.resources.places.routes import blp as places
    from backoffice.resources.reconciliation.routes import blp as reconciliation
    from backoffice.resources.reports.routes import blp as reports
    from backoffice.resources.sales.routes import blp as sales
    from backoffice.resources.shifts.routes import blp as shifts
    from backoffice.resources.sites.routes import blp as sites
    from backoffice.resources.sms.routes import blp as sms
    from backoffice.resources.status.routes import blp as status
    from backoffice.resources.tariffs.routes import blp as tariffs
    from backoffice.resources.tenant.accounts import blp as tenant
    from backoffice.resources.tenant.alerts import blp as tenant_alerts
    from backoffice.resources.tenant.recharge import blp as tenant_payments
    from backoffice.resources.tenant.sign_in import blp as tenant_auth
    from backoffice.resources.tenant.supply import blp as tenant_supply
    from backoffice.resources.tenant.wechat import blp as tenant_wechat
    from backoffice.resources.tenant.wechat_sign_in import blp as tenant_wechat_sign_in
    from backoffice.resources.tenant.wechat_staff import blp as account_wechat_sign_ins
    from backoffice.resources.tokens.routes import blp as tokens
    from backoffice.resources.workbooks.routes import blp as workbooks

    for blueprint in (auth, operators, tokens, sites, places, gateways, meters, workbooks,
                      assets, asset_batches, asset_plan,
                      accounts, account_wechat_sign_ins, contract_templates, contracts, shifts, sales,
                      payments, payment_notify, kiosk_devices, kiosk, reconciliation, billing,
                      tariffs, ledger,
                      reports, dashboard, search, commands, status, alarms, sms, audit, tenant_auth, tenant,
                      tenant_payments, tenant_supply, tenant_wechat, tenant_wechat_sign_in, tenant_alerts):
        api.register_blueprint(blueprint, url_prefix=f"/api/v1{blueprint.url_prefix or ''}")
