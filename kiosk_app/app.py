"""The kiosk App: thin. It reads the settings, registers the CJK font, loads one .kv per screen,
and hands everything else to the controller and the flow."""

from __future__ import annotations

import importlib
import time
from pathlib import Path

from kivy.app import App
from kivy.core.window import Window
from kivy.lang import Builder
from kivy.uix.floatlayout import FloatLayout
from kivy.uix.screenmanager import NoTransition, ScreenManager

from kiosk_app import fonts, kiosk_mode, printing, settings
from kiosk_app.client import KioskClient
from kiosk_app.controller import Controller
from kiosk_app.i18n import tr
from kiosk_app.presenters.scanner import ScanDetector
from kiosk_app.screens import SCREEN_MODULES

HERE = Path(__file__).resolve().parent
WIDGET_KV = ("style", "keypad", "idle_overlay")
ESCAPE = 27


class KioskApp(App):
    title = "Wattkeeper"
    use_kivy_settings = False

    def __init__(self, settings_file: str | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.settings_file = settings_file
        self.controller: Controller | None = None
        self.scanner = ScanDetector()
        self.started_at = time.monotonic()

    def get_application_config(self, defaultpath="%(appdir)s/%(appname)s.ini"):
        # The settings file is ours to name (WATTKEEPER_KIOSK_CONFIG), never written by Kivy.
        return self.settings_file or super().get_application_config(defaultpath)

    def build_config(self, config) -> None:
        for section, values in settings.DEFAULTS.items():
            config.setdefaults(section, values)

    def build(self):
        settings.apply_overrides(self.config, self.settings_file)
        kiosk = self.config["kiosk"]
        fonts.register_default_font(kiosk.get("font", ""))
        tr.switch(kiosk.get("language", "zh"))
        printer = self.config["printer"]
        self.controller = Controller(
            KioskClient(kiosk["api_url"], kiosk["token"], language=tr.language),
            printing.PrinterSettings(printer["kind"], printer.get("target", ""),
                                     printer.get("encoding", "gb18030")),
            idle_s=float(kiosk["idle_seconds"]), countdown_s=float(kiosk["countdown_seconds"]),
            poll_s=float(kiosk["poll_seconds"]), retry_s=float(kiosk["retry_seconds"]),
            paper_check_s=float(kiosk["paper_check_seconds"]))
        self.controller.language = tr.language
        for name in WIDGET_KV:
            Builder.load_file(str(HERE / "widgets" / f"{name}.kv"))
        importlib.import_module("kiosk_app.widgets.status_tag")
        importlib.import_module("kiosk_app.widgets.keypad")
        importlib.import_module("kiosk_app.widgets.usage_chart")
        importlib.import_module("kiosk_app.widgets.qr_image")
        from kiosk_app.widgets.idle_overlay import IdleOverlay

        manager = ScreenManager(transition=NoTransition())
        for module_name in SCREEN_MODULES:
            module = importlib.import_module(f"kiosk_app.screens.{module_name}")
            Builder.load_file(str(HERE / "screens" / f"{module_name}.kv"))
            screen_class = next(v for k, v in vars(module).items() if k.endswith("Screen") and k != "Screen")
            manager.add_widget(screen_class(name=module_name))
        self.controller.bind(screen=lambda _c, name: setattr(manager, "current", name))
        self.manager = manager
        root = FloatLayout()
        root.add_widget(manager)
        root.add_widget(IdleOverlay())
        Window.bind(on_touch_down=lambda *_a: self.controller.touched(),
                    on_key_down=self._key_down, on_textinput=self._text)
        if self.in_kiosk_mode:
            kiosk_mode.lock(Window)
        return root

    @property
    def in_kiosk_mode(self) -> bool:
        return self.config["kiosk"].get("kiosk_mode", "0").strip() == "1"

    def open_settings(self, *_args) -> bool:
        # Kivy opens its settings panel on F1 (or Android's menu key): a way out of the kiosk.
        # The settings file is where the kiosk is set up.
        return False

    def on_start(self) -> None:
        self.controller.start()

    def on_stop(self) -> None:
        if self.controller is not None:
            self.controller.stop()

    def _key_down(self, _window, key, _scancode, _codepoint, _modifiers):
        self.controller.touched()
        if key == ESCAPE:
            # Escape (and Android's back key) would close the App: disabled in kiosk mode,
            # allowed in development.
            return self.in_kiosk_mode
        if key in (13, 271):  # Enter, keypad Enter: ends a scanner's burst
            code = self.scanner.key("\n", time.monotonic())
            if code:
                self.controller.scanned(code)
            return True
        return False

    def _text(self, _window, text: str) -> None:
        for char in text:
            self.scanner.key(char, time.monotonic())
