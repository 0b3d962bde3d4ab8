"""A kiosk receipt's content, from the sale the payment was credited by."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from flask import current_app, request

from backoffice import database
from backoffice.resources.sales.receipt import CHANNELS, TITLES
from shared_models.errors import Conflict
from shared_models.kiosk.lookup import mask_name
from shared_models.models import Sale, Site, TenantAccount
from shared_models.models.payments import PaymentOrder
from shared_models.sales import sales


def receipt(order: PaymentOrder, device: str, *, reprint: bool) -> dict:
    """Printed only once the sale is confirmed: a 409 before."""
    if order.sale_id is None:
        raise Conflict("The payment is not confirmed yet; there is no receipt.")
    db = database.session()
    sale = sales.reprint(db, order.sale_id) if reprint else db.get(Sale, order.sale_id)
    site, account = db.get(Site, sale.site_id), db.get(TenantAccount, sale.account_id)
    at = (sale.completed_at or sale.created_at).astimezone(ZoneInfo(site.timezone))
    base = current_app.config.get("PUBLIC_URL") or request.host_url
    return {"title": TITLES[sale.kind], "site_name": site.name, "device": device,
            "receipt_number": sale.receipt_number, "local_time": f"{at:%Y-%m-%d %H:%M:%S}",
            "account_number": account.number, "name": mask_name(account.tenant_name),
            "meters": [m.serial_number for m in account.meters], "amount": sale.amount,
            "balance_after": sale.balance_after, "channel": sale.channel.value,
            "channel_label": CHANNELS[sale.channel], "out_trade_no": order.out_trade_no,
            "payer_hint": order.payer_hint, "reprint": reprint, "reprint_count": sale.reprint_count,
            # The tenant's own pages (after their sign-in), not the staff's receipt view: it
            # is the tenant who scans the paper's QR.
            "link": f"{base.rstrip('/')}/m/#/receipt/{sale.id}"}
