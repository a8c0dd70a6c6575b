"""Predicted verification score: the administrative verification (VA) credit each question of
a self-assessment (EM) is likely to keep, from its evidence state and the city's own history of
EM → VA falls per question type; the predicted VA total and predicate; and a backtest of the
model on the sample history. Pure (docs/planning.md, "Prediksi skor verifikasi").

Per question, with EM credit ``c`` and the retention ``r`` of its question type:

- ``unclaimed`` (credit 0) → 0;
- ``missing`` (credit > 0, the question asks for evidence, no file attached) → 0: verifiers give
  no credit without data dukung (Bangkalan: EM 913 → VA 602, "kehilangan 311 poin karena data
  dukung tidak diunggah");
- ``flagged`` (files attached, none free of validity flags) → ``c · FLAGGED_FACTOR · r``;
- ``fine`` / ``not_required`` → ``c · r``.

``r`` = the city's verified (VA) points / EM points over its earlier years' questions of that
type with EM credit > 0, shrunk toward a prior with the weight of ``PRIOR_POINTS`` EM points:
``r = (V + K·prior) / (E + K)``, capped at 1. The prior is the city's own retention over every
type (or, with a ``pool``, the pooled retention of the type); with no history at all ``r`` = 1.
So the prediction never exceeds the EM credit, and equals it when every state is fine and the
history shows no falls.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from kla.domain.framework import Framework
from kla.domain.predicate import round2
from kla.domain.rubric import ALL_TYPES, question_type
from kla.domain.scoring import ScoreResult, score

STATES = ("unclaimed", "missing", "flagged", "fine", "not_required")
# A flagged file (unsigned or expired decree, data years not covered, …) is an argument with
# the verifier, not an outright loss: half the credit it would otherwise keep. No history to
# calibrate it yet (the sample has no evidence metadata): a documented assumption.
FLAGGED_FACTOR = 0.5
# The weight of the prior, in EM points: a question type with this many points of history is
# half its own retention, half the prior.
PRIOR_POINTS = 25.0
# Reasons of a predicted credit (catalogue ``planning.predict_reason.<code>``)
REASONS = ("unclaimed", "missing", "flagged", "retention", "no_history", "not_scored")

TypePoints = dict[str, tuple[float, float]]  # question type → (EM points, verified points)


def type_points(fw: Framework, em: Mapping[str, float], verified: Mapping[str, float]
                ) -> TypePoints:
    """EM and verified points per question type over the questions with EM credit > 0 (one
    year of one city; ``fw``: the framework of that year's EM)."""
    out: dict[str, list[float]] = {}
    for qid, credit in em.items():
        q = fw.questions.get(qid)
        if q is None or q.max <= 0 or credit <= 0:
            continue
        acc = out.setdefault(question_type(q).code, [0.0, 0.0])
        acc[0] += float(credit) * q.max
        acc[1] += float(verified.get(qid, 0.0)) * q.max
    return {k: (e, v) for k, (e, v) in out.items()}


def add_points(parts: Iterable[TypePoints]) -> TypePoints:
    out: dict[str, tuple[float, float]] = {}
    for part in parts:
        for k, (e, v) in part.items():
            e0, v0 = out.get(k, (0.0, 0.0))
            out[k] = (e0 + e, v0 + v)
    return out


def _ratio(e: float, v: float) -> float | None:
    return min(1.0, max(0.0, v / e)) if e > 0 else None


@dataclass(frozen=True)
class Retention:
    """The share of EM points kept at verification, per question type."""

    by_type: dict[str, float]
    own: TypePoints  # the city's history the rates come from
    overall: float | None  # the city's own retention over every type (None: no history)

    @property
    def has_history(self) -> bool:
        return self.overall is not None

    def of(self, type_code: str) -> float:
        return self.by_type.get(type_code, 1.0)

    def history_points(self, type_code: str) -> float:
        return self.own.get(type_code, (0.0, 0.0))[0]


def retention(own: TypePoints, pool: TypePoints | None = None,
              prior_points: float = PRIOR_POINTS) -> Retention:
    """Per type: ``(V + K·prior) / (E + K)`` capped at 1. ``prior``: the pooled retention of
    the type when ``pool`` is given (else the pool's overall), otherwise the city's own
    overall; 1 without any history."""
    overall = _ratio(sum(e for e, _ in own.values()), sum(v for _, v in own.values()))
    pool_overall = None
    if pool:
        pool_overall = _ratio(sum(e for e, _ in pool.values()), sum(v for _, v in pool.values()))
    by_type = {}
    for code in ALL_TYPES:
        if pool:
            prior = _ratio(*pool.get(code, (0.0, 0.0)))
            prior = prior if prior is not None else pool_overall
        else:
            prior = overall
        prior = 1.0 if prior is None else prior
        e, v = own.get(code, (0.0, 0.0))
        rate = (v + prior_points * prior) / (e + prior_points) if e + prior_points > 0 else prior
        by_type[code] = min(1.0, max(0.0, rate))
    return Retention(by_type, dict(own), overall)


@dataclass(frozen=True)
class PredictedQuestion:
    qid: str
    indicator: str
    qtype: str
    state: str
    em_credit: float
    predicted_credit: float
    retention: float
    points_lost: float  # EM points − predicted points, within the indicator cap
    reason: str  # one of REASONS


@dataclass(frozen=True)
class Prediction:
    em: ScoreResult
    predicted: ScoreResult
    rows: tuple[PredictedQuestion, ...]
    retention: Retention
    evidence_counted: bool  # False: no evidence states given (every claimed question "fine")

    @property
    def points_lost(self) -> float:
        return round2(self.em.total - self.predicted.total)

    def costliest(self, n: int | None = None) -> list[PredictedQuestion]:
        """The questions losing points, most first (ties: question order)."""
        out = sorted((r for r in self.rows if r.points_lost > 0),
                     key=lambda r: -r.points_lost)
        return out[:n] if n is not None else out

    def state_counts(self) -> dict[str, int]:
        counts = dict.fromkeys(STATES, 0)
        for r in self.rows:
            counts[r.state] = counts.get(r.state, 0) + 1
        return counts


def predicted_credit(em_credit: float, state: str, rate: float) -> tuple[float, str]:
    """One question's predicted VA credit and its reason."""
    if em_credit <= 0 or state == "unclaimed":
        return 0.0, "unclaimed"
    if state == "missing":
        return 0.0, "missing"
    if state == "flagged":
        return em_credit * FLAGGED_FACTOR * rate, "flagged"
    return em_credit * rate, "retention"


def predict(fw: Framework, em: Mapping[str, float], states: Mapping[str, str] | None,
            ret: Retention) -> Prediction:
    """Predict the VA credits of an EM assessment. ``states``: evidence state per question
    (``STATES``); a question without one is ``fine`` (credit > 0) or ``unclaimed``; None:
    evidence not counted (a history without metadata, an assessment without any upload)."""
    counted = states is not None
    states = states or {}
    credits: dict[str, float] = {}
    meta: dict[str, tuple[str, str, float, str]] = {}
    for qid, q in fw.questions.items():
        c = float(em.get(qid, 0.0))
        state = states.get(qid) or ("fine" if c > 0 else "unclaimed")
        if state not in STATES:
            state = "fine" if c > 0 else "unclaimed"
        if c <= 0:
            state = "unclaimed"
        code = question_type(q).code
        rate = ret.of(code)
        p, reason = predicted_credit(c, state, rate)
        if q.max <= 0 and c > 0:
            reason = "not_scored"
        elif reason == "retention" and not ret.has_history:
            reason = "no_history"
        credits[qid] = min(c, max(0.0, p))
        meta[qid] = (state, code, rate, reason)
    em_result = score(fw, {q: float(em.get(q, 0.0)) for q in fw.questions})
    pred_result = score(fw, credits)
    rows = []
    for code, ind in fw.indicators.items():
        raw_lost = {q: (float(em.get(q, 0.0)) - credits[q]) * fw.questions[q].max
                    for q in ind.questions}
        total_raw = sum(raw_lost.values())
        ind_lost = em_result.indicators[code][0] - pred_result.indicators[code][0]
        for qid in ind.questions:
            share = raw_lost[qid] / total_raw if total_raw > 0 else 0.0
            state, qtype, rate, reason = meta[qid]
            rows.append(PredictedQuestion(
                qid=qid, indicator=code, qtype=qtype, state=state,
                em_credit=float(em.get(qid, 0.0)), predicted_credit=credits[qid],
                retention=rate, points_lost=round2(max(0.0, ind_lost * share)), reason=reason))
    order = {q: i for i, q in enumerate(fw.questions)}
    rows.sort(key=lambda r: order[r.qid])
    return Prediction(em_result, pred_result, tuple(rows), ret, counted)


# --- backtest on a history of (EM, VA) pairs ------------------------------------------------

@dataclass(frozen=True)
class CityYear:
    """One city-year with per-question EM and VA credits."""

    kode: str
    nama: str
    year: int
    fw: Framework
    em: Mapping[str, float]
    verified: Mapping[str, float]


@dataclass(frozen=True)
class BacktestRow:
    kode: str
    nama: str
    year: int
    history_years: int
    em_total: float
    verified_total: float
    verified_predicate: str
    em_predicate: str
    model_total: float
    model_predicate: str
    pooled_total: float
    pooled_predicate: str
    fall_total: float | None  # kla.domain.risk.forecast (average EM → VA fall)
    fall_predicate: str | None


@dataclass(frozen=True)
class MethodSummary:
    method: str  # em, model, pooled, average_fall
    n: int
    mae: float
    bias: float  # mean of (predicted − verified): negative = too low
    predicate_hits: int


def _verified_total(fw: Framework, credits: Mapping[str, float]) -> ScoreResult:
    return score(fw, {q: c for q, c in credits.items() if q in fw.questions})


def backtest(cases: Sequence[CityYear], prior_points: float = PRIOR_POINTS
             ) -> list[BacktestRow]:
    """For each city-year, predict VA from EM with only earlier years (every evidence state
    ``fine``: a history carries no evidence metadata): the model on the city's own history,
    the model shrunk toward the pooled history of every city, and the average total fall of
    ``kla.domain.risk.forecast`` (its history limited to EM and VA)."""
    from kla.domain.risk import forecast

    points = {(c.kode, c.year): type_points(c.fw, c.em, c.verified) for c in cases}
    out = []
    for case in sorted(cases, key=lambda c: (c.nama, c.year)):
        earlier = [c for c in cases if c.kode == case.kode and c.year < case.year]
        pool_cases = [c for c in cases if c.year < case.year]
        own = add_points(points[(c.kode, c.year)] for c in earlier)
        pool = add_points(points[(c.kode, c.year)] for c in pool_cases)
        model = predict(case.fw, case.em, None, retention(own, None, prior_points))
        pooled = predict(case.fw, case.em, None, retention(own, pool, prior_points))
        ver = _verified_total(case.fw, case.verified)
        history = [(c.year, stage, _verified_total(c.fw, cr).total)
                   for c in earlier for stage, cr in (("EM", c.em), ("VA", c.verified))]
        fc = forecast(case.fw, history, case.year, model.em.total)
        out.append(BacktestRow(
            kode=case.kode, nama=case.nama, year=case.year, history_years=len(earlier),
            em_total=model.em.total, em_predicate=model.em.predicate,
            verified_total=ver.total, verified_predicate=ver.predicate,
            model_total=model.predicted.total, model_predicate=model.predicted.predicate,
            pooled_total=pooled.predicted.total, pooled_predicate=pooled.predicted.predicate,
            fall_total=fc.forecast_total, fall_predicate=fc.forecast_predicate))
    return out


METHODS = ("em", "average_fall", "model", "pooled")


def summarise(rows: Sequence[BacktestRow]) -> list[MethodSummary]:
    """MAE, bias and predicate hits per method over the rows with at least one earlier year
    (where every method has something to go on)."""
    rows = [r for r in rows if r.history_years > 0]
    pick = {"em": lambda r: (r.em_total, r.em_predicate),
            "average_fall": lambda r: (r.fall_total, r.fall_predicate),
            "model": lambda r: (r.model_total, r.model_predicate),
            "pooled": lambda r: (r.pooled_total, r.pooled_predicate)}
    out = []
    for method in METHODS:
        errs, hits = [], 0
        for r in rows:
            total, pred = pick[method](r)
            if total is None:
                continue
            errs.append(total - r.verified_total)
            hits += pred == r.verified_predicate
        n = len(errs)
        out.append(MethodSummary(method, n, round2(sum(abs(e) for e in errs) / n) if n else 0.0,
                                 round2(sum(errs) / n) if n else 0.0, hits))
    return out


def sample_cases(fw: Framework) -> list[CityYear]:
    """The sample history (``kla.domain.sample``, what `kla demo` loads): every city-year with
    EM and VA credits."""
    from kla.domain.sample import SAMPLE_CITIES, generate

    out = []
    for city in SAMPLE_CITIES:
        for sy in city.years:
            stages = generate(fw, f"{city.kode}:{sy.year}", sy.totals)
            if "EM" in stages and "VA" in stages:
                out.append(CityYear(city.kode, city.nama, sy.year, fw, stages["EM"],
                                    stages["VA"]))
    return out


METHOD_NAMES = {"em": "EM total as is",
                "average_fall": "average EM → VA fall (`risk.forecast`)",
                "model": "this model, own history",
                "pooled": "this model, prior pooled over the cities"}


def _cell(total: float | None, pred: str | None) -> str:
    return "–" if total is None else f"{total:.2f} {pred}"


def backtest_markdown(rows: Sequence[BacktestRow]) -> str:
    """The two tables of docs/planning.md (printed by `kla backtest`)."""
    lines = ["| city | year | earlier years | EM | VA (actual) | average fall | model | "
             "model, pooled prior |",
             "|---|---|---|---|---|---|---|---|"]
    for r in rows:
        cells = [r.nama, str(r.year), str(r.history_years), _cell(r.em_total, r.em_predicate),
                 _cell(r.verified_total, r.verified_predicate),
                 _cell(r.fall_total, r.fall_predicate), _cell(r.model_total, r.model_predicate),
                 _cell(r.pooled_total, r.pooled_predicate)]
        lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "| method | city-years | mean absolute error | bias (predicted − actual) | "
              "predicate right |", "|---|---|---|---|---|"]
    for s in summarise(rows):
        lines.append(f"| {METHOD_NAMES[s.method]} | {s.n} | {s.mae:.2f} | {s.bias:+.2f} | "
                     f"{s.predicate_hits} of {s.n} |")
    return "\n".join(lines)
