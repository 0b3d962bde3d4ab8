"""A CJK font as Kivy's default: its own Roboto has no Chinese glyphs (they show as boxes).

Debian's fonts-noto-cjk ships collections (.ttc) whose first face is the Japanese one, and Kivy
opens only a file's first face, so 直, 骨 or 关 would be drawn in their Japanese shapes. The
Simplified Chinese face is copied out of the collection once (a few seconds, ~16 MB) into the
kiosk's cache and used from there."""

from __future__ import annotations

import os
from pathlib import Path

# Where Debian's fonts-noto-cjk puts it; a kiosk's settings may name another file.
CANDIDATES = (
    "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/opentype/noto/NotoSansCJKsc-Regular.otf",
    "/usr/share/fonts/noto-cjk/NotoSansCJK-Regular.ttc",
    "/usr/share/fonts/google-noto-cjk/NotoSansCJK-Regular.ttc",
)
BOLD = {"NotoSansCJK-Regular.ttc": "NotoSansCJK-Bold.ttc"}
SIMPLIFIED = "Noto Sans CJK SC"  # the face a zh-CN kiosk wants, by its full name


def find_cjk_font(configured: str = "") -> Path:
    for candidate in ([configured] if configured else []) + list(CANDIDATES):
        if candidate and Path(candidate).is_file():
            return Path(candidate)
    raise FileNotFoundError("No CJK font found: install fonts-noto-cjk or set [kiosk] font")


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "wattkeeper-kiosk" / "fonts"


def simplified_face(path: Path, cache: Path | None = None) -> Path:
    """The Simplified Chinese face of a collection as a font file of its own (cached by the
    collection's name and size); any other file, or a collection without that face, as is."""
    if path.suffix.lower() != ".ttc":
        return path
    from fontTools.ttLib import TTCollection

    cache = cache or cache_dir()
    target = cache / f"{path.stem}-SC-{path.stat().st_size}.otf"
    if target.is_file():
        return target
    collection = TTCollection(str(path), lazy=True)
    try:
        face = next((font for font in collection.fonts
                     if font["name"].getDebugName(4) in (SIMPLIFIED, f"{SIMPLIFIED} Bold")), None)
        if face is None:
            return path
        cache.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(".partial")  # a killed copy never passes for the font
        face.save(str(partial))
        partial.replace(target)
    finally:
        collection.close()
    return target


def register_default_font(configured: str = "") -> Path:
    """Register the CJK font under Kivy's default name, so every Label uses it."""
    from kivy.core.text import DEFAULT_FONT, LabelBase

    found = find_cjk_font(configured)
    bold = found.with_name(BOLD.get(found.name, found.name))
    regular = simplified_face(found)
    bold = simplified_face(bold) if bold.is_file() else regular
    LabelBase.register(DEFAULT_FONT, str(regular), fn_bold=str(bold))
    return regular
