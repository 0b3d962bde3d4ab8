"""Money and time as each gateway writes them: yuan strings, integer fen, Shanghai wall clock."""

from __future__ import annotations

import re
import secrets
from datetime import UTC, datetime, timedelta
from decimal import Decimal, InvalidOperation
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")
MAX_FEN = 100_000_000_00  # Alipay's ceiling, 100 million yuan


def yuan(fen: int) -> str:
    """12.30 for 1230 fen (Alipay's amounts and every bill's)."""
    return str((Decimal(fen) / 100).quantize(Decimal("0.01")))


def parse_yuan(text: object) -> int:
    """Fen for a yuan string with at most 2 decimals; ValueError if it is not a positive amount."""
    if not isinstance(text, str) or not re.fullmatch(r"\d+(\.\d{1,2})?", text.strip()):
        raise ValueError(f"not a yuan amount: {text!r}")
    try:
        fen = int(Decimal(text.strip()) * 100)
    except InvalidOperation as error:
        raise ValueError(f"not a yuan amount: {text!r}") from error
    if not 0 < fen <= MAX_FEN:
        raise ValueError(f"amount out of range: {text!r}")
    return fen


def parse_fen(value: object) -> int:
    """WeChat's and UnionPay's integer fen; ValueError unless a positive whole number."""
    if isinstance(value, bool):
        raise ValueError("not an amount")
    if isinstance(value, str) and re.fullmatch(r"\d{1,12}", value):
        value = int(value)
    if not isinstance(value, int) or not 0 < value <= MAX_FEN:
        raise ValueError(f"not an amount in fen: {value!r}")
    return value


def local(ts: float) -> datetime:
    return datetime.fromtimestamp(ts, SHANGHAI)


def wall_clock(ts: float) -> str:
    """Alipay's "YYYY-MM-DD HH:MM:SS", Shanghai time."""
    return local(ts).strftime("%Y-%m-%d %H:%M:%S")


def rfc3339(ts: float) -> str:
    """WeChat's 2024-01-02T10:00:00+08:00."""
    return local(ts).replace(microsecond=0).isoformat()


def parse_rfc3339(text: str) -> float:
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    if moment.tzinfo is None:
        raise ValueError("RFC 3339 needs an offset")
    return moment.timestamp()


def compact(ts: float) -> str:
    """UnionPay's YYYYMMDDhhmmss, Shanghai time."""
    return local(ts).strftime("%Y%m%d%H%M%S")


def parse_compact(text: str) -> float:
    return datetime.strptime(text, "%Y%m%d%H%M%S").replace(tzinfo=SHANGHAI).timestamp()


def parse_timeout_express(text: str, now: float) -> float:
    """Alipay's relative timeout: 90m, 2h, 1d, or 1c (the end of today)."""
    match = re.fullmatch(r"(\d+)([mhdc])", text.strip())
    if not match:
        raise ValueError(f"bad timeout_express: {text!r}")
    count, unit = int(match.group(1)), match.group(2)
    if unit == "c":
        end = local(now).replace(hour=0, minute=0, second=0, microsecond=0) + timedelta(days=1)
        return end.timestamp()
    return now + count * {"m": 60, "h": 3600, "d": 86400}[unit]


def day_bounds(day: str) -> tuple[float, float]:
    """UNIX seconds of a Shanghai calendar day (YYYY-MM-DD), [start, end)."""
    start = datetime.strptime(day, "%Y-%m-%d").replace(tzinfo=SHANGHAI)
    return start.timestamp(), (start + timedelta(days=1)).timestamp()


def digits(count: int) -> str:
    return "".join(secrets.choice("0123456789") for _ in range(count))


def trade_no(gateway: str, ts: float) -> str:
    """A gateway-side number of the usual shape: Alipay 28 chars, WeChat 28 digits, UnionPay 21."""
    day = local(ts).strftime("%Y%m%d")
    if gateway == "alipay":
        return day + "22001" + digits(15)
    if gateway == "wechat":
        return "4200" + digits(6) + day + digits(10)
    return local(ts).strftime("%m%d%H%M%S") + digits(11)


def utc_now() -> datetime:
    return datetime.now(UTC)


def yuan_signed(fen: int) -> str:
    """-0.07 for -7 fen: bills write refunds and charged fees as negative yuan."""
    return ("-" if fen < 0 else "") + yuan(abs(fen))
