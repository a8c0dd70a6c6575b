"""Deterministic sample assessments ("Data contoh"). Pure: framework + targets in, credits out.

The sample is generated, not real: it only follows the public story of the sample cities
(predicates), so the first run shows something real-looking. Every stage after the
self-assessment (EM) only lowers credits, as verification does.
"""

from __future__ import annotations

import random
from dataclasses import dataclass

from kla.domain.framework import Framework
from kla.domain.rubric import question_type
from kla.domain.scoring import score
from kla.domain.workflow import GRADES
from kla.domain.workflow import STAGES as STAGE_ORDER


@dataclass(frozen=True)
class SampleYear:
    year: int
    totals: dict[str, float]  # stage -> target total (EM ≥ VA ≥ VL ≥ FINAL)


@dataclass(frozen=True)
class SampleCity:
    kode: str
    nama: str
    years: tuple[SampleYear, ...]


# Kota Serang: Pratama for years, Madya in 2025. Kota Metro: Nindya (published for 2022).
SAMPLE_CITIES = (
    SampleCity("36.73", "Kota Serang", (
        SampleYear(2021, {"EM": 702.0, "VA": 611.0, "VL": 566.0, "FINAL": 548.0}),
        SampleYear(2022, {"EM": 731.0, "VA": 628.0, "VL": 584.0, "FINAL": 571.0}),
        SampleYear(2023, {"EM": 758.0, "VA": 645.0, "VL": 598.0, "FINAL": 589.0}),
        SampleYear(2025, {"EM": 829.0, "VA": 712.0, "VL": 664.0, "FINAL": 646.0}),
    )),
    SampleCity("18.72", "Kota Metro", (
        SampleYear(2022, {"EM": 876.0, "VA": 798.0, "VL": 752.0, "FINAL": 731.0}),
        SampleYear(2023, {"EM": 889.0, "VA": 806.0, "VL": 766.0, "FINAL": 744.0}),
        SampleYear(2025, {"EM": 896.0, "VA": 821.0, "VL": 781.0, "FINAL": 768.0}),
    )),
)


def _total(fw: Framework, credits: dict[str, float]) -> float:
    return score(fw, credits).total


def _raise_to(fw: Framework, rng: random.Random, credits: dict[str, float],
              target: float) -> None:
    ids = [q for q in fw.questions if fw.questions[q].max > 0]
    while _total(fw, credits) < target:
        qid = rng.choice(ids)
        if credits[qid] < 1.0:
            credits[qid] = GRADES[GRADES.index(credits[qid]) + 1]


def _lower_to(fw: Framework, rng: random.Random, credits: dict[str, float],
              target: float) -> None:
    ids = [q for q in fw.questions if fw.questions[q].max > 0]
    while _total(fw, credits) > target:
        qid = rng.choice(ids)
        if credits[qid] > 0.0:
            credits[qid] = GRADES[GRADES.index(credits[qid]) - 1]


def generate(fw: Framework, seed: str, totals: dict[str, float]) -> dict[str, dict[str, float]]:
    """Credits per stage hitting each stage's target total (within a few points)."""
    rng = random.Random(seed)
    start = {q: rng.choice((0.0, 0.25, 0.5)) for q in fw.questions}
    _raise_to(fw, rng, start, totals[STAGE_ORDER[0]])
    out: dict[str, dict[str, float]] = {}
    credits = start
    for stage in STAGE_ORDER:
        if stage not in totals:
            continue
        credits = dict(credits)
        _lower_to(fw, rng, credits, totals[stage])
        out[stage] = credits
    return out


# Typical notes of a Gugus Tugas on answers below full credit, by question type (sample only).
NOTES = {
    "budget": ("bukti anggaran belum lengkap", "DPA belum ditandatangani kepala OPD"),
    "decree": ("SK masih dalam proses penandatanganan", "SK lama sudah kedaluwarsa"),
    "policy": ("perkada masih draf", "kebijakan belum mencakup semua klaster"),
    "training": ("baru sebagian petugas bersertifikat KHA", "pelatihan KHA dijadwalkan tahun depan"),
    "partnership": ("matriks kemitraan belum diisi semua OPD", "MATRIKS belum ditandatangani"),
    "innovation": ("inovasi belum terdokumentasi", "inovasi baru tahap uji coba"),
    "facility": ("sarana belum terstandar SNI", "baru sebagian sarana ramah anak"),
    "institution": ("SOP belum disahkan", "lembaga sudah ada tetapi belum aktif"),
    "photo": ("foto kegiatan belum diunggah",),
    "data": ("data tahun sebelumnya belum lengkap", "data belum terpilah menurut umur"),
    "coverage": ("baru sebagian kelurahan memenuhi kriteria",
                 "data kecamatan belum direkap"),
    "other": ("bukti dukung belum lengkap",),
}


def sample_notes(fw: Framework, credits: dict[str, float], seed: str,
                 share: float = 0.35) -> dict[str, str]:
    """Deterministic notes on about ``share`` of the answers below full credit."""
    rng = random.Random(f"notes:{seed}")
    out = {}
    for qid, credit in credits.items():
        if credit < 1.0 and fw.questions[qid].max > 0 and rng.random() < share:
            out[qid] = rng.choice(NOTES[question_type(fw.questions[qid]).code])
    return out


# The year being prepared now: Kota Serang's self-assessment in progress (draft, partly
# answered, no evidence yet) so the submission workflow has something to do.
DRAFT = ("36.73", 2026, {"EM": 742.0}, 0.6)  # kode, year, target, share of questions answered

# Sample accounts (password DEMO_PASSWORD). For a first look only: never run `kla demo` on a
# production database.
DEMO_PASSWORD = "contoh-kla-2026"
DEMO_USERS = (
    ("admin", "admin", None, (), "Admin (contoh)"),
    ("koordinator.serang", "coordinator", "36.73", (), "Gugus Tugas KLA Kota Serang"),
    ("dinkes.serang", "opd", "36.73", ("Dinkes",), "Dinas Kesehatan Kota Serang"),
    ("dp3a.serang", "opd", "36.73", ("DPPPAPPKB",), "DP3AKB Kota Serang"),
    ("verifikator.banten", "verifier", "36", (), "Verifikator Provinsi Banten"),
    ("koordinator.metro", "coordinator", "18.72", (), "Gugus Tugas KLA Kota Metro"),
    ("pengamat", "viewer", None, (), "Analis (hanya baca)"),
)


def draft_answers(fw: Framework) -> tuple[dict[str, float], dict[str, str]]:
    """Credits and notes of the sample draft: only part of the questions answered yet."""
    kode, year, totals, share = DRAFT
    credits = generate(fw, f"{kode}:{year}", totals)["EM"]
    rng = random.Random(f"draft:{kode}:{year}")
    answered = {q: c for q, c in credits.items() if rng.random() < share}
    return answered, sample_notes(fw, answered, f"{kode}:{year}")


def registry_samples(area) -> tuple[dict[str, list[dict]], dict[str, int]]:
    """Deterministic sample registries for a kab/kota (an ``registries.Area``), with targets.

    Kota Metro: 47 providers trained in the CRC with certificates, a Puspaga in every
    kelurahan, Forum Anak in 17 of 22; Kota Serang: many play areas in squares and green
    spaces not standardised — as both cities report publicly. Everything else is invented.
    """
    rng = random.Random(f"registries:{area.kode}")
    kec = sorted(area.kecamatan)
    desa = sorted(area.desa)
    metro = area.kode == "18.72"
    plays = []
    for i, k in enumerate(kec):
        villages = [d for d in desa if d.startswith(k + ".")]
        for j, kind in enumerate(("park", "square", "green_space", "school")):
            if rng.random() < (0.75 if metro else 0.55):
                certified = rng.random() < (0.5 if metro else 0.2) and kind in ("park", "school")
                in_process = not certified and rng.random() < 0.3
                plays.append({
                    "name": f"{['Taman', 'Alun-alun', 'RTH', 'Halaman SD'][j]} "
                            f"{area.kecamatan[k].title()}",
                    "kecamatan_kode": k, "desa_kode": rng.choice(villages) if villages else None,
                    "kind": kind,
                    "standard": "certified" if certified else "in_process" if in_process
                    else "not_standardized",
                    "cert_number": f"SNI9169-{area.kode}-{i}{j}" if certified else "",
                    "cert_date": f"2025-0{rng.randint(1, 9)}-15" if certified else None})
    kinds = ([("school", 30), ("puskesmas", 11), ("puspaga", 6)] if metro
             else [("school", 12), ("puskesmas", 6), ("gugus_tugas", 1)])
    kha = [{"provider_kind": kind, "provider_name": f"{kind.replace('_', ' ').title()} {n + 1}",
            "people_trained": rng.randint(2, 9),
            "training_date": f"2025-0{rng.randint(1, 6)}-{rng.randint(10, 28)}",
            "certificate": metro or rng.random() < 0.6}
           for kind, count in kinds for n in range(count)]
    for row in kha:
        if row["certificate"]:
            row["cert_number"] = f"KHA-{area.kode}-{rng.randint(1000, 9999)}"
            row["cert_date"] = row["training_date"][:8] + "28"
    targets = ({"school": 35, "puskesmas": 11, "puspaga": 6, "gugus_tugas": 1} if metro
               else {"school": 40, "puskesmas": 16, "gugus_tugas": 1})
    bodies = []
    forum = set(desa[:17]) if metro else set(rng.sample(desa, k=len(desa) // 2))
    for d in desa:
        if metro or rng.random() < 0.4:
            bodies.append({"area_kode": d, "body": "puspaga", "sk_number": f"SK-P-{d}"})
        if d in forum:
            bodies.append({"area_kode": d, "body": "forum_anak", "sk_number": f"SK-FA-{d}"})
        if rng.random() < (0.6 if metro else 0.3):
            bodies.append({"area_kode": d, "body": "patbm", "sk_number": f"SK-PATBM-{d}"})
    for k in kec:
        if rng.random() < 0.8:
            bodies.append({"area_kode": k, "body": "forum_anak", "sk_number": f"SK-FAK-{k}"})
    cases = []
    for n in range(36 if metro else 28):
        month = rng.randint(1, 9)
        day = rng.randint(1, 20)
        wait = rng.choice([0, 0, 1, 1, 1, 2, 3, 5, 8]) if metro else rng.choice([1, 2, 3, 5, 9])
        cases.append({"case_ref": f"PPA-{area.kode}-{n + 1:03d}",
                      "category": rng.choice(("kekerasan_fisik", "kekerasan_psikis",
                                              "kekerasan_seksual", "penelantaran")),
                      "age_band": rng.choice(("0-5", "6-12", "13-17")),
                      "sex": rng.choice(("L", "P")), "reported_on": f"2025-{month:02d}-{day:02d}",
                      "first_handled_on": f"2025-{month:02d}-{day + wait:02d}"})
    return {"play_area": plays, "kha_training": kha, "village_body": bodies,
            "ppa_case": cases}, targets
