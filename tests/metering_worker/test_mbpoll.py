"""An independent Modbus master (Debian's mbpoll) reads the simulator like a real gateway."""

from __future__ import annotations

import asyncio
import os
import re
import shutil

import pytest

from metering_worker.protocol import decode_hot_block

pytestmark = pytest.mark.slow  # end to end: the mbpoll tool against the simulator

MBPOLL = shutil.which("mbpoll")
VALUE = re.compile(r"^\[(\d+)\]:\s+(-?\w+)", re.MULTILINE)

if MBPOLL is None:
    if os.environ.get("CI", "").lower() == "true":
        pytest.fail("mbpoll is missing on CI (.ci/run installs it with apt-get)", pytrace=False)
    pytest.skip("mbpoll not installed (apt-get install -y mbpoll)", allow_module_level=True)


async def mbpoll(*args: str) -> dict[int, int]:
    """Run mbpoll once; {1-based reference: value}."""
    assert MBPOLL is not None
    proc = await asyncio.create_subprocess_exec(
        MBPOLL, *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE
    )
    out, err = await asyncio.wait_for(proc.communicate(), 20)
    assert proc.returncode == 0, err.decode()
    return {int(ref): int(value, 0) for ref, value in VALUE.findall(out.decode())}


def test_mbpoll_reads_the_hot_block(fleet_config, with_fleet) -> None:
    async def body(fleet):
        port = fleet.ports[0]
        meter = fleet.meter(port, 7)
        meter.state.balance_micro = -1_234_500_000  # -1234.50 yuan, a signed I32
        meter.state.protect = True  # 保电: keeps consuming in arrears
        fleet.advance(5 * 3600)
        common = ("-m", "tcp", "-a", "7", "-1", "-p", str(port), "127.0.0.1")
        raw = await mbpoll("-r", "1", "-c", "32", "-t", "4:hex", *common)
        balance = await mbpoll("-r", "22", "-c", "1", "-t", "4:int", "-B", *common)
        return raw, balance, meter.read(0, 32), meter.hot_block()

    raw, balance, held, block = with_fleet(fleet_config(8, mode="local"), body)
    regs = [raw[ref] for ref in range(1, 33)]
    assert regs == held
    assert decode_hot_block(regs) == block
    assert (regs[0] << 16 | regs[1]) == int(block.total_energy * 100) > 0
    assert regs[31] == 1  # map version
    assert balance == {22: block_cents(block)}
    assert block_cents(block) < -123_450


def block_cents(block) -> int:
    return int(block.balance * 100)
