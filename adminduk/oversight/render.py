"""The rakor report as HTML (the page's template, standalone) and as PDF (reportlab).

Both render the same `summary.Report`; the PDF draws its charts with reportlab.graphics
(pure Python, no browser), so a report can be made on a server with nothing else.
"""

from __future__ import annotations

from decimal import Decimal
from pathlib import Path
from xml.sax.saxutils import escape as esc

from django.contrib.staticfiles import finders
from django.template.loader import render_to_string
from django.utils import translation
from django.utils.formats import number_format
from reportlab.graphics.shapes import Circle, Drawing, Line, PolyLine, Rect, String
from reportlab.lib import colors
from reportlab.lib.enums import TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle, getSampleStyleSheet
from reportlab.lib.units import cm
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.flowables import HRFlowable

from adminduk.coverage.charts import short_name

from .summary import Chart, Report

ACCENT = colors.HexColor("#0b5ea8")
BELOW = colors.HexColor("#c2410c")
TARGET = colors.HexColor("#1e7b34")
GRID = colors.HexColor("#dde3ea")
MUTED = colors.HexColor("#5b6b7c")


def render_html(report: Report) -> str:
    css_path = finders.find("coverage/coverage.css")
    css = Path(css_path).read_text() if css_path else ""
    css = ":root { --fg:#1d2733; --muted:#5b6b7c; --accent:#0b5ea8; --card:#fff; --ok:#1e7b34; }\n" \
          "table { border-collapse:collapse; width:100%; } th, td { padding:.3rem .5rem; border-bottom:1px solid " \
          "#dde3ea; text-align:left; } th { background:#eef2f6; }\n" + css
    return render_to_string("oversight/report.html", {"report": report, "css": css})


def _cell(value) -> str:
    if value is None:
        return "–"
    if isinstance(value, Decimal):
        return number_format(value, 2, use_l10n=True, force_grouping=True) + "%"
    if isinstance(value, int):
        return number_format(value, 0, use_l10n=True, force_grouping=True)
    return str(value)


def _bars(chart: Chart, width: float) -> Drawing:
    row, left, right, top = 16, 120, 40, 18
    height = top + row * len(chart.items) + 18
    plot = width - left - right
    d = Drawing(width, height)
    d.add(String(0, height - 12, chart.title, fontName="Helvetica-Bold", fontSize=9))
    base = height - top
    for pct in (0, 25, 50, 75, 100):
        x = left + plot * pct / 100
        d.add(Line(x, 14, x, base, strokeColor=GRID, strokeWidth=0.5))
        d.add(String(x, 4, f"{pct}%", fontSize=7, fillColor=MUTED, textAnchor="middle"))
    for i, item in enumerate(chart.items):
        label, pct, target = item[:3]
        text = item[3] if len(item) > 3 and item[3] else None
        y = base - (i + 1) * row
        d.add(String(left - 4, y + 4, short_name(str(label))[:28], fontSize=7.5, textAnchor="end"))
        if pct is None:
            continue
        w = plot * min(float(pct), 100) / 100
        colour = MUTED if text else BELOW if target is not None and pct < target else ACCENT
        d.add(Rect(left, y + 2, w, row - 5, fillColor=colour, strokeColor=None))
        d.add(String(left + w + 3, y + 4, text or f"{float(pct):.1f}%".replace(".", ","), fontSize=7))
        if target is not None:
            tx = left + plot * float(target) / 100
            d.add(Line(tx, y, tx, y + row - 1, strokeColor=TARGET, strokeWidth=2))
    return d


def _trend(chart: Chart, width: float, height: float = 150) -> Drawing:
    left, right, top, bottom = 36, 10, 18, 18
    d = Drawing(width, height)
    d.add(String(0, height - 12, chart.title, fontName="Helvetica-Bold", fontSize=9))
    values = [float(p) for _, p in chart.items if p is not None]
    if not values:
        return d
    extra = [float(chart.target)] if chart.target is not None else []
    lo, hi = min(values + extra), max(values + extra)
    lo, hi = max(0.0, lo - max(1.0, (hi - lo) * 0.15)), min(100.0, hi + max(0.5, (hi - lo) * 0.15))
    pw, ph = width - left - right, height - top - bottom

    def y(v):
        return bottom + ph * (v - lo) / (hi - lo)

    def x(i):
        return left + (pw * i / (len(chart.items) - 1) if len(chart.items) > 1 else pw / 2)

    for k in range(5):
        v = lo + (hi - lo) * k / 4
        d.add(Line(left, y(v), width - right, y(v), strokeColor=GRID, strokeWidth=0.5))
        d.add(String(left - 3, y(v) - 2, f"{v:.1f}".replace(".", ","), fontSize=7, fillColor=MUTED,
                     textAnchor="end"))
    if chart.target is not None:
        d.add(Line(left, y(float(chart.target)), width - right, y(float(chart.target)), strokeColor=TARGET,
                   strokeWidth=1.5, strokeDashArray=[4, 3]))
    pts = []
    for i, (day, p) in enumerate(chart.items):
        if p is None:
            continue
        pts += [x(i), y(float(p))]
        d.add(Circle(x(i), y(float(p)), 2, fillColor=ACCENT, strokeColor=None))
        d.add(String(x(i), 4, day.strftime("%m/%Y"), fontSize=6.5, fillColor=MUTED, textAnchor="middle"))
    d.add(PolyLine(pts, strokeColor=ACCENT, strokeWidth=1.8))
    return d


def render_pdf(report: Report, out: Path) -> None:
    styles = getSampleStyleSheet()
    small = ParagraphStyle("small", parent=styles["BodyText"], fontSize=7.5, leading=9.5, textColor=MUTED,
                           alignment=TA_LEFT)
    body = ParagraphStyle("body", parent=styles["BodyText"], fontSize=9, leading=11.5)
    cell = ParagraphStyle("cell", parent=body, fontSize=7.5, leading=9)
    tiny = ParagraphStyle("tiny", parent=body, fontSize=6.3, leading=7.5)
    right = {id(cell): ParagraphStyle("cell_r", parent=cell, alignment=TA_RIGHT),
             id(tiny): ParagraphStyle("tiny_r", parent=tiny, alignment=TA_RIGHT)}
    h1, h2, h3 = styles["Title"], styles["Heading2"], ParagraphStyle("h3", parent=styles["Heading4"], spaceBefore=6)
    doc = SimpleDocTemplate(str(out), pagesize=A4, leftMargin=1.6 * cm, rightMargin=1.6 * cm, topMargin=1.5 * cm,
                            bottomMargin=1.5 * cm, title=f"Laporan rakor Komisi A {report.on:%d-%m-%Y}",
                            author="Dinas Dukcapil DKI Jakarta (adminduk)")
    width = A4[0] - 3.2 * cm
    story = [
        Paragraph("Laporan rapat koordinasi Komisi A DPRD DKI Jakarta dengan Dinas Dukcapil", h1),
        Paragraph(f"Per tanggal {report.on:%d-%m-%Y} · dibuat {report.generated_at:%d-%m-%Y %H:%M} UTC"
                  + (f" · snapshot cakupan per {report.snapshot_as_of:%d-%m-%Y}" if report.snapshot_as_of else ""),
                  body),
        Paragraph("Hanya angka agregat per kota dan DKI; tidak ada nama atau NIK. Angka 1–9 ditampilkan sebagai "
                  "&lt;10; × adalah angka lain yang disamarkan karena jumlah baris atau kolom dapat membuka angka "
                  "kecil. Persen ditampilkan sebagai batas (&gt; 99,9%) bila angka pastinya dapat membukanya.", small),
    ]
    if report.audit_head:
        story.append(Paragraph(f"Kepala rantai audit: #{report.audit_head[0]} · {report.audit_head[1]}", small))
    story.append(HRFlowable(width="100%", color=GRID, spaceBefore=4, spaceAfter=4))
    for n, section in enumerate(report.sections, start=1):
        story.append(Paragraph(esc(f"{n}. {section.title}"), h2))
        story.append(Paragraph(esc(section.issue), small))
        if not section.available:
            story.append(Paragraph(esc(section.unavailable), body))
        for note in section.notes:
            story.append(Paragraph(esc(note), body))
        for t in section.tables:
            wide = len(t.columns) > 7
            style = tiny if wide else cell
            style_r = right[id(style)]
            data = [[Paragraph(f"<b>{esc(str(c))}</b>", style if i == 0 else style_r) for i, c in enumerate(t.columns)]]
            # Row labels without "Kota Administrasi": the page is narrower than the screen.
            data += [[Paragraph(esc(short_name(_cell(v))), style) if i == 0 else Paragraph(esc(_cell(v)), style_r)
                      for i, v in enumerate(row)] for row in t.rows]
            first = width * (0.16 if wide else 0.3 if len(t.columns) > 3 else 0.6)
            widths = [first] + [(width - first) / max(1, len(t.columns) - 1)] * (len(t.columns) - 1)
            table = Table(data, colWidths=widths, repeatRows=1)
            table.setStyle(TableStyle([("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eef2f6")),
                                       ("LINEBELOW", (0, 0), (-1, -1), 0.3, GRID),
                                       ("VALIGN", (0, 0), (-1, -1), "TOP")]))
            meta = " ".join(filter(None, [
                f"Definisi: {t.definition}." if t.definition else "", f"Sumber: {t.source}." if t.source else "",
                f"Data per {t.as_of:%d-%m-%Y}." if t.as_of else "", f"{t.note}." if t.note else ""]))
            items = [Paragraph(esc(d), small) for d in t.definition_items]
            story.append(KeepTogether([Paragraph(esc(t.title), h3), table, Spacer(1, 2), *items,
                                       Paragraph(esc(meta), small)]))
        for chart in section.charts:
            story.append(Spacer(1, 6))
            story.append(_trend(chart, width) if chart.kind == "trend" else _bars(chart, width))
        story.append(Spacer(1, 8))
    with translation.override("id"):
        doc.build(story)
