"""How a score is computed, walked through with one assessment's own numbers ("Cara menghitung
nilai", issue 17). Pure: framework + credits in, plain dataclasses out.

The numbers are computed again here, in the order ``kla.domain.scoring.score`` uses (question
by question inside an indicator, indicator by indicator inside a block, block by block), so
every value equals the score's (tests/unit/test_explain.py checks it on the sample and on
random credits). Each step names the rule it applies: a ``Source`` pointing at the section of
``docs/scoring.md`` that states it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from kla.domain.framework import Framework
from kla.domain.predicate import NONE, next_predicate, predicate, round2, threshold
from kla.domain.scoring import check_credits
from kla.i18n import fmt_num, t

SCORING_DOC = "docs/scoring.md"
SUM_TERMS = 12  # at most this many question points are written out in the sum line


@dataclass(frozen=True)
class Source:
    """A rule of ``docs/scoring.md``: its number and its heading's anchor."""

    rule: int
    anchor: str

    @property
    def ref(self) -> str:
        return f"{SCORING_DOC}#{self.anchor}"


# The rules the walk-through cites (headings "### Rule n: …" of docs/scoring.md).
CREDIT = Source(1, "rule-1-answer-is-a-credit")
POINTS = Source(2, "rule-2-question-points")
CAP = Source(3, "rule-3-indicator-cap")
TOTAL = Source(4, "rule-4-blocks-and-total")
ROUNDING = Source(5, "rule-5-rounding")
BANDS = Source(6, "rule-6-predicate-bands")
GATE = Source(7, "rule-7-kla-gate")
NEXT = Source(8, "rule-8-next-predicate")
SOURCES = (CREDIT, POINTS, CAP, TOTAL, ROUNDING, BANDS, GATE, NEXT)


@dataclass(frozen=True)
class QuestionLine:
    """One question: credit × its maximum = its points (rules 1 and 2)."""

    qid: str
    code: str
    text: str
    credit: float  # 0 when unanswered
    answered: bool
    max: float
    points: float  # credit × max, not rounded
    source: Source = POINTS


@dataclass(frozen=True)
class CapStep:
    """The indicator cap (rule 3): min(sum of the question points, indicator maximum)."""

    raw: float  # sum of the question points
    questions_max: float  # sum of the question maxima (above ``cap`` for 19 and 21B)
    cap: float  # the indicator maximum
    value: float  # min(raw, cap)
    source: Source = CAP

    @property
    def applied(self) -> bool:
        """The sum was above the maximum: the excess does not count."""
        return self.raw > self.cap

    @property
    def excess(self) -> float:
        return max(0.0, self.raw - self.cap)


@dataclass(frozen=True)
class RoundStep:
    """Rounding half up to two decimals (rule 5)."""

    raw: float
    value: float
    source: Source = ROUNDING


@dataclass(frozen=True)
class IndicatorExplanation:
    code: str
    name: str
    block: str
    questions: tuple[QuestionLine, ...]
    cap: CapStep
    rounding: RoundStep
    missing: float  # indicator maximum − its (rounded) score
    share: float  # its part of the total, 0–1 (unrounded score / unrounded total)
    implemented: bool  # score > 0 (the KLA gate, rule 7)

    @property
    def score(self) -> float:
        """The indicator score, as ``score()`` gives it."""
        return self.rounding.value

    @property
    def max(self) -> float:
        return self.cap.cap


@dataclass(frozen=True)
class BlockLine:
    code: str
    indicators: tuple[str, ...]
    raw: float  # sum of its indicators' capped scores, not rounded
    score: float  # rounded, as ``score()`` gives it
    max: float


@dataclass(frozen=True)
class SumStep:
    """The total: the sum of the indicator scores, block by block (rule 4), rounded once."""

    blocks: tuple[BlockLine, ...]
    indicators: int  # how many indicators are added
    rounding: RoundStep  # the unrounded sum → the total (rule 5)
    rounded_parts: float  # what a reader gets adding the rounded indicator scores
    source: Source = TOTAL

    @property
    def total(self) -> float:
        return self.rounding.value


@dataclass(frozen=True)
class BandLine:
    """A predicate band with its two-decimal bounds (both included)."""

    code: str  # ``none`` below the lowest band
    low: float
    high: float
    gated: bool  # requires every indicator implemented (rule 7)


@dataclass(frozen=True)
class BandStep:
    bands: tuple[BandLine, ...]  # from ``none`` up
    reached: str  # the band whose bounds hold the total (the gate left aside)
    predicate: str  # the predicate given (the gate applied)
    next_predicate: str | None
    next_threshold: float | None  # the lowest total of the next band
    points_to_next: float | None
    source: Source = BANDS
    next_source: Source = NEXT

    def band(self, code: str) -> BandLine:
        return next(b for b in self.bands if b.code == code)


@dataclass(frozen=True)
class GateStep:
    """The all-indicators gate of the top band (rule 7)."""

    band: str | None  # the gated band (``KLA``), None when the framework has none
    threshold: float | None  # its lowest total
    indicators: int
    unimplemented: tuple[str, ...]  # indicators scoring 0
    holds_back: bool  # the total reaches the gated band, the gate keeps the predicate below
    source: Source = GATE

    @property
    def met(self) -> bool:
        return not self.unimplemented


@dataclass(frozen=True)
class TotalExplanation:
    framework: str
    total_max: float
    indicators: tuple[IndicatorExplanation, ...]  # every indicator, in framework order
    sum: SumStep
    bands: BandStep
    gate: GateStep

    @property
    def total(self) -> float:
        return self.sum.total

    def indicator(self, code: str) -> IndicatorExplanation:
        for ind in self.indicators:
            if ind.code == code:
                return ind
        raise KeyError(code)

    @property
    def most_missing(self) -> str:
        """The indicator with the most points still missing (the first of equals)."""
        best = max(self.indicators, key=lambda i: i.missing)
        return best.code


def _walk(fw: Framework, answers: Mapping[str, float]):
    """Question points, capped indicator sums, block sums and the total, unrounded, summed
    in the order of ``score()``."""
    questions: dict[str, tuple[QuestionLine, ...]] = {}
    caps: dict[str, CapStep] = {}
    for code, ind in fw.indicators.items():
        lines, s, qmax = [], 0.0, 0.0
        for qid in ind.questions:
            q = fw.questions[qid]
            credit = float(answers.get(qid, 0.0))
            points = credit * q.max
            s += points
            qmax += q.max
            lines.append(QuestionLine(qid, q.code, q.text, credit, qid in answers, q.max, points))
        questions[code] = tuple(lines)
        caps[code] = CapStep(raw=s, questions_max=qmax, cap=ind.max, value=min(s, ind.max))
    blocks, total = [], 0.0
    for code, blk in fw.blocks.items():
        b = 0.0
        for ic in blk.indicators:
            b += caps[ic].value
        blocks.append(BlockLine(code, blk.indicators, b, round2(b), blk.max))
        total += b
    return questions, caps, tuple(blocks), total


def _bands(fw: Framework) -> tuple[BandLine, ...]:
    bands = fw.bands
    lows = [threshold(b) for b in bands]
    out = [BandLine(NONE, 0.0, round2(lows[0] - 0.01), False)] if bands else []
    for i, b in enumerate(bands):
        high = round2(lows[i + 1] - 0.01) if i + 1 < len(bands) else float(fw.total_max)
        out.append(BandLine(b.code, lows[i], high, b.requires_all_implemented))
    return tuple(out)


def explain_total(fw: Framework, answers: Mapping[str, float]) -> TotalExplanation:
    """The whole chain for one assessment: every indicator, the total, the bands, the gate."""
    check_credits(fw, answers)
    questions, caps, blocks, total_raw = _walk(fw, answers)
    indicators = tuple(
        IndicatorExplanation(
            code=code, name=ind.name, block=ind.block, questions=questions[code],
            cap=caps[code], rounding=RoundStep(caps[code].value, round2(caps[code].value)),
            missing=max(0.0, round2(ind.max - round2(caps[code].value))),
            share=caps[code].value / total_raw if total_raw > 0 else 0.0,
            implemented=caps[code].value > 0)
        for code, ind in fw.indicators.items())
    all_impl = all(i.implemented for i in indicators)
    reached = predicate(total_raw, True, fw.bands)
    given = predicate(total_raw, all_impl, fw.bands)
    nxt, pts = next_predicate(total_raw, all_impl, fw.bands)
    band_of = {b.code: b for b in fw.bands}
    gated = next((b for b in fw.bands if b.requires_all_implemented), None)
    total = round2(total_raw)
    return TotalExplanation(
        framework=fw.code, total_max=float(fw.total_max), indicators=indicators,
        sum=SumStep(blocks=blocks, indicators=len(indicators),
                    rounding=RoundStep(total_raw, total),
                    rounded_parts=round2(sum(i.score for i in indicators))),
        bands=BandStep(bands=_bands(fw), reached=reached, predicate=given,
                       next_predicate=nxt,
                       next_threshold=threshold(band_of[nxt]) if nxt else None,
                       points_to_next=pts),
        gate=GateStep(band=gated.code if gated else None,
                      threshold=threshold(gated) if gated else None,
                      indicators=len(indicators),
                      unimplemented=tuple(i.code for i in indicators if not i.implemented),
                      holds_back=given != reached))


def explain_indicator(fw: Framework, answers: Mapping[str, float], code: str
                      ) -> IndicatorExplanation:
    """One indicator's steps: its questions' points, the cap, the rounding, its share."""
    if code not in fw.indicators:
        raise KeyError(code)
    return explain_total(fw, answers).indicator(code)


# --- the walk-through as text (the Posisi panel and the PDF report say the same) ----------

def fmt_exact(x: float, lang: str, least: int = 0, most: int = 4) -> str:
    """``x`` with as many decimals as it has (between ``least`` and ``most``): a credit
    ``0,5``, a Kelana/Dekela share ``0,5385``, points ``5,00``."""
    for d in range(least, most):
        scaled = x * 10**d
        if abs(scaled - round(scaled)) < 1e-6:
            return fmt_num(x, lang, d)
    return fmt_num(x, lang, most)


def formula(line: QuestionLine, lang: str) -> str:
    """``0,5 × 10 = 5,00``."""
    return (f"{fmt_exact(line.credit, lang)} × {fmt_exact(line.max, lang)} = "
            f"{fmt_exact(line.points, lang, 2)}")


def rule_name(source: Source, lang: str) -> str:
    return t("explain.rule", lang, n=source.rule)


@dataclass(frozen=True)
class Line:
    text: str
    source: Source


def indicator_lines(expl: TotalExplanation, code: str, lang: str) -> list[Line]:
    """The indicator's steps after its question table: sum, cap, rounding, result."""
    ind = expl.indicator(code)
    n = len(ind.questions)
    terms = [fmt_exact(q.points, lang, 2) for q in ind.questions]
    raw = fmt_exact(ind.cap.raw, lang, 2)
    summed = (t("explain.sum_terms", lang, n=n, terms=" + ".join(terms), raw=raw)
              if n <= SUM_TERMS else t("explain.sum", lang, n=n, raw=raw))
    sep = "; " if lang == "id" else ", "
    cap_formula = (f"min({raw}{sep}{fmt_exact(ind.cap.cap, lang)}) = "
                   f"{fmt_exact(ind.cap.value, lang, 2)}")
    if ind.cap.applied:
        cap = t("explain.cap_applied", lang, code=code, formula=cap_formula,
                excess=fmt_exact(ind.cap.excess, lang, 2))
    elif ind.cap.questions_max > ind.cap.cap:
        cap = t("explain.cap_quirk", lang, code=code, formula=cap_formula,
                qmax=fmt_exact(ind.cap.questions_max, lang), cap=fmt_exact(ind.cap.cap, lang))
    else:
        cap = t("explain.cap", lang, code=code, formula=cap_formula)
    rounding = t("explain.round", lang, raw=fmt_exact(ind.rounding.raw, lang, 2),
                 value=fmt_num(ind.score, lang))
    pct = 100 * ind.score / ind.max if ind.max else 0.0
    result = t("explain.indicator_result", lang, code=code, score=fmt_num(ind.score, lang),
               max=fmt_exact(ind.max, lang), pct=fmt_num(pct, lang, 1),
               missing=fmt_num(ind.missing, lang), share=fmt_num(100 * ind.share, lang, 1),
               total=fmt_num(expl.total, lang))
    return [Line(t("explain.points", lang), POINTS), Line(summed, POINTS), Line(cap, CAP),
            Line(rounding, ROUNDING), Line(result, TOTAL)]


def chain_lines(expl: TotalExplanation, lang: str) -> list[Line]:
    """The rule chain from the indicators to the predicate: total, band, gate, next band."""
    s, b, g = expl.sum, expl.bands, expl.gate
    total = t("explain.total", lang, n=s.indicators, blocks=len(s.blocks),
              raw=fmt_exact(s.rounding.raw, lang, 2), total=fmt_num(s.total, lang))
    lines = [Line(total, TOTAL)]
    if round(100 * s.rounded_parts) != round(100 * s.total):
        lines.append(Line(t("explain.total_cents", lang, parts=fmt_num(s.rounded_parts, lang),
                            total=fmt_num(s.total, lang)), ROUNDING))
    band = b.band(b.reached)
    lines.append(Line(t("explain.band", lang, total=fmt_num(s.total, lang),
                        band=t(f"predicate.{band.code}", lang), low=fmt_num(band.low, lang),
                        high=fmt_num(band.high, lang)), BANDS))
    if g.band is not None:
        head = dict(band=t(f"predicate.{g.band}", lang), low=fmt_num(g.threshold, lang),
                    n=g.indicators)
        if g.met:
            lines.append(Line(t("explain.gate_met", lang, **head), GATE))
        else:
            lines.append(Line(t("explain.gate_open", lang, codes=", ".join(g.unimplemented),
                                **head), GATE))
    if b.next_predicate is None:
        lines.append(Line(t("explain.top", lang, band=t(f"predicate.{b.predicate}", lang)),
                          NEXT))
    elif g.holds_back:
        lines.append(Line(t("explain.held", lang, band=t(f"predicate.{b.reached}", lang),
                            given=t(f"predicate.{b.predicate}", lang)), NEXT))
    else:
        lines.append(Line(t("explain.next", lang, nxt=t(f"predicate.{b.next_predicate}", lang),
                            low=fmt_num(b.next_threshold, lang),
                            points=fmt_num(b.points_to_next, lang)), NEXT))
    return lines


# --- the tables (headers and formatted cells; the page and the PDF draw them) -------------

def question_table(ind: IndicatorExplanation, lang: str) -> tuple[list[str], list[list[str]]]:
    """One row per question of the indicator: ID, question, credit, maximum, calculation."""
    head = [t("explain.col_qid", lang), t("explain.col_question", lang),
            t("explain.col_credit", lang), t("explain.col_max", lang),
            t("explain.col_calc", lang)]
    rows = [[q.qid, q.text,
             fmt_exact(q.credit, lang) if q.answered else t("explain.unanswered", lang),
             fmt_exact(q.max, lang), formula(q, lang)] for q in ind.questions]
    return head, rows


def block_table(expl: TotalExplanation, fw: Framework, lang: str
                ) -> tuple[list[str], list[list[str]]]:
    """The blocks with their indicators and scores, and the total as the last row."""
    head = [t("explain.col_block", lang), t("explain.col_indicators", lang),
            t("explain.col_score", lang), t("explain.col_max", lang)]
    rows = [[fw.blocks[b.code].name(lang), ", ".join(b.indicators), fmt_num(b.score, lang),
             fmt_exact(b.max, lang)] for b in expl.sum.blocks]
    rows.append([t("explain.total_row", lang), str(expl.sum.indicators),
                 fmt_num(expl.total, lang), fmt_exact(expl.total_max, lang)])
    return head, rows


def band_table(expl: TotalExplanation, lang: str) -> tuple[list[str], list[list[str]]]:
    """The predicate bands from the lowest, the total's place marked."""
    b = expl.bands
    head = [t("explain.col_predicate", lang), t("explain.col_from", lang),
            t("explain.col_to", lang), t("explain.col_condition", lang),
            t("explain.col_here", lang)]
    rows = []
    for band in b.bands:
        here = ""
        if band.code == b.reached:
            here = t("explain.here", lang, total=fmt_num(expl.total, lang))
        elif band.code == b.predicate and expl.gate.holds_back:
            here = t("explain.here_given", lang)
        rows.append([t(f"predicate.{band.code}", lang), fmt_num(band.low, lang),
                     fmt_num(band.high, lang),
                     t("explain.gated", lang) if band.gated else "–", here])
    return head, rows
