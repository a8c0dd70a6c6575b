"""Completeness gate before submission. Pure: answers, evidence counts, agencies in; items out.

A question is complete when it is answered and, if its credit is above 0 and the instrument
asks for documents (SK, Perda, MATRIKS, photos, budget documents, two years of data, "lampirkan"),
at least one evidence file is attached.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass

from kla.domain.framework import Framework, Question

EVIDENCE_KINDS = (
    ("SK", r"\bsk\b|surat keputusan"),
    ("Perda/Perkada", r"perda\b|peraturan|perbup|perwal|surat edaran|kebijakan"),
    ("MATRIKS", r"matriks"),
    ("foto", r"foto"),
    ("anggaran", r"anggaran|apbd"),
    ("data 2 tahun", r"2 tahun|dua tahun|tahun terakhir"),
    ("dokumen", r"lampirkan|dokumen"),
)
_RX = [(name, re.compile(rx)) for name, rx in EVIDENCE_KINDS]

UNANSWERED = "unanswered"
NO_EVIDENCE = "no_evidence"


def required_evidence(q: Question) -> list[str]:
    """The kinds of evidence the question text asks for (empty: none asked)."""
    text = q.text.lower()
    return [name for name, rx in _RX if rx.search(text)]


@dataclass(frozen=True)
class Item:
    question_id: str
    indicator: str
    agencies: tuple[str, ...]
    answered: bool
    credit: float
    needs: tuple[str, ...]
    evidence: int
    problem: str | None  # None, UNANSWERED or NO_EVIDENCE

    @property
    def complete(self) -> bool:
        return self.problem is None


def checklist(fw: Framework, credits: Mapping[str, float], evidence: Mapping[str, int],
              agencies: Mapping[str, list[str] | tuple[str, ...]]) -> list[Item]:
    """One item per scored question (maximum > 0)."""
    items = []
    for qid, q in fw.questions.items():
        if q.max <= 0:
            continue
        answered = qid in credits
        credit = float(credits.get(qid, 0.0))
        needs = tuple(required_evidence(q))
        n = int(evidence.get(qid, 0))
        problem = (UNANSWERED if not answered
                   else NO_EVIDENCE if credit > 0 and needs and n == 0 else None)
        items.append(Item(qid, q.indicator, tuple(agencies.get(qid, q.opds)), answered, credit,
                          needs, n, problem))
    return items


def progress(items: list[Item], by: str) -> list[dict]:
    """Complete / total per agency (``by="agency"``; a question counts for each of its
    agencies) or per indicator (``by="indicator"``), least complete first."""
    groups: dict[str, list[Item]] = {}
    for it in items:
        keys = (it.agencies or ("–",)) if by == "agency" else (it.indicator,)
        for k in keys:
            groups.setdefault(k, []).append(it)
    rows = [{"name": k, "total": len(v), "complete": sum(i.complete for i in v),
             "share": sum(i.complete for i in v) / len(v)} for k, v in groups.items()]
    return sorted(rows, key=lambda r: (r["share"], r["name"]))


def is_complete(items: list[Item]) -> bool:
    return all(i.complete for i in items)
