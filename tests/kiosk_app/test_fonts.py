"""The kiosk draws Chinese with the Simplified Chinese face, not the collection's first
(Japanese) one."""

from __future__ import annotations

from pathlib import Path

from fontTools.ttLib import TTFont

from kiosk_app import fonts


def test_the_simplified_face_is_copied_out_of_the_collection_once(tmp_path):
    collection = fonts.find_cjk_font()
    assert collection.suffix == ".ttc"  # Debian's fonts-noto-cjk, as .ci/run installs it
    face = fonts.simplified_face(collection, tmp_path)
    with TTFont(str(face), lazy=True) as font:
        assert font["name"].getDebugName(4) == "Noto Sans CJK SC"
    stamp = face.stat().st_mtime_ns
    assert fonts.simplified_face(collection, tmp_path) == face
    assert face.stat().st_mtime_ns == stamp  # the second start reuses the copy
    assert not list(tmp_path.glob("*.partial"))


def test_the_bold_collection_gives_its_bold_simplified_face(tmp_path):
    bold = fonts.find_cjk_font().with_name("NotoSansCJK-Bold.ttc")
    with TTFont(str(fonts.simplified_face(bold, tmp_path)), lazy=True) as font:
        assert font["name"].getDebugName(4) == "Noto Sans CJK SC Bold"


def test_a_single_font_file_is_used_as_it_is(tmp_path):
    single = tmp_path / "Some.otf"
    single.write_bytes(b"")
    assert fonts.simplified_face(Path(single), tmp_path / "cache") == single
