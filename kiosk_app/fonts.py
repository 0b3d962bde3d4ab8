"""A CJK font as Kivy's default: its own Roboto has no Chinese glyphs (they show as boxes)."""

from __future__ import annotations

from pathlib import Path

# Where Debian's fonts-noto-cjk puts it; a kiosk's settings may name another file.
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
BOLD = {"NotoSansCJK-Regular.ttc": "NotoSansCJK-Bold.ttc"}


def find_cjk_font(configured: str = "") -> Path:
    for candidate in ([configured] if configured else []) + list(CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError("No CJK font found: install fonts-noto-cjk or set [kiosk] font")


def register_default_font(configured: str = "") -> Path:
    """Register the CJK font under Kivy's default name, so every Label uses it."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    regular = find_cjk_font(configured)
    bold = regular.with_name(BOLD.get(regular.name, regular.name))
    LabelBase.register(DEFAULT_FONT, str(regular), fn_bold=str(bold if bold.is_file() else regular))
    return regular
