"""The columns of the registry workbook, shared by the template, the import and the export."""

from __future__ import annotations

from dataclasses import dataclass

from shared_models.models.registry import MAX_METERS_PER_BUS

GATEWAYS = "Gateways"
METERS = "Meters"
INSTRUCTIONS = "Instructions"


@dataclass(frozen=True)
class Column:
    name: str
    zh: str
    en: str


GATEWAY_COLUMNS: tuple[Column, ...] = (
    Column("site_code", "项目编号（必填，须已存在）", "Site code (required, must exist)"),
    Column("name", "通讯管理机名称（必填，项目内唯一）", "Gateway name (required, unique in the site)"),
    Column("host", "IP 地址或主机名（TCP 必填）", "IP address or host name (required for TCP)"),
    Column("port", "第 1 路总线的 TCP 端口，默认 502", "TCP port of bus 1, default 502"),
    Column("framing", "通讯方式", "Framing: modbus_tcp, rtu_over_tcp or serial"),
    Column("serial_device", "串口设备（serial 必填）", "Serial device (required for serial)"),
    Column("baud", "波特率，默认 9600", "Baud rate, default 9600"),
    Column("parity", "校验位 E/N/O，默认 E", "Parity E/N/O, default E"),
    Column("stop_bits", "停止位 1 或 2", "Stop bits, 1 or 2"),
    Column("timeout_ms", "超时（毫秒）50-60000，默认 400", "Timeout in ms, 50-60000, default 400"),
    Column("bus_count", "RS485 总线数 1-16，端口依次递增", "RS485 buses, 1-16, on consecutive ports"),
)

METER_COLUMNS: tuple[Column, ...] = (
    Column("serial_number", "表号（必填，全系统唯一）", "Serial number (required, unique everywhere)"),
    Column("site_code", "项目编号（必填）", "Site code (required)"),
    Column("gateway", "通讯管理机名称（已存在或在 Gateways 表中）",
           "Gateway name (existing or on the Gateways sheet)"),
    Column("bus", "总线号，从 1 开始", "Bus number, from 1"),
    Column("address", "Modbus 地址 1-247，同一总线内唯一", "Modbus address 1-247, unique on its bus"),
    Column("model", "型号，默认 WK-PM1", "Model, default WK-PM1"),
    Column("phases", "相数 1 或 3", "Phases, 1 or 3"),
    Column("ct_ratio", "互感器变比，默认 1", "CT ratio, default 1"),
    Column("control_mode", "费控方式：remote 远程 / local 本地", "Control mode: remote or local"),
    Column("building", "楼栋（不存在则新建）", "Building (created when new)"),
    Column("floor", "楼层（需填楼栋）", "Floor (needs the building)"),
    Column("unit", "房间/商铺（需填楼层）", "Unit (needs the floor)"),
)

SHEETS: dict[str, tuple[Column, ...]] = {GATEWAYS: GATEWAY_COLUMNS, METERS: METER_COLUMNS}


def names(sheet: str) -> list[str]:
    return [column.name for column in SHEETS[sheet]]


def instructions() -> list[tuple[str, ...]]:
    """The rows of the instructions sheet: general notes, then one line per column."""
    rows: list[tuple[str, ...]] = [
        ("说明 / Notes",),
        ("每张表第一行是列名，请勿修改；空白单元格取默认值。",
         "The first row of each sheet holds the column names: keep them; blank cells take defaults."),
        ("一行出错则整个文件不导入，错误会列出表名、行号和列名。",
         "If any row is wrong nothing is imported; errors name the sheet, row and column."),
        (f"每条总线最多 {MAX_METERS_PER_BUS} 块表。", f"A bus carries at most {MAX_METERS_PER_BUS} meters."),
        (),
        ("sheet", "column", "说明", "notes"),
    ]
    for sheet, columns in SHEETS.items():
        rows.extend((sheet, column.name, column.zh, column.en) for column in columns)
    return rows
