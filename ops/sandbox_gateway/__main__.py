"""python -m ops.sandbox_gateway --host 127.0.0.1 --port 8470 --instance instance [--time-scale 1.0]"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from pathlib import Path

from werkzeug.serving import make_server

from ops.sandbox_gateway.app import create_app
from ops.sandbox_gateway.notifier import Notifier
from ops.sandbox_gateway.sandbox import Sandbox


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m ops.sandbox_gateway", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=8470, help="0 picks a free port")
    parser.add_argument(
        "--public-url",
        help="the URL phones and the back office reach this process at (default: from host and port)",
    )
    parser.add_argument("--instance", default="instance", help="keys, merchant files and records go under it")
    parser.add_argument(
        "--time-scale",
        type=float,
        default=float(os.environ.get("SANDBOX_TIME_SCALE", "1.0")),
        help="multiplies retry intervals and payment delays (0.01: 100 times faster)",
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(name)s %(levelname)s %(message)s")

    # Bind first: with --port 0 the URL written into payments.toml must carry the real port.
    server = make_server(args.host, args.port, app=None, threaded=True)
    url = args.public_url or f"http://{args.host}:{server.server_port}"
    try:
        sandbox = Sandbox(Path(args.instance), url, args.time_scale)
    except RuntimeError as refused:
        server.server_close()
        sys.exit(f"sandbox gateway: {refused}")
    server.app = create_app(sandbox)
    notifier = Notifier(sandbox)
    notifier.start()
    print(f"sandbox payment gateway at {url} (payments config: {sandbox.payments_toml})", flush=True)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        server.serve_forever()
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        notifier.stop()
        server.server_close()


if __name__ == "__main__":
    main()
