"""The contract as a PDF, drawn with reportlab's built-in CID font (no font file, no browser).

`STSong-Light` is one of the Adobe CJK fonts every PDF reader carries: the file names it and the
reader supplies the glyphs, so the server needs nothing but Python to print Chinese. The
document is made with reportlab's invariant mode (no creation time, a fixed file id), so the
same contract renders to the same bytes and its sha256 can be checked again later.
"""

from __future__ import annotations

from io import BytesIO
from xml.sax.saxutils import escape

from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from shared_models.contracts.document import ContractView

FONT = "STSong-Light"
KIND_TITLES = {"new": "", "supplement": "补充协议 Supplement", "resign": "重签 Re-signed"}


def _font() -> str:
    # Registered on first use, not at import (nothing happens at import).
    if FONT not in pdfmetrics.getRegisteredFontNames():
        pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


def _styles(font: str) -> dict[str, ParagraphStyle]:
    # CJK text has no spaces to break at: wordWrap="CJK" breaks between any two characters.
    body = ParagraphStyle("body", fontName=font, fontSize=10.5, leading=16, wordWrap="CJK")
    return {"title": ParagraphStyle("title", parent=body, fontSize=18, leading=26, alignment=1),
            "meta": ParagraphStyle("meta", parent=body, fontSize=9, leading=13, alignment=1),
            "heading": ParagraphStyle("heading", parent=body, fontSize=11.5, leading=18, spaceBefore=6),
            "body": body}


def render(view: ContractView) -> bytes:
    """The signed contract, A4, as PDF bytes."""
    font = _font()
    styles = _styles(font)
    buffer = BytesIO()
    doc = SimpleDocTemplate(buffer, pagesize=A4, leftMargin=22 * mm, rightMargin=22 * mm,
                            topMargin=20 * mm, bottomMargin=20 * mm, invariant=1,
                            title=f"{view.title} {view.number}", author=view.site_name,
                            creator="Wattkeeper")
    story = [Paragraph(escape(view.title), styles["title"]),
             Paragraph(escape(f"合同编号 No. {view.number}  {KIND_TITLES.get(view.kind, '')}"),
                       styles["meta"])]
    if view.previous_number:
        story.append(Paragraph(escape(f"原合同 Follows {view.previous_number}：{view.reason}"),
                               styles["meta"]))
    story.append(Spacer(1, 6 * mm))
    for title, text in view.clauses:
        if title:
            story.append(Paragraph(escape(title), styles["heading"]))
        story.append(Paragraph(escape(text), styles["body"]))
    story.append(Spacer(1, 10 * mm))
    rows = [["签订日期 Signed on", view.signed_on.isoformat() if view.signed_on else ""]]
    rows += [[f"签字 Signer {i}", name] for i, name in enumerate(view.signers, start=1)]
    table = Table(rows, colWidths=[45 * mm, 100 * mm])
    table.setStyle(TableStyle([("FONT", (0, 0), (-1, -1), font, 10.5),
                               ("LINEBELOW", (1, 0), (1, -1), 0.5, "#555555"),
                               ("TOPPADDING", (0, 0), (-1, -1), 6)]))
    story.append(table)

    def footer(canvas, document) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(A4[0] / 2, 12 * mm,
                                 f"{view.number}  第 {document.page} 页 / page {document.page}")
        canvas.restoreState()

    doc.build(story, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
