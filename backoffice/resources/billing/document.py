"""The bill document: what it shows, as printable HTML and as a PDF, in Chinese or English.

The PDF is drawn by reportlab with its built-in CID font STSong-Light, which the PDF viewer
supplies: the server needs no font file and no browser to print a bill in Chinese.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from html import escape
from zoneinfo import ZoneInfo

from flask_babel import force_locale, gettext
from sqlalchemy.orm import Session

from shared_models.models import Meter, Site, TenantAccount, Unit
from shared_models.models.billing import Bill, BillLineKind

FONT = "STSong-Light"


def _labels() -> dict[str, str]:
    """The document's words in the locale in force."""
    return {
        "title": gettext("Electricity bill"), "number": gettext("Bill number"),
        "site": gettext("Site"), "account": gettext("Account"), "tenant": gettext("Tenant"),
        "unit": gettext("Unit"), "period": gettext("Period"), "state": gettext("State"),
        "readings": gettext("Meter readings"), "meter": gettext("Meter"),
        "start": gettext("Start reading"), "end": gettext("End reading"), "kwh": gettext("kWh"),
        "charges": gettext("Charges"), "band": gettext("Band"), "tier": gettext("Tier"),
        "price": gettext("Price (yuan/kWh)"), "amount": gettext("Amount (yuan)"),
        "fixed": gettext("Fixed charge"), "power_factor": gettext("Power-factor adjustment"),
        "rounding": gettext("Rounding"), "this_period": gettext("Charges this period"),
        "previous": gettext("Previous balance"), "payments": gettext("Payments"),
        "due": gettext("Amount due"), "due_date": gettext("Due date"), "summary": gettext("Summary"),
        "not_released": gettext("Not released yet"),
        "sharp": gettext("Sharp"), "peak": gettext("Peak"), "flat": gettext("Flat"),
        "valley": gettext("Valley"),
        "draft": gettext("Draft"), "calculated": gettext("Calculated"), "reviewed": gettext("Reviewed"),
        "released": gettext("Released"), "partially_settled": gettext("Partially settled"),
        "settled": gettext("Settled"), "cancelled": gettext("Cancelled"),
        "written_off": gettext("Written off"),
    }


@dataclass(frozen=True)
class View:
    """Everything the document prints, as text, in one language."""

    labels: dict[str, str]
    head: list[tuple[str, str]]
    meters: list[list[str]]
    lines: list[list[str]]
    totals: list[tuple[str, str]]


def _local(moment: datetime | None, zone: ZoneInfo) -> str:
    return "" if moment is None else moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")


def bill_view(db: Session, bill: Bill, lang: str) -> View:
    with force_locale(lang):
        words = _labels()
    site = db.get(Site, bill.site_id)
    account = db.get(TenantAccount, bill.account_id)
    zone = ZoneInfo(site.timezone)
    unit = db.get(Unit, account.unit_id) if account.unit_id else None
    place = "" if unit is None else f"{unit.floor.building.name} {unit.floor.name} {unit.name}"
    first = bill.period_start.astimezone(zone).date()
    last = (bill.period_end.astimezone(zone) - timedelta(days=1)).date()
    head = [(words["number"], bill.number), (words["site"], site.name),
            (words["account"], account.number), (words["tenant"], account.tenant_name),
            (words["unit"], place), (words["period"], f"{first} – {last}"),
            (words["state"], words[bill.state.value])]
    head = [(label, value) for label, value in head if value]  # no unit: no empty row
    serials = {m.meter_id: db.get(Meter, m.meter_id).serial_number for m in bill.meters}
    meters = [[serials[m.meter_id], f"{m.start_total} ({_local(m.start_at, zone)})",
               f"{m.end_total} ({_local(m.end_at, zone)})", str(m.kwh)] for m in bill.meters]
    lines = []
    for line in bill.lines:
        if line.kind == BillLineKind.ENERGY:
            name = words.get(line.band or "", line.band or "")
            lines.append([serials.get(line.meter_id, ""), name, "" if line.tier is None else str(line.tier),
                          str(line.kwh), str(line.price), str(line.amount)])
        else:
            lines.append(["", words[line.kind.value if line.kind != BillLineKind.FIXED else "fixed"],
                          "", "", "", str(line.amount)])
    due = bill.previous_balance + bill.charges - bill.payments
    totals = [(words["this_period"], str(bill.charges)), (words["previous"], str(bill.previous_balance)),
              (words["payments"], str(-bill.payments if bill.payments else Decimal("0.00"))),
              (words["due"], str(due)),
              (words["due_date"], str(bill.due_date) if bill.due_date else words["not_released"])]
    return View(words, head, meters, lines, totals)


def _table(headers: list[str], rows: list[list[str]], numeric_from: int) -> str:
    cells = "".join(f"<th>{escape(h)}</th>" for h in headers)
    body = "".join(
        "<tr>" + "".join(f'<td{" class=n" if i >= numeric_from else ""}>{escape(c)}</td>'
                         for i, c in enumerate(row)) + "</tr>" for row in rows)
    return f"<table><thead><tr>{cells}</tr></thead><tbody>{body}</tbody></table>"


_STYLE = """
body{font-family:"Noto Sans CJK SC","Microsoft YaHei","PingFang SC",sans-serif;margin:24px;color:#111}
h1{font-size:22px;margin:0 0 12px} h2{font-size:15px;margin:18px 0 6px}
table{border-collapse:collapse;width:100%;font-size:13px}
th,td{border:1px solid #999;padding:4px 6px;text-align:left} td.n{text-align:right}
dl{display:grid;grid-template-columns:max-content 1fr;gap:2px 12px;font-size:13px;margin:0}
dt{color:#555} .totals td:first-child{font-weight:bold} .due td{font-size:15px;font-weight:bold}
@media print{body{margin:0}}
"""


def render_html(view: View, lang: str) -> str:
    w = view.labels
    head = "".join(f"<dt>{escape(k)}</dt><dd>{escape(v)}</dd>" for k, v in view.head)
    meters = _table([w["meter"], w["start"], w["end"], w["kwh"]], view.meters, 1)
    lines = _table([w["meter"], w["band"], w["tier"], w["kwh"], w["price"], w["amount"]], view.lines, 2)
    totals = "".join(f'<tr{" class=due" if k == w["due"] else ""}><td>{escape(k)}</td>'
                     f"<td class=n>{escape(v)}</td></tr>" for k, v in view.totals)
    return (f'<!doctype html><html lang="{"zh-CN" if lang == "zh" else "en"}"><head><meta charset="utf-8">'
            f"<title>{escape(w['title'])} {escape(view.head[0][1])}</title><style>{_STYLE}</style></head>"
            f"<body><h1>{escape(w['title'])}</h1><dl>{head}</dl>"
            f"<h2>{escape(w['readings'])}</h2>{meters}<h2>{escape(w['charges'])}</h2>{lines}"
            f'<h2>{escape(w["summary"])}</h2><table class="totals">{totals}</table></body></html>')


def render_pdf(view: View) -> bytes:
    from reportlab.lib import colors
    from reportlab.lib.pagesizes import A4
    from reportlab.lib.styles import ParagraphStyle
    from reportlab.lib.units import mm
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    w = view.labels
    title = ParagraphStyle("title", fontName=FONT, fontSize=18, leading=24)
    heading = ParagraphStyle("heading", fontName=FONT, fontSize=12, leading=18, spaceBefore=8)
    grid = TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 9),
                       ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                       ("BACKGROUND", (0, 0), (-1, 0), colors.whitesmoke)])
    plain = TableStyle([("FONTNAME", (0, 0), (-1, -1), FONT), ("FONTSIZE", (0, 0), (-1, -1), 10)])

    def table(headers, rows, numeric_from):
        width = 180 * mm / len(headers)  # the page's text width, shared evenly
        t = Table([headers, *rows], repeatRows=1, colWidths=[width] * len(headers), hAlign="LEFT")
        t.setStyle(grid)
        t.setStyle(TableStyle([("ALIGN", (numeric_from, 1), (-1, -1), "RIGHT")]))
        return t

    totals = Table([list(row) for row in view.totals], colWidths=[60 * mm, 40 * mm], hAlign="LEFT")
    totals.setStyle(grid)
    totals.setStyle(TableStyle([("ALIGN", (1, 0), (1, -1), "RIGHT"),
                                ("FONTSIZE", (0, 3), (-1, 3), 12)]))
    head = Table([list(row) for row in view.head], colWidths=[30 * mm, 120 * mm], hAlign="LEFT")
    head.setStyle(plain)
    story = [Paragraph(w["title"], title), head, Spacer(1, 4 * mm),
             Paragraph(w["readings"], heading),
             table([w["meter"], w["start"], w["end"], w["kwh"]], view.meters, 1),
             Paragraph(w["charges"], heading),
             table([w["meter"], w["band"], w["tier"], w["kwh"], w["price"], w["amount"]], view.lines, 2),
             Paragraph(w["summary"], heading), totals]
    out = io.BytesIO()
    SimpleDocTemplate(out, pagesize=A4, title=f"{w['title']} {view.head[0][1]}",
                      leftMargin=15 * mm, rightMargin=15 * mm, topMargin=15 * mm,
                      bottomMargin=15 * mm).build(story)
    return out.getvalue()
