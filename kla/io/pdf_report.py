"""A printable KLA assessment report (A4 PDF, fpdf2). Pure: no database, no Streamlit.

Every label comes from the catalogue (``kla.i18n``: the ``pdf.*`` keys, and the shared
``predicate.*`` and ``stage.*`` names) in the language asked. The standing chart is drawn with
fpdf rectangles in the colours of the one palette (``kla.domain.palette``, also used by the web
charts), so no browser or image exporter is needed.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from babel.dates import format_date
from fpdf import FPDF
from fpdf.fonts import FontFace

from kla.domain import explain
from kla.domain.completeness import NO_EVIDENCE, UNANSWERED
from kla.domain.framework import Framework
from kla.domain.palette import (
    BACKDROP,
    BAR,
    INK,
    MUTED,
    UNKNOWN,
    WHITE,
    band_colours,
    band_ranges,
    tint,
)
from kla.domain.scoring import ScoreResult
from kla.i18n import fmt_num, fmt_time, t
from kla.settings import local_today

FONT_DIR = Path(__file__).resolve().parent / "fonts"
FONT = "DejaVu"
TOP_GAPS = 15
MAX_TEXT = 260  # characters of a question text shown in the gap table
MAX_REASON = 180
PROBLEMS = (UNANSWERED, NO_EVIDENCE)  # each named by the catalogue key pdf.problem.<code>


def _rgb(hex_colour: str) -> tuple[int, int, int]:
    h = hex_colour.lstrip("#")
    return int(h[0:2], 16), int(h[2:4], 16), int(h[4:6], 16)


def _tint(hex_colour: str, keep: float) -> tuple[int, int, int]:
    """The colour blended with white (``keep`` = share of the colour), like plotly's opacity."""
    return _rgb(tint(hex_colour, keep))


def _short(text: str, limit: int) -> str:
    """At most ``limit`` characters, cut at a word boundary ("…" when cut)."""
    text = " ".join(str(text or "").split())
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if text[limit - 1] != " " and " " in cut:  # not mid-word
        cut = cut.rsplit(" ", 1)[0]
    return cut.rstrip(" ,;:·") + "…"


class _Report(FPDF):
    """A4 portrait with DejaVu fonts and a "page n/N" footer."""

    def __init__(self, lang: str) -> None:
        super().__init__(orientation="P", unit="mm", format="A4")
        self.lang = lang
        self.add_font(FONT, "", str(FONT_DIR / "DejaVuSans.ttf"))
        self.add_font(FONT, "B", str(FONT_DIR / "DejaVuSans-Bold.ttf"))
        self.set_margins(15, 15, 15)
        self.set_auto_page_break(True, margin=18)

    def label(self, key: str, **kw: object) -> str:
        """The catalogue text ``pdf.<key>`` in the report's language."""
        return t(f"pdf.{key}", self.lang, **kw)

    def footer(self) -> None:
        self.set_y(-12)
        self.set_font(FONT, "", 8)
        self.set_text_color(*_rgb(MUTED))
        self.cell(0, 5, self.label("page", n=self.page_no(), nb=self.str_alias_nb_pages),
                  align="C")
        self.set_text_color(*_rgb(INK))

    def heading(self, text: str) -> None:
        self.ln(4)
        self.set_font(FONT, "B", 12)
        self.multi_cell(0, 7, text, new_x="LMARGIN", new_y="NEXT")
        self.set_font(FONT, "", 9)
        self.ln(1)


def _standing_chart(pdf: _Report, result: ScoreResult, fw: Framework, lang: str) -> None:
    """Bands 0..total_max shaded and labelled, ticks at band edges, the total as a bar."""
    x0, w, total_max = pdf.l_margin, pdf.epw, float(fw.total_max) or 1.0
    y_label, band_h = pdf.get_y(), 14.0
    y_band = y_label + 5

    def x_of(v: float) -> float:
        return x0 + w * min(max(v, 0.0), total_max) / total_max

    ranges = band_ranges(fw.bands, total_max)
    colours = band_colours(fw.bands)
    for code, lo, hi in ranges:
        current = code == result.predicate
        pdf.set_fill_color(*_tint(colours.get(code, UNKNOWN), 1.0 if current else BACKDROP))
        pdf.rect(x_of(lo), y_band, x_of(hi) - x_of(lo), band_h, style="F")
        name, size = t(f"predicate.{code}", lang), 8.0
        pdf.set_font(FONT, "B" if current else "", size)
        while pdf.get_string_width(name) > x_of(hi) - x_of(lo) - 1 and size > 5:
            size -= 0.5
            pdf.set_font_size(size)
        pdf.set_xy(x_of(lo), y_label)
        pdf.cell(x_of(hi) - x_of(lo), 5, name, align="C")
    # The total: a bar from 0 with a marker line and its value. The bar has a white outline
    # and the line a white edge, the value a white box: they read on any band, light or dark.
    xt = x_of(result.total)
    pdf.set_fill_color(*_rgb(BAR))
    pdf.set_draw_color(*_rgb(WHITE))
    pdf.set_line_width(0.3)
    pdf.rect(x0, y_band + band_h / 2 - 2.5, xt - x0, 5, style="DF")
    pdf.set_line_width(1.1)
    pdf.line(xt, y_band - 1, xt, y_band + band_h + 1)
    pdf.set_draw_color(*_rgb(INK))
    pdf.set_line_width(0.5)
    pdf.line(xt, y_band - 1, xt, y_band + band_h + 1)
    value = fmt_num(result.total, lang)
    pdf.set_font(FONT, "B", 9)
    vw = pdf.get_string_width(value) + 2
    vx = xt + 1 if xt + vw < x0 + w else xt - vw - 1
    pdf.set_xy(vx, y_band + 0.5)
    pdf.set_fill_color(*_rgb(WHITE))
    pdf.set_text_color(*_rgb(INK))
    pdf.cell(vw, 4.5, value, align="L", fill=True)
    # Axis with tick labels at band edges.
    y_axis = y_band + band_h
    pdf.set_line_width(0.2)
    pdf.line(x0, y_axis, x0 + w, y_axis)
    pdf.set_font(FONT, "", 7)
    edges = [lo for _, lo, _ in ranges] + [total_max]
    for i, edge in enumerate(edges):
        x = x_of(edge)
        pdf.line(x, y_axis, x, y_axis + 1.2)
        label = fmt_num(edge, lang, 0)
        lw = pdf.get_string_width(label) + 1
        left = x if i == 0 else x - lw if i == len(edges) - 1 else x - lw / 2
        pdf.set_xy(left, y_axis + 1.2)
        pdf.cell(lw, 3.5, label, align="C")
    pdf.set_xy(x0, y_axis + 5)
    pdf.set_text_color(*_rgb(MUTED))
    pdf.cell(w, 4, pdf.label("axis"), align="C", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_rgb(INK))
    pdf.ln(2)


def _standing_line(result: ScoreResult, lang: str) -> str:
    head = (f"{t('pdf.total', lang)}: {fmt_num(result.total, lang)} · "
            f"{t('pdf.predicate', lang)}: {t(f'predicate.{result.predicate}', lang)}")
    if result.next_predicate is None:
        return f"{head} · {t('pdf.top', lang)}"
    nxt = t(f"predicate.{result.next_predicate}", lang)
    if not result.points_to_next:
        return f"{head} · {t('pdf.gate', lang, nxt=nxt)}"
    pts = fmt_num(result.points_to_next, lang)
    return f"{head} · {t('pdf.to_next', lang, pts=pts, nxt=nxt)}"


def _table(pdf: _Report, header: Sequence[str], rows: Sequence[Sequence[str]],
           widths: Sequence[float], align: Sequence[str], bold_last: bool = False) -> None:
    """A wrapped table over the page width; header bold and repeated on each new page."""
    pdf.set_font(FONT, "", 8)
    pdf.set_fill_color(255, 255, 255)  # the chart leaves its bar colour set
    pdf.set_text_color(*_rgb(INK))
    with pdf.table(col_widths=tuple(widths), width=pdf.epw, text_align=tuple(align),
                   line_height=4.2, padding=1.2, v_align="TOP",
                   cell_fill_color=(246, 247, 249), cell_fill_mode="ROWS",
                   headings_style=FontFace(emphasis="BOLD", fill_color=(229, 231, 235))) as table:
        table.row(list(header))
        for i, values in enumerate(rows):
            style = FontFace(emphasis="BOLD") if bold_last and i == len(rows) - 1 else None
            row = table.row()
            for v in values:
                row.cell(v, style=style)
    pdf.ln(2)


def build_report_pdf(fw: Framework, *, region_kode: str, region_nama: str, year: int,
                     stage: str, result: ScoreResult, gaps: list[dict], missing: list[dict],
                     is_sample: bool, lang: str = "id",
                     explanation: explain.TotalExplanation | None = None,
                     plan: dict | None = None) -> bytes:
    """The assessment report as PDF bytes: header, standing chart, block table, how the score
    is computed (``explanation``, when given: the indicator with the most points missing walked
    through, and the rule chain to the predicate), the largest gaps (``gap_rows``) and the
    incomplete evidence (``missing``: question_id, agency, problem — a completeness code,
    ``unanswered`` or ``no_evidence``, named in ``lang`` here) and, when ``plan`` is given, the
    RAD KLA action plan of the year (``{"progress": PlanProgress, "actions": [action dicts of
    kla.services.action_plan], "today": date}``; today: ``KLA_TIMEZONE``'s by default)."""
    pdf = _Report(lang)
    lab = pdf.label
    pdf.set_title(f"{lab('title')} — {region_nama} {year}")
    pdf.set_creator("kla")
    pdf.add_page()
    pdf.set_text_color(*_rgb(INK))

    # Title block.
    pdf.set_font(FONT, "B", 18)
    pdf.multi_cell(0, 9, lab("title"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "B", 12)
    pdf.multi_cell(0, 6, f"{region_nama} ({region_kode})", new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 10)
    today = format_date(local_today(), "long", locale="en_US" if lang == "en" else "id_ID")
    pdf.multi_cell(0, 5, f"{lab('year')}: {year} · {lab('stage')}: {t(f'stage.{stage}', lang)}"
                         f" · {lab('generated')}: {today}", new_x="LMARGIN", new_y="NEXT")
    if is_sample:
        pdf.ln(2)
        pdf.set_fill_color(254, 226, 226)
        pdf.set_draw_color(185, 28, 28)
        pdf.set_text_color(153, 27, 27)
        pdf.set_line_width(0.6)
        pdf.set_font(FONT, "B", 12)
        pdf.multi_cell(0, 9, lab("sample"), border=1, fill=True, align="C",
                       new_x="LMARGIN", new_y="NEXT")
        pdf.set_text_color(*_rgb(INK))
        pdf.set_line_width(0.2)

    # Standing.
    pdf.heading(lab("standing"))
    _standing_chart(pdf, result, fw, lang)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5.5, _standing_line(result, lang), new_x="LMARGIN", new_y="NEXT")

    # Blocks.
    pdf.heading(lab("blocks"))
    rows: list[list[str]] = []
    m_sum = 0.0
    for code, block in sorted(fw.blocks.items(), key=lambda kv: kv[1].order):
        s, m = result.blocks.get(code, (0.0, block.max))
        m_sum += m
        rows.append(_block_row(block.name(lang), s, m, lang))
    rows.append(_block_row(lab("total_row"), result.total, m_sum, lang))
    _table(pdf, [lab("col_block"), lab("col_score"), lab("col_max"), lab("col_pct"),
                 lab("col_lost")], rows, (88, 22, 20, 22, 28), ("LEFT", "RIGHT", "RIGHT",
                                                                 "RIGHT", "RIGHT"), bold_last=True)

    if explanation is not None:
        _formula_section(pdf, fw, explanation, lang)

    # Largest gaps.
    pdf.heading(lab("gaps"))
    top = [g for g in gaps if g.get("at_stake", 0) > 0][:TOP_GAPS]
    if top:
        _table(pdf, [lab("col_qid"), lab("col_text"), lab("col_stake"), lab("col_reason")],
               [[str(g["question_id"]), _short(g.get("text", ""), MAX_TEXT),
                 fmt_num(g["at_stake"], lang), _short(g.get("reason", ""), MAX_REASON)]
                for g in top],
               (20, 88, 16, 56), ("LEFT", "LEFT", "RIGHT", "LEFT"))
    else:
        pdf.multi_cell(0, 5, lab("no_gaps"), new_x="LMARGIN", new_y="NEXT")

    # Incomplete evidence.
    pdf.heading(lab("missing"))
    if missing:
        unknown = sorted({str(m.get("problem")) for m in missing} - set(PROBLEMS))
        if unknown:
            raise ValueError(f"unknown completeness problem(s): {', '.join(unknown)}")
        _table(pdf, [lab("col_qid"), lab("col_agency"), lab("col_problem")],
               [[str(m.get("question_id", "")), _short(m.get("agency", ""), 120),
                 lab(f"problem.{m['problem']}")] for m in missing],
               (24, 56, 100), ("LEFT", "LEFT", "LEFT"))
    else:
        pdf.multi_cell(0, 5, lab("no_missing"), new_x="LMARGIN", new_y="NEXT")
    if plan is not None:
        _plan_section(pdf, plan, lang)
    return bytes(pdf.output())


def _plan_section(pdf: _Report, plan: dict, lang: str) -> None:
    """The RAD KLA action plan: the progress to the target predicate, then every action
    (overdue ones marked in words) with its agency, dates, budget and questions."""
    from kla.domain.action_plan import is_overdue

    lab, prog, today = pdf.label, plan["progress"], plan.get("today") or local_today()
    pdf.heading(lab("plan"))
    pdf.set_font(FONT, "", 9)
    pdf.multi_cell(0, 5, lab("plan_progress", target=t(f"predicate.{prog.target}", lang),
                             needed=fmt_num(prog.points_needed, lang),
                             secured=fmt_num(prog.points_secured, lang),
                             remaining=fmt_num(prog.points_remaining, lang),
                             all=fmt_num(prog.all_total, lang),
                             pred=t(f"predicate.{prog.all_predicate}", lang)),
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    actions = plan["actions"]
    if not actions:
        pdf.multi_cell(0, 5, lab("plan_none"), new_x="LMARGIN", new_y="NEXT")
        return
    rows = []
    for a in actions:
        status = t(f"plan.status.{a['status']}", lang)
        if is_overdue(a["status"], a["due_date"], today):
            status += f" · {lab('plan_overdue')}"
        dates = " – ".join(fmt_time(d, lang) if d else "…" for d in (a["start_date"], a["due_date"]))
        rows.append([_short(a["title"], 120), _short(a["opd"], 40) or t("plan.no_opd", lang),
                     status, dates,
                     fmt_num(a["budget_rp"], lang, 0),
                     _short(", ".join(f"{q} → {fmt_num(c, lang)}"
                                      for q, c in a["credits"].items()), 80)])
    _table(pdf, [lab("plan_col_title"), lab("col_agency"), lab("plan_col_status"),
                 lab("plan_col_dates"), lab("plan_col_budget"), lab("plan_col_questions")],
           rows, (50, 24, 22, 30, 24, 30),
           ("LEFT", "LEFT", "LEFT", "LEFT", "RIGHT", "LEFT"))


def _block_row(name: str, score: float, maximum: float, lang: str) -> list[str]:
    pct = f"{fmt_num(100 * score / maximum, lang, 1)} %" if maximum else "–"
    return [name, fmt_num(score, lang), fmt_num(maximum, lang), pct,
            fmt_num(max(0.0, maximum - score), lang)]


def _steps(pdf: _Report, lines: Sequence[explain.Line], lang: str) -> None:
    """The walk-through lines, each with its rule and where docs/scoring.md states it."""
    for line in lines:
        pdf.set_font(FONT, "", 9)
        pdf.set_text_color(*_rgb(INK))
        width = pdf.epw - 4
        rows = len(pdf.multi_cell(width, 4.6, line.text, dry_run=True, output="LINES"))
        if pdf.will_page_break(rows * 4.6 + 4.2):  # a step and its rule stay together
            pdf.add_page()
        pdf.cell(4, 4.6, "•")
        pdf.multi_cell(width, 4.6, line.text, align="L", new_x="LMARGIN", new_y="NEXT")
        pdf.set_font(FONT, "", 7.5)
        pdf.set_text_color(*_rgb(MUTED))
        pdf.set_x(pdf.l_margin + 4)
        pdf.multi_cell(width, 3.8, f"{explain.rule_name(line.source, lang)}: {line.source.ref}",
                       align="L", new_x="LMARGIN", new_y="NEXT")
    pdf.set_text_color(*_rgb(INK))
    pdf.set_font(FONT, "", 9)
    pdf.ln(1)


def _subheading(pdf: _Report, text: str) -> None:
    """A bold line, never left alone at the foot of a page."""
    if pdf.will_page_break(25):
        pdf.add_page()
    pdf.ln(1)
    pdf.set_font(FONT, "B", 10)
    pdf.multi_cell(0, 5.5, text, new_x="LMARGIN", new_y="NEXT")
    pdf.set_font(FONT, "", 9)


def _formula_section(pdf: _Report, fw: Framework, expl: explain.TotalExplanation,
                     lang: str) -> None:
    """The "Cara menghitung nilai" section: the indicator with the most points missing,
    question by question to its score, then the chain from the indicators to the predicate."""
    code = expl.most_missing
    ind = expl.indicator(code)
    pdf.heading(pdf.label("formula"))
    pdf.multi_cell(0, 5, pdf.label("formula_intro", code=code, name=ind.name), align="L",
                   new_x="LMARGIN", new_y="NEXT")
    pdf.ln(1)
    _subheading(pdf, pdf.label("formula_questions", code=code))
    head, rows = explain.question_table(ind, lang)
    _table(pdf, head, [[r[0], _short(r[1], 90), *r[2:]] for r in rows],
           (18, 80, 22, 14, 46), ("LEFT", "LEFT", "RIGHT", "RIGHT", "RIGHT"))
    _subheading(pdf, pdf.label("formula_steps", code=code))
    _steps(pdf, explain.indicator_lines(expl, code, lang), lang)
    _subheading(pdf, pdf.label("formula_chain"))
    head, rows = explain.block_table(expl, fw, lang)
    _table(pdf, head, rows, (92, 46, 22, 20), ("LEFT", "LEFT", "RIGHT", "RIGHT"),
           bold_last=True)
    _steps(pdf, explain.chain_lines(expl, lang), lang)
    head, rows = explain.band_table(expl, lang)
    _table(pdf, head, rows, (36, 26, 26, 50, 42), ("LEFT", "RIGHT", "RIGHT", "LEFT", "LEFT"))
