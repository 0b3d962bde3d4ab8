"""WK-PM1 meter map codec: pure functions from registers to values and back, no I/O."""

from .codes import CommandCode, MeterStatus, ResultCode
from .hot_block import HotBlock, decode_hot_block, encode_hot_block
from .mac import KeyRing, MasterKey, MeterKey, diversify_3des, retail_mac
from .mailbox import (
    CommandMessage,
    RechargeMessage,
    decode_command,
    decode_recharge,
    encode_command,
    encode_recharge,
    mac_input,
    mac_matches,
)
from .registers import MAP_VERSION
from .settings import Settings, decode_relay, decode_settings, encode_relay, encode_settings
from .tariff import (
    DEFAULT_TARIFF,
    DayEntry,
    SeasonEntry,
    TariffTable,
    decode_tariff,
    encode_tariff,
    rate_at,
)

__all__ = [
    "DEFAULT_TARIFF",
    "MAP_VERSION",
    "CommandCode",
    "CommandMessage",
    "DayEntry",
    "HotBlock",
    "KeyRing",
    "MasterKey",
    "MeterKey",
    "MeterStatus",
    "RechargeMessage",
    "ResultCode",
    "SeasonEntry",
    "Settings",
    "TariffTable",
    "decode_command",
    "decode_hot_block",
    "decode_recharge",
    "decode_relay",
    "decode_settings",
    "decode_tariff",
    "diversify_3des",
    "encode_command",
    "encode_hot_block",
    "encode_recharge",
    "encode_relay",
    "encode_settings",
    "encode_tariff",
    "mac_input",
    "mac_matches",
    "rate_at",
    "retail_mac",
]
