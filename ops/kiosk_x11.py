"""What the X server says about the kiosk's window, and keys and close requests sent through it
as a keyboard or a window manager would send them (libX11 and libXtst through ctypes: no
xdotool needed). For the kiosk-mode test under Xvfb; Kivy's own view is read beside it."""

from __future__ import annotations

import ctypes
import ctypes.util

_xlib = ctypes.CDLL(ctypes.util.find_library("X11") or "libX11.so.6")
_xtst = ctypes.CDLL(ctypes.util.find_library("Xtst") or "libXtst.so.6")
_xlib.XOpenDisplay.restype = ctypes.c_void_p
_xlib.XOpenDisplay.argtypes = [ctypes.c_char_p]
_xlib.XCloseDisplay.argtypes = [ctypes.c_void_p]
_xlib.XFlush.argtypes = [ctypes.c_void_p]
_xlib.XSync.argtypes = [ctypes.c_void_p, ctypes.c_int]
_xlib.XDefaultScreen.argtypes = [ctypes.c_void_p]
_xlib.XDisplayWidth.argtypes = [ctypes.c_void_p, ctypes.c_int]
_xlib.XDisplayHeight.argtypes = [ctypes.c_void_p, ctypes.c_int]
_xlib.XDefaultRootWindow.argtypes = [ctypes.c_void_p]
_xlib.XDefaultRootWindow.restype = ctypes.c_ulong
_xlib.XStringToKeysym.argtypes = [ctypes.c_char_p]
_xlib.XStringToKeysym.restype = ctypes.c_ulong
_xlib.XKeysymToKeycode.argtypes = [ctypes.c_void_p, ctypes.c_ulong]
_xlib.XKeysymToKeycode.restype = ctypes.c_ubyte
_xlib.XInternAtom.argtypes = [ctypes.c_void_p, ctypes.c_char_p, ctypes.c_int]
_xlib.XInternAtom.restype = ctypes.c_ulong
_xlib.XGetGeometry.argtypes = [ctypes.c_void_p, ctypes.c_ulong] + [ctypes.c_void_p] * 7
_xlib.XTranslateCoordinates.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_int,
                                        ctypes.c_int] + [ctypes.c_void_p] * 3
_xlib.XSendEvent.argtypes = [ctypes.c_void_p, ctypes.c_ulong, ctypes.c_int, ctypes.c_long, ctypes.c_void_p]
_xtst.XTestFakeKeyEvent.argtypes = [ctypes.c_void_p, ctypes.c_uint, ctypes.c_int, ctypes.c_ulong]

CLIENT_MESSAGE = 33


class _ClientMessage(ctypes.Structure):
    _fields_ = [("type", ctypes.c_int), ("serial", ctypes.c_ulong), ("send_event", ctypes.c_int),
                ("display", ctypes.c_void_p), ("window", ctypes.c_ulong), ("message_type", ctypes.c_ulong),
                ("format", ctypes.c_int), ("data", ctypes.c_long * 5)]


class _Event(ctypes.Union):
    _fields_ = [("client", _ClientMessage), ("pad", ctypes.c_long * 24)]  # XEvent is 24 longs


class Display:
    def __init__(self) -> None:
        self.handle = _xlib.XOpenDisplay(None)
        if not self.handle:
            raise RuntimeError("no X display (DISPLAY unset?)")

    def close(self) -> None:
        _xlib.XCloseDisplay(self.handle)

    def screen_size(self) -> tuple[int, int]:
        screen = _xlib.XDefaultScreen(self.handle)
        return _xlib.XDisplayWidth(self.handle, screen), _xlib.XDisplayHeight(self.handle, screen)

    def geometry(self, window: int) -> tuple[int, int, int, int]:
        """(x, y, width, height) of a window on the screen, as the X server has it."""
        root, child = ctypes.c_ulong(), ctypes.c_ulong()
        x, y, left, top = ctypes.c_int(), ctypes.c_int(), ctypes.c_int(), ctypes.c_int()
        width, height, border, depth = (ctypes.c_uint() for _ in range(4))
        _xlib.XGetGeometry(self.handle, window, *(ctypes.byref(v) for v in (root, x, y, width, height,
                                                                            border, depth)))
        _xlib.XTranslateCoordinates(self.handle, window, root.value, 0, 0, ctypes.byref(left),
                                    ctypes.byref(top), ctypes.byref(child))
        return left.value, top.value, width.value, height.value

    def press(self, keysym: str) -> None:
        """A key pressed and released on the keyboard (XTEST): it goes where a real one would."""
        code = _xlib.XKeysymToKeycode(self.handle, _xlib.XStringToKeysym(keysym.encode()))
        if not code:
            raise ValueError(f"no key for {keysym}")
        _xtst.XTestFakeKeyEvent(self.handle, code, 1, 0)
        _xtst.XTestFakeKeyEvent(self.handle, code, 0, 0)
        _xlib.XSync(self.handle, 0)

    def request_close(self, window: int) -> None:
        """What a window manager's close button (or Alt+F4) sends: WM_DELETE_WINDOW."""
        event = _Event()
        event.client.type = CLIENT_MESSAGE
        event.client.window = window
        event.client.message_type = _xlib.XInternAtom(self.handle, b"WM_PROTOCOLS", 0)
        event.client.format = 32
        event.client.data[0] = _xlib.XInternAtom(self.handle, b"WM_DELETE_WINDOW", 0)
        _xlib.XSendEvent(self.handle, window, 0, 0, ctypes.byref(event))
        _xlib.XSync(self.handle, 0)
