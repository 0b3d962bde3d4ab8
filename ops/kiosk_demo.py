"""`make kiosk`: the lobby kiosk against the running demo, with the device the demo registered
(instance/kiosk.ini, or instance/<PORT>/kiosk.ini for another PORT), windowed at 1280x800."""

from __future__ import annotations

import os
import sys

from ops.demo import DEFAULT_PORT, layout


def main() -> int:
    demo = layout(int(os.environ.get("PORT", str(DEFAULT_PORT))), os.environ)
    settings = demo.instance / "kiosk.ini"
    if not settings.exists():
        print(f"no {settings}: start the demo first (make demo), which registers the kiosk",
              file=sys.stderr)
        return 1
    size = os.environ.get("KIOSK_SIZE", "1280x800")
    os.execv(sys.executable, [sys.executable, "-m", "kiosk_app", "--config", str(settings), "--size", size])


if __name__ == "__main__":
    sys.exit(main())
