"""Kiosk mode: the window covers the display, borderless and without a cursor, and nothing a
passer-by can do at the screen closes it or opens anything else (Escape or Android's back key,
a window manager's close, F1's settings panel, an on-screen keyboard). Only the service manager
ends it, with SIGTERM, and starts it again whenever it ends otherwise (docs/kiosk.md).

`prepare()` runs before Kivy makes its window. SDL's fullscreen on X11 is a request to the
window manager, and a kiosk's X session often has none: the window would stay at its windowed
size, off in the middle of the screen, while Kivy laid the screens out for the whole display.
So the window is also made at the display's place and size, which holds with or without a
window manager (one that honours the request makes it fullscreen as well).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import logging
import signal
from pathlib import Path

log = logging.getLogger(__name__)

SDL_INIT_VIDEO = 0x20


class _Rect(ctypes.Structure):
    _fields_ = [("x", ctypes.c_int), ("y", ctypes.c_int), ("w", ctypes.c_int), ("h", ctypes.c_int)]


def _sdl_library() -> str | None:
    """Kivy's own SDL2 (its Linux wheels carry one in Kivy.libs), else the system's."""
    import kivy

    bundled = sorted((Path(kivy.__file__).resolve().parent.parent / "Kivy.libs").glob("libSDL2-2*.so*"))
    return str(bundled[0]) if bundled else ctypes.util.find_library("SDL2")


def display_bounds(index: int = 0) -> tuple[int, int, int, int] | None:
    """(x, y, width, height) of a display, asked of SDL before Kivy opens its window; None when
    SDL cannot say (then the window manager's fullscreen is all there is)."""
    path = _sdl_library()
    if not path:
        return None
    try:
        sdl = ctypes.CDLL(path)  # the same library Kivy loads next: SDL counts its users
        if sdl.SDL_InitSubSystem(SDL_INIT_VIDEO) != 0:
            return None
        try:
            rect = _Rect()
            if sdl.SDL_GetDisplayBounds(index, ctypes.byref(rect)) != 0:
                return None
            return rect.x, rect.y, rect.w, rect.h
        finally:
            sdl.SDL_QuitSubSystem(SDL_INIT_VIDEO)
    except (OSError, AttributeError):
        log.warning("SDL gives no display size; fullscreen is left to the window manager")
        return None


def _stop_on_sigterm(_signum, _frame) -> None:
    from kivy.app import App
    from kivy.clock import Clock

    app = App.get_running_app()
    if app is None:
        raise SystemExit(0)
    Clock.schedule_once(lambda _dt: app.stop(), 0)


def prepare(kiosk_mode: bool, size: str | None = None) -> None:
    """Kivy's window settings, before the window exists: kiosk mode, or a development window
    of `size` ("1280x800")."""
    from kivy.config import Config

    if not kiosk_mode:
        if size:
            width, height = size.split("x")
            Config.set("graphics", "width", width)
            Config.set("graphics", "height", height)
        return
    # SDL turns SIGTERM into a close request, which kiosk mode refuses: SIGTERM is ours
    # before SDL starts (SDL takes it only when no one has), and it stops the App cleanly.
    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    Config.set("kivy", "exit_on_escape", "0")
    # Kivy's on-screen keyboard never docks or floats over the screens: the kiosk types on its
    # own keypad, and no widget of it asks the system for a keyboard either.
    Config.set("kivy", "keyboard_mode", "system")
    Config.set("graphics", "fullscreen", "auto")
    Config.set("graphics", "borderless", "1")
    Config.set("graphics", "show_cursor", "0")
    Config.set("graphics", "resizable", "0")
    Config.set("graphics", "allow_screensaver", "0")  # the attract screen stays lit
    # Touch panels that report as a mouse: no right-button "second finger" dots left on screen.
    Config.set("input", "mouse", "mouse,disable_multitouch")
    bounds = display_bounds()
    if bounds:
        x, y, width, height = bounds
        Config.set("graphics", "position", "custom")
        Config.set("graphics", "left", str(x))
        Config.set("graphics", "top", str(y))
        Config.set("graphics", "width", str(width))
        Config.set("graphics", "height", str(height))


def lock(window) -> None:
    """Once the window exists: fullscreen, borderless, no cursor (again, for an App started
    without `prepare`), and every close request refused."""
    window.fullscreen = "auto"
    window.borderless = True
    window.show_cursor = False
    window.bind(on_request_close=lambda *_args, **_kwargs: True)
