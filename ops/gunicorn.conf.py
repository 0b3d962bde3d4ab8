"""gunicorn settings for the API (demo and production); override with GUNICORN_CMD_ARGS."""

import multiprocessing
import os

from backoffice import log_setup

workers = int(os.environ.get("WEB_CONCURRENCY", multiprocessing.cpu_count() * 2 + 1))
threads = int(os.environ.get("WATTKEEPER_THREADS", "4"))
worker_class = "gthread"
timeout = 30
graceful_timeout = 20
keepalive = 5
accesslog = "-"
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# The app factory configures no logging; the API's loggers log at INFO to gunicorn's stderr.
log_setup.configure()


# Prometheus multiprocess mode (production sets PROMETHEUS_MULTIPROC_DIR): every worker writes
# its counts to files there and /metrics adds them up (backoffice/observability.py).
def on_starting(server):
    path = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    if path:
        # Start from nothing: files of an earlier run would be added into the new counts.
        os.makedirs(path, exist_ok=True)
        for name in os.listdir(path):
            if name.endswith(".db"):
                os.remove(os.path.join(path, name))


def child_exit(server, worker):
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
