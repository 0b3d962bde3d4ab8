"""The kiosk's settings: Kivy's `build_config` defaults, then the settings file (an .ini named by
WATTKEEPER_KIOSK_CONFIG or `--config`), then WATTKEEPER_KIOSK_* variables. No gateway keys and
no money are ever stored here: only where the back office is and this device's token."""

from __future__ import annotations

import configparser
import os

DEFAULTS = {
    "kiosk": {
        "api_url": "http://127.0.0.1:8000",
        "token": "",
        "language": "zh",  # zh or en
        "idle_seconds": "60",
        "countdown_seconds": "10",
        "poll_seconds": "1",
        "retry_seconds": "15",
        "paper_check_seconds": "30",  # how often the printer is asked whether it has paper
        "kiosk_mode": "0",  # 1: fullscreen, borderless, no cursor, Escape disabled
        "font": "",  # a CJK font file; empty: Noto Sans CJK from fonts-noto-cjk
    },
    "printer": {
        "kind": "dummy",  # dummy, file, network, usb, serial, none
        "target": "",  # file path, host[:port], vendor:product in hex, serial device
        "encoding": "gb18030",  # gb18030, gbk or utf-8
    },
}

ENV = {"WATTKEEPER_KIOSK_API_URL": ("kiosk", "api_url"), "WATTKEEPER_KIOSK_TOKEN": ("kiosk", "token"),
       "WATTKEEPER_KIOSK_LANGUAGE": ("kiosk", "language"),
       "WATTKEEPER_KIOSK_IDLE_SECONDS": ("kiosk", "idle_seconds"),
       "WATTKEEPER_KIOSK_MODE": ("kiosk", "kiosk_mode"),
       "WATTKEEPER_KIOSK_PRINTER": ("printer", "kind"),
       "WATTKEEPER_KIOSK_PRINTER_TARGET": ("printer", "target"),
       "WATTKEEPER_KIOSK_PRINTER_ENCODING": ("printer", "encoding")}


def apply_overrides(config, settings_file: str | None = None) -> None:
    """The settings file, then the environment, over the defaults already in `config`."""
    path = settings_file or os.environ.get("WATTKEEPER_KIOSK_CONFIG")
    if path:
        config.read(path)
    for name, (section, key) in ENV.items():
        if name in os.environ:
            config.set(section, key, os.environ[name])


def kiosk_mode_on(settings_file: str | None = None) -> bool:
    """Whether the settings ask for kiosk mode, read before Kivy opens its window (which kiosk
    mode shapes) and so before the App has its config."""
    config = configparser.ConfigParser()
    config.read_dict(DEFAULTS)
    apply_overrides(config, settings_file)
    return config.get("kiosk", "kiosk_mode").strip() == "1"
