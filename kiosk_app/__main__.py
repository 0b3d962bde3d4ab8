"""`python -m kiosk_app [--config kiosk.ini]`: the lobby kiosk (see docs/kiosk.md)."""

from __future__ import annotations

import argparse
import os


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m kiosk_app", description=__doc__)
    parser.add_argument("--config", help="the kiosk's settings file (.ini)")
    parser.add_argument("--size", help="window size in development, e.g. 1280x800 or 1080x1920 "
                        "(kiosk mode covers the display)")
    args = parser.parse_args()
    os.environ.setdefault("KIVY_NO_ARGS", "1")  # our arguments, not Kivy's
    os.environ.setdefault("KIVY_LOG_MODE", "PYTHON")
    from kiosk_app import kiosk_mode, settings

    kiosk_mode.prepare(settings.kiosk_mode_on(args.config), args.size)
    from kiosk_app.app import KioskApp

    KioskApp(settings_file=args.config).run()


if __name__ == "__main__":
    main()
