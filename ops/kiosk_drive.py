"""Drive the real kiosk App in a real window (under Xvfb) the way a tenant would: touches on
the widgets, keystroke bursts from a scanner; the back office and the sandbox are real.

`python -m ops.kiosk_drive --api URL --token T --sandbox URL --out DIR --size 1280x800
[--languages zh,en] [--bench | --scenario kiosk-mode] [--printer network]` writes
DIR/results-<size>.json (what happened, timings), a screenshot of every screen per language
(DIR/<language>-<size>-<screen>.png) and the first receipt's bytes as the Dummy printer got them
(DIR/receipt-<language>.bin). With `--printer network` the kiosk prints to a network printer
(`ops/kiosk_printer.py`) that runs out of paper and gets it back. `--scenario kiosk-mode` runs
the kiosk in kiosk mode, tries to leave it, then waits for SIGTERM (DIR/kiosk-mode.pid says
whom to send it to) and writes DIR/results-kiosk-mode.json. Used by the end-to-end tests and by
`make bench-kiosk`. Against the running demo (`make demo`): `xvfb-run -a python -m ops.kiosk_drive
--settings instance/kiosk.ini --sandbox http://127.0.0.1:8470 --out /tmp/kiosk-demo`, whose
receipts go to the demo's file printer.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

STARTED = time.monotonic()



def new_code(prefix: str, length: int) -> str:
    """A payment code of a gateway's shape; each is single use, at the sandbox as at a gateway."""
    import secrets

    return prefix + "".join(str(secrets.randbelow(10)) for _ in range(length - len(prefix)))


class Step(Exception):
    """A step of the scenario did not happen in time."""


def main() -> int:
    parser = argparse.ArgumentParser()
    for name in ("--sandbox", "--out"):
        parser.add_argument(name, required=True)
    parser.add_argument("--api", help="the back office (with --token), unless --settings names it")
    parser.add_argument("--token")
    parser.add_argument("--size", default="1280x800")
    parser.add_argument("--languages", default="zh,en")
    parser.add_argument("--bench", action="store_true")
    parser.add_argument("--scenario", choices=("walk", "kiosk-mode"), default="walk")
    parser.add_argument("--printer", choices=("dummy", "network"), default="dummy")
    parser.add_argument("--settings", help="the kiosk's own settings file (e.g. the demo's) instead of a "
                        "Dummy-printer one made here")
    args = parser.parse_args()
    if not args.settings and not (args.api and args.token):
        parser.error("--api and --token, or --settings")
    os.environ.setdefault("KIVY_NO_ARGS", "1")
    os.environ["KIVY_NO_CONSOLELOG"] = "1"
    from kivy.config import Config

    from kiosk_app import kiosk_mode
    from kiosk_app import settings as kiosk_settings

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    run_name = args.scenario if args.scenario != "walk" else args.size
    settings = Path(args.settings) if args.settings else out / f"kiosk-{run_name}.ini"
    printer = None
    if not args.settings:
        # The tests follow orders faster than a kiosk would; the benchmark keeps the default.
        poll = "" if args.bench else "poll_seconds = 0.3\npaper_check_seconds = 0.5\n"
        mode = "1" if args.scenario == "kiosk-mode" else "0"
        printer_settings = "kind = dummy\n"
        if args.printer == "network":
            from ops.kiosk_printer import NetworkPrinter

            printer = NetworkPrinter()
            printer_settings = f"kind = network\ntarget = {printer.start()}\n"
        settings.write_text(f"[kiosk]\napi_url = {args.api}\ntoken = {args.token}\nlanguage = zh\n{poll}"
                            f"retry_seconds = 2\nkiosk_mode = {mode}\n[printer]\n{printer_settings}")
    kiosk_mode.prepare(kiosk_settings.kiosk_mode_on(str(settings)), args.size)
    Config.set("graphics", "resizable", "0")
    Config.set("input", "mouse", "mouse,disable_multitouch")
    from kiosk_app.app import KioskApp

    app = KioskApp(settings_file=str(settings))
    driver = Driver(app, args, out, printer)
    app.bind(on_start=lambda *_: driver.begin(),
             on_stop=lambda *_: driver.results.__setitem__("stopped", True))
    app.run()
    if printer is not None:
        printer.stop()
    (out / f"results-{run_name}.json").write_text(json.dumps(driver.results, indent=1, default=str))
    return 0 if driver.results.get("ok") else 1


class Driver:
    def __init__(self, app, args, out: Path, printer=None) -> None:
        self.app, self.args, self.out, self.printer = app, args, out, printer
        self.results: dict = {"ok": False, "shots": [], "visited": [], "events": []}
        self.steps = None

    # Scheduling: the scenario is a generator; each `yield` lets frames run.
    def begin(self) -> None:
        from kivy.clock import Clock

        self.steps = self.scenario()
        Clock.schedule_once(self._next, 0)

    def _next(self, _dt) -> None:
        from kivy.clock import Clock

        try:
            delay = next(self.steps)
        except StopIteration:
            self.results["ok"] = True
            self.app.stop()
            return
        except Exception as error:  # the scenario failed: say where, and stop the App
            import traceback

            self.results["ok"] = False
            self.results["error"] = f"{type(error).__name__}: {error}"
            self.results["traceback"] = traceback.format_exc()
            self.app.stop()
            return
        Clock.schedule_once(self._next, delay or 0)

    @property
    def controller(self):
        return self.app.controller

    def screen(self, name: str | None = None):
        manager = self.app.manager
        return manager.get_screen(name or manager.current)

    def widget(self, widget_id: str, screen: str | None = None):
        if screen == "overlay":
            return self.app.root.children[0].ids[widget_id]
        return self.screen(screen).ids[widget_id]

    def tap(self, widget) -> None:
        from kivy.tests.common import UnitTestTouch

        x, y = widget.to_window(widget.center_x, widget.center_y)
        touch = UnitTestTouch(x, y)
        touch.touch_down()
        touch.touch_up()

    def tap_id(self, widget_id: str, screen: str | None = None) -> None:
        target = self.widget(widget_id, screen)
        if target.disabled:
            raise Step(f"{widget_id} is disabled on {self.app.manager.current}")
        self.tap(target)

    def press_keys(self, digits: str) -> None:
        keypad = self.widget("keypad")
        keys = {child.text: child for child in keypad.children}
        for digit in digits:
            self.tap(keys[digit])

    def scan(self, code: str) -> None:
        """A scanner: every character within a millisecond or so, then Enter."""
        from kivy.core.window import Window

        for char in code:
            Window.dispatch("on_textinput", char)
        Window.dispatch("on_key_down", 13, 40, None, [])

    def wait(self, predicate, what: str, timeout: float = 30.0):
        deadline = time.monotonic() + timeout
        while not predicate():
            if time.monotonic() > deadline:
                raise Step(f"timed out waiting for {what} (on {self.app.manager.current}, "
                           f"message {self.controller.message!r})")
            yield 0.05

    def on_screen(self, name: str, timeout: float = 30.0):
        yield from self.wait(lambda: self.app.manager.current == name, f"the {name} screen", timeout)
        self.results["visited"].append(name)
        yield 0.3  # a few frames: labels and textures settle before anyone looks

    def shot(self, language: str, name: str):
        from kivy.core.window import Window

        yield 0.1
        width, height = Window.size  # the window's own: a kiosk-mode one covers the screen
        base = self.out / f"{language}-{width}x{height}-{name}.png"
        made = Path(Window.screenshot(name=str(base)))
        made.replace(base)
        self.results["shots"].append(base.name)
        yield 0

    def sandbox(self, method: str, path: str, body=None):
        import requests

        response = requests.request(method, f"{self.args.sandbox}/admin{path}", json=body, timeout=10)
        response.raise_for_status()
        return response.json()

    # What a tenant does
    def scenario(self):
        yield from self.on_screen("home", timeout=20)
        yield from self.wait(lambda: bool(self.controller.device), "the device's site", 20)
        self.results["start_s"] = time.monotonic() - STARTED
        if self.args.bench:
            yield from self.bench()
            return
        if self.args.scenario == "kiosk-mode":
            yield from self.kiosk_mode()
            return
        for language in self.args.languages.split(","):
            yield from self.walk(language)
        if self.printer is not None:
            yield from self.no_paper()
        yield from self.idle_return()
        yield from self.api_down()

    def walk(self, language: str):
        c = self.controller
        self.tap_id("en" if language == "en" else "zh")
        yield 0.2
        yield from self.shot(language, "home")
        # Check the balance of account 1, typed on the keypad, then recharge by payment code.
        payer, decliner = ("1", "2") if language == "zh" else ("3", "2")
        self.tap_id("balance")
        yield from self.on_screen("identify")
        self.press_keys(payer)
        yield from self.shot(language, "identify")
        self.tap_id("ok")
        yield from self.on_screen("account")
        self.results["events"].append({"account_view": dict(c.account),
                                       "balance_label": self.widget("balance").text})
        yield from self.shot(language, "account")
        before = c.account["balance"]
        self.tap_id("recharge")
        yield from self.on_screen("recharge")
        self.press_keys("20")
        yield from self.shot(language, "recharge")
        self.tap_id("pay_code")
        yield from self.on_screen("pay_code")
        code, declined = new_code("13", 18), new_code("28", 18)
        self.scan("99" + code[2:])  # a mistyped code is refused here, never sent
        yield from self.wait(lambda: bool(c.message), "the refusal of a bad code")
        self.results["events"].append({"bad_code_message": c.message, "screen": self.app.manager.current})
        yield from self.shot(language, "pay_code")
        self.sandbox("POST", "/codes", {"auth_code": code, "outcome": "userpaying", "seconds": 1.5})
        self.scan(code)
        yield from self.on_screen("paying")
        yield from self.shot(language, "paying")
        yield from self.on_screen("done")
        yield from self.wait(lambda: c.receipt_state == "printed", "the receipt")
        yield from self.shot(language, "done")
        if c.last_receipt:  # a Dummy printer's bytes (a file printer wrote its own file)
            (self.out / f"receipt-{language}-{self.args.size}.bin").write_bytes(c.last_receipt)
        self.results["events"].append({"language": language, "paid": "code", "before": before,
                                       "after": c.order["balance_after"], "order": c.order["id"]})
        self.tap_id("reprint")
        yield from self.wait(lambda: c.receipt_state == "printed", "the reprint")
        self.results["events"].append({"reprinted": b"REPRINT" in c.last_receipt if c.last_receipt else None})
        self.tap_id("finish")
        yield from self.on_screen("home")
        # Recharge account 1 by QR, found by scanning the meter's barcode.
        self.tap_id("recharge")
        yield from self.on_screen("identify")
        self.scan(f"WK{int(payer):010d}")
        yield from self.on_screen("recharge")
        self.tap(self.widget("presets").children[-1])  # the first preset, 20
        yield 0.1
        self.tap(self.widget("qr_buttons").children[-1])  # the first gateway's QR
        yield from self.on_screen("pay_qr")
        yield from self.wait(lambda: bool(c.order.get("qr_code")), "the QR")
        self.results["events"].append({"qr_widget": self.widget("qr").content, "order": dict(c.order)})
        yield from self.wait(lambda: self.widget("qr").texture is not None, "the QR image")
        yield from self.shot(language, "pay_qr")
        approved = time.monotonic()
        self.sandbox("POST", f"/orders/{c.order['channel']}/{c.order['out_trade_no']}/approve")
        yield from self.on_screen("done")
        self.results.setdefault("pay_to_done_ms", []).append((time.monotonic() - approved) * 1000)
        self.results["events"].append({"language": language, "paid": "qr", "order": c.order["id"],
                                       "after": c.order["balance_after"]})
        yield from self.wait(lambda: c.receipt_state == "printed", "the receipt")
        self.tap_id("finish")
        yield from self.on_screen("home")
        # A declined payment code: a clear failure.
        self.tap_id("recharge")
        yield from self.on_screen("identify")
        self.press_keys(decliner)
        self.tap_id("ok")
        yield from self.on_screen("recharge")
        self.press_keys("30")
        self.tap_id("pay_code")
        yield from self.on_screen("pay_code")
        self.sandbox("POST", "/codes", {"auth_code": declined, "outcome": "declined"})
        self.scan(declined)
        yield from self.on_screen("failed", timeout=60)
        yield from self.shot(language, "failed")
        self.results["events"].append({"language": language, "failed": c.message})
        self.tap_id("home")
        yield from self.on_screen("home")

    def no_paper(self):
        """The network printer's roll runs out: the home and recharge screens say no receipt will
        print, a payment still goes through and nothing is sent to the printer; the roll back,
        the notices go and the done screen prints the receipt (not as a reprint)."""
        c, printer = self.controller, self.printer
        printer.paper = False
        yield from self.wait(lambda: not c.paper, "the printer's no-paper status", 10)
        event = {"home_notice": {}}
        for language in ("zh", "en"):
            c.set_language(language)
            yield 0.2
            event["home_notice"][language] = self.widget("notice").text
            yield from self.shot(language, "home-no-paper")
        self.tap_id("recharge")
        yield from self.on_screen("identify")
        self.press_keys("4")
        self.tap_id("ok")
        yield from self.on_screen("recharge")
        self.press_keys("20")
        event["before"] = c.account["balance"]
        event["recharge_notice"] = self.widget("paper").text
        yield from self.shot("en", "recharge-no-paper")
        self.tap_id("pay_code")
        yield from self.on_screen("pay_code")
        code = new_code("13", 18)
        self.sandbox("POST", "/codes", {"auth_code": code, "outcome": "success"})
        sent_before = len(printer.printed)
        self.scan(code)
        yield from self.on_screen("done")
        yield from self.wait(lambda: c.receipt_state == "no_paper", "the no-paper notice")
        event.update(order=c.order["id"], out_trade_no=c.order["out_trade_no"],
                     after=c.order["balance_after"], done_notice=self.widget("receipt").text,
                     button_disabled=self.widget("reprint").disabled)
        for language in ("en", "zh"):
            c.set_language(language)
            yield 0.2
            yield from self.shot(language, "done-no-paper")
        event["sent_without_paper"] = len(printer.printed) - sent_before
        printer.paper = True
        yield from self.wait(lambda: c.paper and c.receipt_state == "ready", "the paper back", 10)
        yield 0.2
        event.update(done_notice_after=self.widget("receipt").text, button=self.widget("reprint").text,
                     button_disabled_after=self.widget("reprint").disabled)
        yield from self.shot("zh", "done-paper-back")
        self.tap_id("reprint")
        yield from self.wait(lambda: c.receipt_state == "printed", "the receipt once the paper is back")
        receipt = bytes(printer.printed[sent_before:]).decode("gb18030", errors="replace")
        event.update(receipt_has_order=c.order["out_trade_no"] in receipt,
                     receipt_is_reprint="REPRINT" in receipt)
        self.tap_id("finish")
        yield from self.on_screen("home")
        event["home_notice_after"] = self.widget("notice").text
        self.results["events"].append({"no_paper": event})
        # Every receipt of the run ends with a cut (GS V): what the printer got, counted.
        self.results["events"].append({"network_receipts": bytes(printer.printed).count(b"\x1dV")})

    def kiosk_mode(self):
        """Kiosk mode as the window system sees it, and every way out a passer-by has tried."""
        import ctypes

        from kivy.config import Config
        from kivy.core.window import Window
        from kivy.uix.textinput import TextInput

        from kiosk_app.kiosk_mode import _sdl_library
        from ops import kiosk_x11

        x = kiosk_x11.Display()
        window = Window._win.get_window_info().window
        keys_seen, closes_seen = [], []
        Window.bind(on_key_up=lambda _w, key, *_a: keys_seen.append(key))
        Window.bind(on_request_close=lambda *_a, **_k: closes_seen.append(True))
        yield 0.5
        sdl = ctypes.CDLL(_sdl_library())
        mode = {"fullscreen": Window.fullscreen, "borderless": Window.borderless,
                "show_cursor": Window.show_cursor, "kivy_size": list(Window.size),
                "sdl_cursor_shown": sdl.SDL_ShowCursor(-1),  # -1 asks; 1 shown, 0 hidden
                "keyboard_mode": Config.get("kivy", "keyboard_mode"),
                "exit_on_escape": Config.get("kivy", "exit_on_escape"),
                "x_screen": list(x.screen_size()), "x_window": list(x.geometry(window))}
        yield from self.shot("zh", "kiosk-mode-home")
        self.tap_id("balance")
        yield from self.on_screen("identify")
        self.press_keys("12")
        children = len(Window.children)
        for keysym, code in (("Escape", 27), ("F1", 282)):
            x.press(keysym)
            yield from self.wait(lambda code=code: code in keys_seen, f"{keysym} through the X server", 10)
            yield 0.5
            mode[f"after_{keysym}"] = {"screen": self.app.manager.current,
                                       "typed": self.screen().number_text,
                                       "window_children": len(Window.children) - children}
        x.request_close(window)
        yield from self.wait(lambda: bool(closes_seen), "the close request through the X server", 10)
        yield 0.5
        mode["after_close_request"] = {"screen": self.app.manager.current, "requests": len(closes_seen)}

        def text_inputs(widget):
            found = isinstance(widget, TextInput)
            return found + sum(text_inputs(child) for child in widget.children)

        mode["text_inputs"] = sum(text_inputs(screen) for screen in self.app.manager.screens)
        yield from self.shot("zh", "kiosk-mode-identify")
        x.close()
        self.results["kiosk_mode"] = mode
        self.results["ok"] = True
        # Only the service manager ends a kiosk: wait for its SIGTERM.
        (self.out / "kiosk-mode.pid").write_text(str(os.getpid()))
        yield from self.wait(lambda: False, "SIGTERM", 120)

    def idle_return(self):
        c = self.controller
        c.idle.idle_s, c.idle.countdown_s = 1.0, 6.0
        self.tap_id("balance")
        yield from self.on_screen("identify")
        self.press_keys("42")
        yield from self.wait(lambda: c.idle_left > 0, "the still-there countdown", 10)
        yield 0.3
        for language in ("zh", "en"):
            c.set_language(language)  # not a touch: the countdown runs on
            yield from self.shot(language, "idle")
        yield from self.on_screen("home", timeout=10)
        self.results["events"].append({"idle": "home", "typed_after": self.screen("identify").number.text,
                                       "account": dict(c.account)})

    def api_down(self):
        c = self.controller
        real = c.client.base_url
        c.client.base_url = "http://127.0.0.1:9/api/v1/kiosk"  # discard port: refused at once
        c.refresh_device()
        yield from self.on_screen("out_of_service")
        yield from self.shot(c.language, "out_of_service")
        for language in ("zh", "en"):
            c.set_language(language)
            yield 0.2
            yield from self.shot(language, "out_of_service")
        c.client.base_url = real
        c.retry_in = min(c.retry_in, 1)  # no need to sit through the kiosk's whole countdown
        yield from self.on_screen("home", timeout=30)
        self.results["events"].append({"api_down": "recovered"})

    # The benchmark: touches on the keypad and payments by QR
    def bench(self):
        from kivy.clock import Clock

        c = self.controller
        self.tap_id("balance")
        yield from self.on_screen("identify")
        keys = {child.text: child for child in self.widget("keypad").children}
        screen, samples, handled = self.screen(), [], []
        for i in range(60):
            digit = str(i % 10)
            before = len(screen.number_text)
            started = time.perf_counter()
            self.tap(keys[digit if before < 18 else "←"])
            handled.append((time.perf_counter() - started) * 1000)  # the digit is in the buffer
            frame = {}
            Clock.schedule_once(lambda _dt, f=frame: f.setdefault("at", time.perf_counter()), 0)
            yield 0
            yield from self.wait(lambda f=frame: "at" in f, "a frame")
            samples.append((frame["at"] - started) * 1000)
            if len(screen.number_text) >= 18:
                screen.number.clear()
        self.results["touch_ms"] = samples
        self.results["touch_handled_ms"] = handled
        self.results["touch_p95_ms"] = statistics.quantiles(samples, n=20)[-1]
        self.tap_id("back")
        yield from self.on_screen("home")
        times = []
        for n in range(5):
            self.tap_id("recharge")
            yield from self.on_screen("identify")
            self.press_keys(str(1 + n % 3))
            self.tap_id("ok")
            yield from self.on_screen("recharge")
            self.press_keys("20")
            self.tap(self.widget("qr_buttons").children[-1])
            yield from self.wait(lambda: bool(c.order.get("qr_code")), "the QR")
            approved = time.monotonic()
            self.sandbox("POST", f"/orders/{c.order['channel']}/{c.order['out_trade_no']}/approve")
            yield from self.wait(lambda: self.app.manager.current == "done", "the done screen")
            times.append((time.monotonic() - approved) * 1000)
            yield 0.3  # the screen lays out before a finger finds its button
            self.tap_id("finish")
            yield from self.on_screen("home")
        self.results["pay_to_done_ms"] = times


if __name__ == "__main__":
    sys.exit(main())
