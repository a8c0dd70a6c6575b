"""The RAD KLA action plan as a workbook to hand over: a summary sheet (where the city stands,
the target predicate, what the done and the planned actions secure), the actions (one row
each, real dates and numbers Excel can sort and sum, overdue marked in words) and their
questions (one row per question with its expected points). Headers in ``lang``; every text
cell neutralised (``xlsx_text``: no formula runs when the file is opened)."""

from __future__ import annotations

import io
from collections.abc import Mapping, Sequence
from datetime import date, datetime

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter

from kla.domain.action_plan import PlanProgress, is_overdue
from kla.domain.framework import Framework
from kla.domain.predicate import round2
from kla.i18n import fmt_time, t
from kla.io.export import xlsx_text

RP = '#,##0'
POINTS = '#,##0.00'
DAY = 'DD/MM/YYYY'


def _sheet(wb: Workbook, title: str, headers: Sequence[str], rows: Sequence[Sequence],
           formats: Mapping[int, str] | None = None, widths: Sequence[int] = (),
           first: bool = False):
    ws = wb.active if first else wb.create_sheet()
    ws.title = title[:31]
    ws.append([xlsx_text(h) for h in headers])
    for cell in ws[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        ws.append([xlsx_text(v) if isinstance(v, str) else v for v in row])
    for col, fmt in (formats or {}).items():
        for cell in ws.iter_rows(min_row=2, min_col=col, max_col=col):
            cell[0].number_format = fmt
    for i, w in enumerate(widths, start=1):
        ws.column_dimensions[get_column_letter(i)].width = w
    ws.freeze_panes = "A2"
    return ws


def _expected_points(fw: Framework, credits: Mapping[str, float]) -> float:
    return round2(sum(float(c) * fw.questions[q].max for q, c in credits.items()
                      if q in fw.questions))


def plan_workbook(fw: Framework, actions: Sequence[Mapping], prog: PlanProgress, *,
                  region: str, year: int, lang: str, today: date,
                  generated: datetime | None = None) -> bytes:
    """The workbook of one kab/kota's plan for ``year`` (``actions``: the dicts of
    ``kla.services.action_plan.list_actions``; ``prog``: its progress to the target)."""
    def lab(key: str, **kw) -> str:
        return t(f"plan.xlsx.{key}", lang, **kw)

    wb = Workbook()
    pred = {p: t(f"predicate.{p}", lang) for p in
            {prog.target, prog.predicate, prog.done_predicate, prog.all_predicate}}
    summary = [
        (lab("region"), region), (lab("year"), year),
        (lab("target"), pred[prog.target]), (lab("threshold"), prog.threshold),
        (lab("total"), prog.total), (lab("predicate"), pred[prog.predicate]),
        (lab("points_needed"), prog.points_needed),
        (lab("points_secured"), prog.points_secured),
        (lab("done_total"), prog.done_total), (lab("done_predicate"), pred[prog.done_predicate]),
        (lab("points_remaining"), prog.points_remaining),
        (lab("all_total"), prog.all_total), (lab("all_predicate"), pred[prog.all_predicate]),
        (lab("actions"), len(actions)),
        (lab("overdue"), sum(is_overdue(a["status"], a["due_date"], today) for a in actions)),
        (lab("budget"), sum(int(a["budget_rp"]) for a in actions)),
        (lab("generated"), fmt_time(generated or today, lang)),
    ]
    ws = _sheet(wb, lab("sheet_summary"), [lab("item"), lab("value")], summary,
                widths=(44, 28), first=True)
    for i, (key, value) in enumerate(summary, start=2):
        if key == lab("budget"):
            ws.cell(i, 2).number_format = RP
        elif isinstance(value, float):
            ws.cell(i, 2).number_format = POINTS

    rows = []
    for a in actions:
        late = is_overdue(a["status"], a["due_date"], today)
        rows.append([a["id"], a["title"], a["opd"] or t("plan.no_opd", lang),
                     t(f"plan.status.{a['status']}", lang),
                     t("plan.overdue_mark", lang) if late else "",
                     a["start_date"], a["due_date"], int(a["budget_rp"]), a["apbd_ref"],
                     len(a["credits"]), _expected_points(fw, a["credits"]),
                     a["evidence_note"], (a.get("evidence") or {}).get("name", ""),
                     fmt_time(a["applied_at"], lang) if a.get("applied_at") else ""])
    _sheet(wb, lab("sheet_actions"),
           [t("plan.col.id", lang), t("plan.field.title", lang), t("plan.field.opd", lang),
            t("plan.field.status", lang), t("plan.overdue", lang),
            t("plan.field.start_date", lang), t("plan.field.due_date", lang),
            t("plan.field.budget_rp", lang), t("plan.field.apbd_ref", lang),
            lab("n_questions"), lab("expected_points"), t("plan.field.evidence_note", lang),
            lab("file"), t("plan.col.applied", lang)],
           rows, {6: DAY, 7: DAY, 8: RP, 11: POINTS},
           (6, 48, 28, 12, 12, 12, 12, 16, 28, 10, 12, 32, 24, 20))

    qrows = []
    for a in actions:
        for qid, c in a["credits"].items():
            q = fw.questions.get(qid)
            if q is None:
                continue
            qrows.append([a["id"], a["title"], qid, q.text, q.indicator, q.block, q.max,
                          float(c), round2(float(c) * q.max)])
    _sheet(wb, lab("sheet_questions"),
           [t("plan.col.id", lang), t("plan.field.title", lang), lab("qid"), lab("question"),
            lab("indicator"), lab("block"), lab("max_points"), t("plan.field.credit", lang),
            lab("expected_points")],
           qrows, {7: POINTS, 8: '0.00', 9: POINTS}, (6, 40, 10, 60, 10, 14, 10, 10, 12))
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


__all__ = ["plan_workbook"]
