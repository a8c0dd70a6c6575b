"""Gaps: where the points are lost, per block, indicator and question. Pure."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kla.domain.framework import Framework
from kla.domain.predicate import round2
from kla.domain.rubric import generic_reason, question_type
from kla.domain.scoring import ScoreResult, raw_indicator_sums
from kla.i18n import fmt_short

# Question types whose generic rubric line says the document may be "not attached": with a
# file attached that line would contradict the evidence list.
ATTACHMENT_TYPES = frozenset({"decree", "policy", "training", "photo"})


def reason(fw: Framework, qid: str, credit: float, note: str = "",
           evidence: int | None = None, lang: str = "id") -> str:
    """A plain line on why points are missing: the answer's own note when there is one,
    otherwise missing evidence (when evidence is tracked: ``evidence`` is a count, not None),
    otherwise the generic rubric for the question type — with files attached, never a line
    saying the document is not attached."""
    q = fw.questions[qid]
    en = lang == "en"
    head = (f"credit {fmt_short(credit, 'en')} of {fmt_short(q.max, 'en')} points" if en
            else f"kredit {fmt_short(credit, 'id')} dari {fmt_short(q.max, 'id')} poin")
    if note.strip():
        why = note.strip()
    elif evidence == 0 and credit > 0:  # None (not tracked) never matches
        why = "no evidence uploaded yet" if en else "bukti dukung belum diunggah"
    elif evidence:
        files = (f"{evidence} evidence file{'s' if evidence != 1 else ''} attached" if en
                 else f"{evidence} berkas bukti terlampir")
        if question_type(q).code in ATTACHMENT_TYPES:
            why = (f"{files}, but not yet meeting the full criterion" if en
                   else f"{files}, tetapi belum memenuhi kriteria penuh")
        else:
            why = f"{files}; {generic_reason(q, lang)}"
    else:
        why = generic_reason(q, lang)
    return f"{head}: {why}"


def _cents(x: float) -> int:
    return round(x * 100)


def apportion(weights: Sequence[int], target: int) -> list[int]:
    """Split ``target`` (whole cents) in proportion to ``weights`` (whole numbers of any unit)
    with the largest remainder method: the parts add up to ``target`` exactly; weights in
    cents that already add up to it come back unchanged. Ties go to the earlier weight."""
    whole = sum(weights)
    if whole <= 0 or target <= 0:
        return [0] * len(weights)
    parts = [divmod(w * target, whole) for w in weights]
    out = [q for q, _ in parts]
    for i in sorted(range(len(parts)), key=lambda i: -parts[i][1])[:target - sum(out)]:
        out[i] += 1
    return out


def indicator_losses(fw: Framework, result: ScoreResult,
                     answers: Mapping[str, float] | None = None) -> dict[str, int]:
    """Points lost per indicator, in cents: each indicator's maximum minus its (capped)
    score, apportioned so that they add up to exactly the headline, the framework maximum
    minus the rounded total. With ``answers`` the shares are the unrounded losses, so a
    rounding cent goes to an indicator whose loss really has a fraction of a cent; without,
    the maxima minus the rounded scores."""
    codes = list(fw.indicators)
    target = _cents(fw.total_max - result.total)
    if answers is None:
        weights = [_cents(m - s) for s, m in (result.indicators[c] for c in codes)]
    else:  # thousandths of a cent
        raw = raw_indicator_sums(fw, answers)
        weights = [round(1e5 * (fw.indicators[c].max - min(raw[c], fw.indicators[c].max)))
                   for c in codes]
    return dict(zip(codes, apportion(weights, target)))


def question_losses(fw: Framework, answers: Mapping[str, float], result: ScoreResult
                    ) -> dict[str, int]:
    """Points lost per question, in cents, adding up to its indicator's loss
    (``indicator_losses``). Without a cap a question loses its maximum minus its points; where
    the questions of an indicator are worth more than the indicator (19: 54 > 51, 21B: 18 > 17)
    the indicator's loss is shared in proportion to what each question misses. A row may
    differ by a rounding cent from its maximum minus its (rounded) points: the rows of an
    indicator add up exactly."""
    out: dict[str, int] = {}
    for code, loss in indicator_losses(fw, result, answers).items():
        qids = fw.indicators[code].questions
        missed = [round(1e6 * fw.questions[q].max * (1.0 - float(answers.get(q, 0.0))))
                  for q in qids]  # micro-points: each question's share, before rounding
        out.update(zip(qids, apportion(missed, loss)))
    return out


def capped_indicators(fw: Framework) -> list[str]:
    """Indicators whose questions are worth more than the indicator itself."""
    return [c for c, ind in fw.indicators.items()
            if sum(fw.questions[q].max for q in ind.questions) > ind.max]


def gap_rows(fw: Framework, answers: Mapping[str, float], result: ScoreResult,
             notes: Mapping[str, str] | None = None,
             evidence: Mapping[str, int] | None = None, lang: str = "id") -> list[dict]:
    """One row per question: points achieved, maximum, points at stake (``question_losses``:
    the rows of an indicator add up to its capped loss, all rows to the framework maximum
    minus the total), the responsible agencies and the reason; most at stake first."""
    notes = notes or {}
    lost = question_losses(fw, answers, result)
    rows = []
    for qid, q in fw.questions.items():
        credit = float(answers.get(qid, 0.0))
        achieved = round2(credit * q.max)
        rows.append({
            "block": q.block, "indicator": q.indicator, "question_id": qid,
            "text": q.text, "opds": list(q.opds), "credit": credit, "points": achieved,
            "max": q.max, "at_stake": lost[qid] / 100, "type": question_type(q).code,
            "reason": reason(fw, qid, credit, notes.get(qid, ""),
                             None if evidence is None else evidence.get(qid, 0), lang)
            if credit < 1 and q.max > 0 else "",
        })
    rows.sort(key=lambda r: (-r["at_stake"], fw.questions[r["question_id"]].order))
    return rows


def filter_rows(rows: list[dict], block: str | None = None, opd: str | None = None,
                below_full_only: bool = False) -> list[dict]:
    return [r for r in rows
            if (block is None or r["block"] == block)
            and (opd is None or opd in r["opds"])
            and (not below_full_only or (r["credit"] < 1 and r["max"] > 0))]


def indicator_gaps(fw: Framework, result: ScoreResult,
                   answers: Mapping[str, float] | None = None) -> list[dict]:
    """Per indicator: achieved, maximum, at stake (``indicator_losses``, the same numbers the
    question rows add up to); most at stake first."""
    lost = indicator_losses(fw, result, answers)
    rows = [{"block": fw.indicators[c].block, "indicator": c, "name": fw.indicators[c].name,
             "points": s, "max": m, "at_stake": lost[c] / 100}
            for c, (s, m) in result.indicators.items()]
    return sorted(rows, key=lambda r: (-r["at_stake"], fw.indicators[r["indicator"]].order))


def all_opds(fw: Framework) -> list[str]:
    return sorted({o for q in fw.questions.values() for o in q.opds}, key=str.lower)
