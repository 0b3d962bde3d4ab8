"""Write the kiosk's Chinese catalogue (`kiosk_app/data/zh.json`) from the back office's
messages.po: the msgids the kiosk uses (`tr._("...")`, `N_("...")` in its .py and .kv files),
each with its translation, so a word is translated once. `python -m ops.kiosk_catalogue`;
`--check` fails when the file is stale or a msgid has no translation."""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PO_FILE = ROOT / "backoffice" / "translations" / "zh" / "LC_MESSAGES" / "messages.po"
TARGET = ROOT / "kiosk_app" / "data" / "zh.json"
# tr._("...") and N_("...") with either quote; a msgid spans one literal.
MARKED = re.compile(r"""(?:tr\._|N_)\(\s*(?:"((?:[^"\\]|\\.)*)"|'((?:[^'\\]|\\.)*)')""")


def used_msgids() -> set[str]:
    found = set()
    for path in sorted((ROOT / "kiosk_app").rglob("*")):
        if path.suffix in (".py", ".kv") and path.name not in ("words.py", "i18n.py"):
            for double, single in MARKED.findall(path.read_text(encoding="utf-8")):
                found.add((double or single).encode().decode("unicode_escape").encode("latin-1").decode())
    return found


def build() -> tuple[dict[str, str], list[str]]:
    from babel.messages.pofile import read_po

    with PO_FILE.open("rb") as handle:
        catalog = read_po(handle)
    translated = {m.id: m.string for m in catalog if m.id and m.string}
    wanted = used_msgids()
    return ({msgid: translated[msgid] for msgid in sorted(wanted) if msgid in translated},
            sorted(wanted - translated.keys()))


def render(catalogue: dict[str, str]) -> str:
    return json.dumps(catalogue, ensure_ascii=False, indent=1, sort_keys=True) + "\n"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args()
    catalogue, missing = build()
    if missing:
        print("no Chinese in messages.po for:\n  " + "\n  ".join(missing), file=sys.stderr)
        return 1
    text = render(catalogue)
    if args.check:
        stale = not TARGET.exists() or TARGET.read_text(encoding="utf-8") != text
        print("kiosk_app/data/zh.json is stale" if stale else "up to date", file=sys.stderr)
        return int(stale)
    TARGET.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
