"""A receipt as tests compare it: the fields that change from run to run (time, receipt and
order numbers, the link's host and sale) replaced by fixed markers, the rest byte for byte."""

from __future__ import annotations

import re

# The receipt's text is GB18030; ESC/POS commands are bytes below 0x80, which decode as ASCII.
VARIABLE = [
    (re.compile(rb"No\. [0-9]+"), b"No. <n>"),
    (re.compile(rb"20[0-9]{2}-[0-9]{2}-[0-9]{2} [0-9]{2}:[0-9]{2}:[0-9]{2}"), b"<local time>"),
    (re.compile(rb"WK[0-9]{12}[0-9A-F]{10}"), b"<order no>"),
    # The tenant pages' receipt, where the tenant who scans the QR sees it after signing in.
    (re.compile(rb"http://[^\x00-\x1f ]+/m/#/receipt/[0-9]+"), b"<link>"),
    (re.compile(rb"1[0-5]\*{12}[0-9]{4}"), b"<code>"),
]


def normalised(printed: bytes) -> bytes:
    for pattern, marker in VARIABLE:
        printed = pattern.sub(marker, printed)
    # The QR command carries the link's length (pL pH) before it: not comparable either.
    return re.sub(rb"\x1d\(k..1P0<link>", b"\x1d(k<len>1P0<link>", printed, flags=re.S)
