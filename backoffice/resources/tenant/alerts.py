"""Which alarm texts a tenant gets, chosen on their phone. The SMS policy suppresses a muted
kind with a reason, so the outbox still shows that an alarm happened and why nobody was told."""

from __future__ import annotations

from flask.views import MethodView

from backoffice.auth.permissions import tenant_only
from backoffice.auth.tenant import own_account
from backoffice.resources.blueprint import Blueprint
from backoffice.resources.tenant.schemas import TenantAlertsSchema
from shared_models.models.notifications import SmsKind
from shared_models.notifications.sms_policy import muted_kinds, store_muted

blp = Blueprint("tenant-alerts", __name__, url_prefix="/tenant",
                description="The alarm texts a tenant chooses to get")


def _view(account) -> dict[str, bool]:
    muted = muted_kinds(account.sms_muted)
    return {"alarm1": SmsKind.ALARM1 not in muted, "alarm2": SmsKind.ALARM2 not in muted,
            "arrears": True}


@blp.route("/accounts/<int:account_id>/alerts")
class Alerts(MethodView):
    @tenant_only
    @blp.response(200, TenantAlertsSchema)
    def get(self, account_id):
        """Whether alarm 1 and alarm 2 are texted to this account's phone."""
        return _view(own_account(account_id))

    @tenant_only
    @blp.arguments(TenantAlertsSchema)
    @blp.response(200, TenantAlertsSchema)
    def put(self, data, account_id):
        """Turn the alarm 1 and alarm 2 texts on or off (the same answer when repeated)."""
        account = own_account(account_id)
        # The system log records the change from the session, like any other to an account.
        account.sms_muted = store_muted({kind for kind in (SmsKind.ALARM1, SmsKind.ALARM2)
                                         if not data[kind.value]})
        return _view(account)
