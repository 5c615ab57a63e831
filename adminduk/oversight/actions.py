"""The one state change of the oversight app: issuing a rakor report (audited)."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from django.core.exceptions import ValidationError

from adminduk.audit import chain
from adminduk.audit.actions import record as audit_record

from . import render, summary

FORMATS = ("pdf", "html")


def do_make_rakor_report(*, on: dt.date, fmt: str, actor=None, out: Path | None = None,
                         purpose: str = "laporan rakor Komisi A") -> tuple[summary.Report, bytes]:
    """Build the report for `on`, record its issue in the audit log, and render it.

    The audit entry is written first and the report prints the chain head after it,
    so the printed head names this very issue: anyone holding the log can tie the
    figures on paper to the moment they were produced.
    """
    if fmt not in FORMATS:
        raise ValidationError({"format": f"format {fmt!r} tidak dikenal; pilihan: pdf, html"})
    report = summary.build(on)
    audit_record(actor, "oversight.report.rakor", purpose=purpose, object_type="aggregate",
                 query=f"rakor per {on.isoformat()} ({fmt}); snapshot cakupan per {report.snapshot_as_of}")
    report.audit_head = chain.head()
    if fmt == "html":
        data = render.render_html(report).encode()
        if out:
            Path(out).write_bytes(data)
        return report, data
    if out is None:
        import tempfile

        with tempfile.NamedTemporaryFile(suffix=".pdf") as tmp:
            render.render_pdf(report, Path(tmp.name))
            return report, Path(tmp.name).read_bytes()
    render.render_pdf(report, Path(out))
    return report, Path(out).read_bytes()
