"""The kiosk's Chinese comes from the back office's messages.po: every word it uses is
translated there, and its bundled catalogue is what the generator makes of it today."""

from ops import kiosk_catalogue


def test_every_kiosk_word_has_chinese_in_messages_po():
    _catalogue, missing = kiosk_catalogue.build()
    assert missing == []


def test_the_bundled_catalogue_is_up_to_date():
    catalogue, _missing = kiosk_catalogue.build()
    assert kiosk_catalogue.TARGET.read_text(encoding="utf-8") == kiosk_catalogue.render(catalogue)
    assert catalogue["Check balance"] == "查询余额" and "Top up" in catalogue


def test_the_kiosk_finds_a_cjk_font():
    from kiosk_app import fonts

    assert fonts.find_cjk_font().suffix in (".ttc", ".otf")
