"""Kiosk mode in a real window under Xvfb: the window covers the screen as the X server sees it
(not only as Kivy believes), borderless, no cursor, no on-screen keyboard; Escape and F1 typed on
the keyboard (XTEST) and a window manager's close request (WM_DELETE_WINDOW) leave the kiosk
where it was; SIGTERM, the service manager's stop, ends it cleanly and at once."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.timeout(600)]

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "artifacts" / "kiosk"
SCREEN = (1280, 800)


@pytest.fixture(scope="module")
def run(stack):
    """One kiosk in kiosk mode, asked for an 800x600 development window on a 1280x800 screen."""
    assert shutil.which("xvfb-run"), "install Debian's xvfb (.ci/run does)"
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    pid_file, results_file = ARTIFACTS / "kiosk-mode.pid", ARTIFACTS / "results-kiosk-mode.json"
    for old in (pid_file, results_file):
        old.unlink(missing_ok=True)
    log = (ARTIFACTS / "kiosk-mode.log").open("wb")
    command = ["xvfb-run", "-a", "-s", f"-screen 0 {SCREEN[0]}x{SCREEN[1]}x24", sys.executable, "-m",
               "ops.kiosk_drive", "--api", stack.api_url, "--token", stack.token,
               "--sandbox", stack.sandbox_url, "--out", str(ARTIFACTS), "--size", "800x600",
               "--scenario", "kiosk-mode"]
    process = subprocess.Popen(command, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 300
        while not pid_file.exists() and process.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        stop_s = None
        if pid_file.exists():
            asked = time.monotonic()
            os.kill(int(pid_file.read_text()), signal.SIGTERM)
            process.wait(60)
            stop_s = time.monotonic() - asked
        else:
            process.kill()
            process.wait(10)
    finally:
        log.close()
    assert results_file.exists(), (ARTIFACTS / "kiosk-mode.log").read_text(errors="replace")[-3000:]
    return {"results": json.loads(results_file.read_text()), "returncode": process.returncode,
            "stop_s": stop_s}


def test_the_kiosk_ran_its_course_and_sigterm_stopped_it_cleanly(run):
    results = run["results"]
    assert results["ok"], results.get("traceback") or results.get("error")
    assert results["stopped"] is True  # through App.stop (on_stop ran), not killed
    assert run["returncode"] == 0 and run["stop_s"] < 10


def test_the_window_covers_the_screen_borderless_without_a_cursor(run):
    mode = run["results"]["kiosk_mode"]
    assert mode["fullscreen"] == "auto" and mode["borderless"] is True
    # What the X server has: the whole screen from its corner, not the 800x600 asked for.
    assert mode["x_screen"] == list(SCREEN)
    assert mode["x_window"] == [0, 0, *SCREEN]
    assert mode["kivy_size"] == list(SCREEN)
    assert mode["show_cursor"] is False and mode["sdl_cursor_shown"] == 0


def test_no_keyboard_pops_up(run):
    mode = run["results"]["kiosk_mode"]
    # Kivy's own on-screen keyboard is never used, and nothing asks the system for one.
    assert mode["keyboard_mode"] == "system" and mode["text_inputs"] == 0


def test_escape_f1_and_a_close_request_leave_the_kiosk_where_it_was(run):
    mode = run["results"]["kiosk_mode"]
    assert mode["exit_on_escape"] == "0"
    # The keys reached the App (the driver saw them released) and nothing moved.
    for key in ("Escape", "F1"):
        assert mode[f"after_{key}"] == {"screen": "identify", "typed": "12", "window_children": 0}
    assert mode["after_close_request"] == {"screen": "identify", "requests": 1}


def test_kiosk_mode_has_screenshots(run):
    from PIL import Image

    for name in ("kiosk-mode-home", "kiosk-mode-identify"):
        with Image.open(ARTIFACTS / f"zh-{SCREEN[0]}x{SCREEN[1]}-{name}.png") as image:
            assert image.size == SCREEN
