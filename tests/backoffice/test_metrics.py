"""/metrics adds up every gunicorn worker's counts in multiprocess mode."""

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
LINE = 'wattkeeper_http_requests_total{endpoint="api-docs.openapi_json",method="GET",status="200"}'

# One "worker": its own app in its own process; makes `n` requests, then prints /metrics.
WORKER = """
import sys
from backoffice import create_app

app = create_app({"TESTING": True, "DATABASE_URL": "sqlite:///" + sys.argv[2],
                  "REDIS_URL": "redis://127.0.0.1:9/0", "SECRET_KEY": "metrics-test"})
client = app.test_client()
for _ in range(int(sys.argv[1])):
    assert client.get("/api/openapi.json").status_code == 200
sys.stdout.write(client.get("/metrics").get_data(as_text=True))
"""


def _value(text: str) -> float | None:
    for line in text.splitlines():
        if line.startswith(LINE + " "):
            return float(line.rsplit(" ", 1)[1])
    return None


def _worker(tmp_path, requests: int, multiproc_dir: Path | None) -> subprocess.Popen:
    env = {k: v for k, v in os.environ.items() if k != "PROMETHEUS_MULTIPROC_DIR"}
    if multiproc_dir is not None:
        env["PROMETHEUS_MULTIPROC_DIR"] = str(multiproc_dir)
    return subprocess.Popen([sys.executable, "-c", WORKER, str(requests), str(tmp_path / "db.sqlite3")],
                            cwd=ROOT, env=env, stdout=subprocess.PIPE, text=True)


def _output(process: subprocess.Popen) -> str:
    out, _ = process.communicate(timeout=120)
    assert process.returncode == 0
    return out


def test_metrics_show_the_sum_of_every_process(tmp_path):
    multiproc_dir = tmp_path / "prometheus"
    multiproc_dir.mkdir()
    # Two workers at the same time, each seeing at least its own count in its own scrape.
    first, second = _worker(tmp_path, 3, multiproc_dir), _worker(tmp_path, 4, multiproc_dir)
    assert 3.0 <= _value(_output(first)) <= 7.0
    assert 4.0 <= _value(_output(second)) <= 7.0
    scrape = _output(_worker(tmp_path, 0, multiproc_dir))
    assert _value(scrape) == 7.0
    assert "wattkeeper_http_request_seconds_count" in scrape


def test_one_process_keeps_its_own_registry(tmp_path):
    assert _value(_output(_worker(tmp_path, 2, None))) == 2.0


@pytest.mark.parametrize("requests", [1, 3])
def test_metrics_in_process(client, requests):
    for _ in range(requests):
        client.get("/api/openapi.json")
    assert _value(client.get("/metrics").get_data(as_text=True)) == requests
