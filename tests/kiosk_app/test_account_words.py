"""The account screen's sentences under the usage bars, in both languages."""

from __future__ import annotations

import pytest

from kiosk_app.i18n import Translator


@pytest.fixture
def account_screen():
    from kiosk_app.screens.account import AccountScreen

    return AccountScreen


@pytest.mark.parametrize(("language", "expected"), [
    ("zh", "合计 4.75 千瓦时，单日最多 3.50 千瓦时"),
    ("en", "4.75 kWh in all; the most in one day 3.50 kWh"),
])
def test_the_total_and_the_busiest_day_stand_under_the_bars(account_screen, language, expected):
    tr = Translator()
    tr.switch(language)
    usage = [{"day": "2026-11-27", "kwh": "1.25"}, {"day": "2026-11-28", "kwh": "3.50"},
             {"day": "2026-11-29", "kwh": "0"}]
    assert account_screen.usage_text({"usage": usage}, tr) == expected


def test_thirty_days_without_use_say_so_rather_than_show_an_empty_chart(account_screen):
    tr = Translator()
    tr.switch("zh")
    assert account_screen.usage_text({"usage": [{"day": "2026-11-29", "kwh": "0.00"}]}, tr) == (
        "近 30 天没有用电记录。")
    assert account_screen.usage_text({"usage": []}, tr) == "近 30 天没有用电记录。"
