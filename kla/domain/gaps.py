"""Gaps: where the points are lost, per block, indicator and question. Pure."""

from __future__ import annotations

from collections.abc import Mapping

from kla.domain.framework import Framework
from kla.domain.predicate import round2
from kla.domain.rubric import generic_reason, question_type
from kla.domain.scoring import ScoreResult, headrooms
from kla.i18n import fmt_short


def reason(fw: Framework, qid: str, credit: float, note: str = "",
           evidence: int | None = None, lang: str = "id") -> str:
    """A plain line on why points are missing: the answer's own note when there is one,
    otherwise missing evidence (when evidence is tracked: ``evidence`` is a count, not None),
    otherwise the generic rubric for the question type."""
    q = fw.questions[qid]
    head = (f"kredit {fmt_short(credit, 'id')} dari {fmt_short(q.max, 'id')} poin"
            if lang != "en" else f"credit {fmt_short(credit, 'en')} of {fmt_short(q.max, 'en')} points")
    if note.strip():
        why = note.strip()
    elif evidence == 0 and credit > 0:  # None (not tracked) never matches
        why = "bukti dukung belum diunggah" if lang != "en" else "no evidence uploaded yet"
    else:
        why = generic_reason(q, lang)
    return f"{head}: {why}"


def gap_rows(fw: Framework, answers: Mapping[str, float], result: ScoreResult,
             notes: Mapping[str, str] | None = None,
             evidence: Mapping[str, int] | None = None, lang: str = "id") -> list[dict]:
    """One row per question: points achieved, maximum, points at stake (max − achieved, within
    the indicator's remaining room), the responsible agencies and the reason; most at stake
    first."""
    notes = notes or {}
    room = headrooms(fw, result)
    rows = []
    for qid, q in fw.questions.items():
        credit = float(answers.get(qid, 0.0))
        achieved = round2(credit * q.max)
        stake = round2(min(q.max - achieved, room[q.indicator]))
        rows.append({
            "block": q.block, "indicator": q.indicator, "question_id": qid,
            "text": q.text, "opds": list(q.opds), "credit": credit, "points": achieved,
            "max": q.max, "at_stake": max(0.0, stake), "type": question_type(q).code,
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


def indicator_gaps(fw: Framework, result: ScoreResult) -> list[dict]:
    """Per indicator: achieved, maximum, at stake; most at stake first."""
    rows = [{"block": fw.indicators[c].block, "indicator": c, "name": fw.indicators[c].name,
             "points": s, "max": m, "at_stake": round2(m - s)}
            for c, (s, m) in result.indicators.items()]
    return sorted(rows, key=lambda r: (-r["at_stake"], fw.indicators[r["indicator"]].order))


def all_opds(fw: Framework) -> list[str]:
    return sorted({o for q in fw.questions.values() for o in q.opds}, key=str.lower)
