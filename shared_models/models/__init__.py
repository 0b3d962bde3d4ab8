"""Every table, imported here so Alembic and callers see one complete MetaData."""

from shared_models.models.access import ApiToken, LoginLockout, Operator, StaffSession, operator_sites
from shared_models.models.accounts import AccountMeter, MeterSwap, TenantAccount
from shared_models.models.assets import (
    AcceptanceSample,
    ArrivalBatch,
    AssetEvent,
    MeterAsset,
    MeterModel,
    ScrapRequest,
    Verification,
)
from shared_models.models.audit import AuditEntry
from shared_models.models.billing import Bill, BillLine, BillMeter, BillRun
from shared_models.models.commands import Command, CommandBatch
from shared_models.models.contracts import (
    ContractSettings,
    ContractTemplate,
    ContractTemplateVersion,
    SupplyContract,
    SupplyContractChange,
    SupplyContractDocument,
)
from shared_models.models.idempotency import IdempotencyRecord
from shared_models.models.ledger import LedgerAccount, LedgerTransaction, Posting
from shared_models.models.metering import Alarm, MeterState, Reading
from shared_models.models.notifications import SmsMessage, SmsSettings
from shared_models.models.payments import PaymentEvent, PaymentOrder, PaymentRefund
from shared_models.models.reconciliation import ReconciliationBreak, ReconciliationHold, ReconciliationRun
from shared_models.models.registry import (
    Building,
    Bus,
    Floor,
    Gateway,
    Meter,
    Site,
    Unit,
)
from shared_models.models.sales import Sale, Shift, SiteCounter
from shared_models.models.tariffs import TariffAssignment, TariffPlan, TariffPlanVersion
from shared_models.models.tenants import (
    TenantIdempotencyRecord,
    TenantSession,
    TenantSignInCode,
    TenantWechatBinding,
)

__all__ = [
    "AcceptanceSample",
    "AccountMeter",
    "ArrivalBatch",
    "AssetEvent",
    "Alarm",
    "ApiToken",
    "AuditEntry",
    "Bill",
    "BillLine",
    "BillMeter",
    "BillRun",
    "Building",
    "Bus",
    "Command",
    "CommandBatch",
    "ContractSettings",
    "ContractTemplate",
    "ContractTemplateVersion",
    "Floor",
    "Gateway",
    "IdempotencyRecord",
    "LedgerAccount",
    "LedgerTransaction",
    "LoginLockout",
    "Meter",
    "MeterAsset",
    "MeterModel",
    "MeterState",
    "MeterSwap",
    "PaymentEvent",
    "PaymentOrder",
    "PaymentRefund",
    "Operator",
    "Posting",
    "Reading",
    "ReconciliationBreak",
    "ReconciliationHold",
    "ReconciliationRun",
    "Sale",
    "ScrapRequest",
    "Shift",
    "Site",
    "SiteCounter",
    "SmsMessage",
    "SmsSettings",
    "StaffSession",
    "SupplyContract",
    "SupplyContractChange",
    "SupplyContractDocument",
    "TariffAssignment",
    "TariffPlan",
    "TariffPlanVersion",
    "TenantAccount",
    "TenantIdempotencyRecord",
    "TenantSession",
    "TenantSignInCode",
    "TenantWechatBinding",
    "Unit",
    "Verification",
    "operator_sites",
]
