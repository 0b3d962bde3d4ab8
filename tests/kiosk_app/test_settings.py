"""Kiosk mode is read before Kivy opens its window (which it shapes): from the settings file,
then WATTKEEPER_KIOSK_MODE, over the default (a development window)."""

from __future__ import annotations

from kiosk_app import settings


def test_kiosk_mode_comes_from_the_file_then_the_environment(tmp_path, monkeypatch):
    monkeypatch.delenv("WATTKEEPER_KIOSK_MODE", raising=False)
    monkeypatch.delenv("WATTKEEPER_KIOSK_CONFIG", raising=False)
    assert settings.kiosk_mode_on(None) is False
    ini = tmp_path / "kiosk.ini"
    ini.write_text("[kiosk]\nkiosk_mode = 1\n")
    assert settings.kiosk_mode_on(str(ini)) is True
    monkeypatch.setenv("WATTKEEPER_KIOSK_CONFIG", str(ini))
    assert settings.kiosk_mode_on(None) is True
    monkeypatch.setenv("WATTKEEPER_KIOSK_MODE", "0")
    assert settings.kiosk_mode_on(str(ini)) is False
