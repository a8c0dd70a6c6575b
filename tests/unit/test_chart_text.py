"""Text alternatives of the charts (issue 17): each summary says, in the reader's language,
what its chart's data holds and nothing else; every chart of the pages has one under it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from kla.domain import chart_text as ct
from kla.domain.framework import get_framework
from kla.domain.gaps import indicator_gaps
from kla.domain.progress import predicate_history
from kla.domain.sample import generate
from kla.domain.scoring import ScoreResult, score
from kla.i18n import fmt_num

ROOT = Path(__file__).resolve().parents[2]


# --- the rule: no chart without its text ---------------------------------------------------------

CALL = re.compile(r"plotly_chart\(")
CAPTION = re.compile(r"\.caption\(\s*chart_text\.\w+_text\(")
WITHIN = 6  # lines after the line where the chart call starts


def chart_calls() -> list[tuple[Path, int]]:
    return [(p, i) for p in sorted(ROOT.joinpath("app_pages").glob("*.py"))
            for i, line in enumerate(p.read_text(encoding="utf-8").splitlines())
            if CALL.search(line)]


def test_every_chart_of_the_pages_is_followed_by_its_summary_caption():
    calls = chart_calls()
    assert len(calls) >= 19  # posisi 2, kesenjangan, perkembangan 2, simulasi 2, risiko 2, …
    missing = []
    for path, i in calls:
        lines = path.read_text(encoding="utf-8").splitlines()
        after = "\n".join(lines[i + 1:i + 1 + WITHIN])
        if not CAPTION.search(after):
            missing.append(f"{path.relative_to(ROOT)}:{i + 1}")
    assert not missing, ("a chart without its text alternative (st.caption(chart_text.…) "
                         f"within {WITHIN} lines): {missing}")


def test_the_rule_catches_a_chart_without_its_caption(tmp_path):
    page = tmp_path / "page.py"
    page.write_text("st.plotly_chart(fig)\nst.caption(t('x'))\n", encoding="utf-8")
    lines = page.read_text().splitlines()
    assert CALL.search(lines[0]) and not CAPTION.search("\n".join(lines[1:]))
    assert CAPTION.search("tab.caption(chart_text.blocks_text(rows, lang))")


def test_every_summary_function_is_used_by_a_page():
    pages = "\n".join(p.read_text(encoding="utf-8") for p in ROOT.joinpath("app_pages").glob("*.py"))
    functions = [n for n in dir(ct) if n.endswith("_text") and callable(getattr(ct, n))]
    assert functions
    unused = [n for n in functions if f"chart_text.{n}(" not in pages]
    assert not unused, unused


# --- standing ------------------------------------------------------------------------------------

def test_standing_names_city_total_predicate_and_points_to_next():
    args = (645.4, "Madya", "Nindya", 54.61)
    assert ct.standing_text(*args, "id", "Kota Serang") == \
        "Kota Serang 645,40 — Madya; 54,61 poin menuju Nindya."
    assert ct.standing_text(*args, "en", "Kota Serang") == \
        "Kota Serang 645.40 — Madya; 54.61 points to Nindya."


def test_standing_thousands_and_no_predicate():
    assert ct.standing_text(1000.0, "KLA", None, None, "en") == \
        "Total 1,000.00 — KLA, the highest predicate."
    assert ct.standing_text(1000.0, "KLA", None, None, "id") == \
        "Total 1.000,00 — KLA, predikat tertinggi."
    assert ct.standing_text(450.5, "none", "Pratama", 49.5, "id") == \
        "Total 450,50 — Belum berpredikat; 49,50 poin menuju Pratama."


def test_standing_held_back_by_the_gate_names_the_condition_not_zero_points():
    id_ = ct.standing_text(912.0, "Utama", "KLA", 0.0, "id")
    assert id_ == "Total 912,00 — Utama; KLA menuntut semua indikator terlaksana."
    assert "0,00 poin" not in id_
    assert ct.standing_text(912.0, "Utama", "KLA", 0.0, "en") == \
        "Total 912.00 — Utama; KLA needs every indicator implemented."


def test_standing_names_the_marks_of_the_chart():
    text = ct.standing_text(662.4, "Madya", "Nindya", 37.61, "en", "Scenario",
                            [("Baseline", 645.4)])
    assert text == "Scenario 662.40 — Madya; 37.61 points to Nindya. Baseline: 645.40."
    assert ct.standing_text(680.0, "Madya", "Nindya", 20.01, "id", "Kota Metro",
                            [("Perkiraan terverifikasi", 610.25)]).endswith(
        "Perkiraan terverifikasi: 610,25.")


# --- blocks, gaps -----------------------------------------------------------------------------------

BLOCKS = [("Kelembagaan", 120.5, 164.0), ("Klaster I", 40.0, 115.0), ("Kelana/Dekela", 95.0, 100.0)]


def test_blocks_strongest_and_weakest_with_their_share():
    assert ct.blocks_text(BLOCKS, "id") == (
        "Blok terkuat: Kelana/Dekela, 95,0 % (95,00 dari 100); "
        "terlemah: Klaster I, 34,8 % (40,00 dari 115).")
    assert ct.blocks_text(BLOCKS, "en") == (
        "Strongest block: Kelana/Dekela, 95.0 % (95.00 of 100); "
        "weakest: Klaster I, 34.8 % (40.00 of 115).")


def test_blocks_edge_cases():
    assert ct.blocks_text([], "id") == "Belum ada nilai blok."
    assert ct.blocks_text([("X", 1.0, 0.0)], "en") == "No block scores yet."  # no maximum
    assert ct.blocks_text([("Kelembagaan", 82.0, 164.0)], "en") == \
        "One block: Kelembagaan, 50.0 % (82.00 of 164)."
    assert ct.blocks_text([("A", 0.0, 100.0), ("B", 0.0, 50.0)], "id") == \
        "Semua 2 blok mencapai 0,0 % dari maksimumnya."


GAPS = [{"indicator": "21A", "name": "Anak korban kekerasan yang mendapat layanan terpadu",
         "at_stake": 30.5, "block": "K5"},
        {"indicator": "1", "name": "Peraturan KLA", "at_stake": 12.0, "block": "KEL"},
        {"indicator": "12", "name": "Persalinan di fasilitas kesehatan", "at_stake": 1234.0,
         "block": "K3"},
        {"indicator": "4", "name": "Akta kelahiran", "at_stake": 0.25, "block": "K1"},
        {"indicator": "5", "name": "Partisipasi anak", "at_stake": 0.0, "block": "K1"}]


def test_gaps_top_three_and_the_total():
    assert ct.gaps_text(GAPS, "id") == (
        "Poin terbanyak belum diraih: 12 Persalinan di fasilitas kesehatan (1.234,00); "
        "21A Anak korban kekerasan yang mendapat … (30,50); 1 Peraturan KLA (12,00). "
        "Indikator dengan poin belum diraih: 4, total 1.276,75 poin.")
    assert ct.gaps_text(GAPS, "en").endswith(
        "1 Peraturan KLA (12.00). Indicators with points not yet gained: 4, 1,276.75 points "
        "in all.")


def test_gaps_edge_cases():
    assert ct.gaps_text([GAPS[-1]], "id") == \
        "Tidak ada poin yang belum diraih: semua indikator bernilai maksimum."
    assert ct.gaps_text([], "en") == \
        "No points left to gain: every indicator has its maximum score."
    assert ct.gaps_text([GAPS[1]], "en") == ("Most points not yet gained: 1 Peraturan KLA "
                                             "(12.00). Indicators with points not yet gained: "
                                             "1, 12.00 points in all.")


def test_gaps_total_is_what_the_assessment_lacks():
    """On the real instrument: the indicator losses the chart draws add up to 1,000 − total."""
    fw = get_framework()
    credits = generate(fw, "chart-text", {"EM": 645.4})["EM"]
    result = score(fw, credits)
    text = ct.gaps_text(indicator_gaps(fw, result, credits), "en")
    assert f"{fmt_num(fw.total_max - result.total, 'en')} points in all" in text


# --- years and stages ------------------------------------------------------------------------------

HIST = [{"year": 2022, "stage": "FINAL", "total": 580.0, "predicate": "Pratama"},
        {"year": 2023, "stage": "FINAL", "total": 610.25, "predicate": "Madya"},
        {"year": 2025, "stage": "VA", "total": 645.4, "predicate": "Madya"}]


def test_progress_first_and_last_year():
    assert ct.progress_text(HIST, "id") == (
        "2022 (FINAL): 580,00 — Pratama → 2025 (VA): 645,40 — Madya; +65,40 poin, "
        "3 tahun dinilai.")
    assert ct.progress_text(HIST, "en") == (
        "2022 (FINAL): 580.00 — Pratama → 2025 (VA): 645.40 — Madya; +65.40 points, "
        "3 years assessed.")


def test_progress_edge_cases():
    assert ct.progress_text([], "id") == "Belum ada tahun yang dinilai."
    assert ct.progress_text(HIST[:1], "en") == \
        "One year assessed: 2022 (FINAL) 580.00 — Pratama."
    down = [HIST[1], {**HIST[0], "year": 2025}]
    assert "-30,25 poin" in ct.progress_text(down, "id")


def test_progress_of_real_rows_uses_the_most_verified_stage():
    def r(total: float) -> ScoreResult:
        return ScoreResult(framework="kla-2024", total=total,
                           predicate="Madya" if total > 600 else "Pratama", next_predicate=None,
                           points_to_next=None, all_implemented=True, blocks={}, indicators={})

    rows = [(2024, "EM", r(700.0)), (2024, "FINAL", r(650.0)), (2025, "EM", r(590.0))]
    hist = predicate_history(rows)
    assert ct.progress_text(hist, "en").startswith("2024 (FINAL): 650.00 — Madya → 2025 (EM)")


STAGES = [(2024, "EM", 700.0), (2024, "FINAL", 650.0),
          (2025, "FINAL", 645.4), (2025, "EM", 680.0), (2025, "VA", 660.5)]


def test_stages_latest_year_in_stage_order_with_the_change():
    assert ct.stages_text(STAGES, "id") == (
        "2025 (tahun terakhir): EM 680,00 · VA 660,50 · FINAL 645,40. "
        "Dari EM ke FINAL: -34,60 poin.")
    assert ct.stages_text(STAGES, "en") == (
        "2025 (latest year): EM 680.00 · VA 660.50 · FINAL 645.40. "
        "From EM to FINAL: -34.60 points.")


def test_stages_edge_cases():
    assert ct.stages_text([], "en") == "No totals per stage yet."
    assert ct.stages_text([(2026, "EM", 612.0)], "id") == "2026 (tahun terakhir): EM 612,00."


# --- what-if, plan, risk ------------------------------------------------------------------------

LABELS = {"KEL": "Kelembagaan", "K3": "Klaster III — Kesehatan dasar dan kesejahteraan",
          "K5": "Klaster V", "K1": "Klaster I", "KD": "Kelana/Dekela"}


def block_row(block: str, base: float, delta: float) -> dict:
    return {"block": block, "baseline": base, "scenario": round(base + delta, 2),
            "delta": delta, "max": 200.0}


def test_compare_blocks_largest_change_first():
    rows = [block_row("KEL", 100.0, 2.5), block_row("K3", 90.0, 12.0),
            block_row("K5", 80.0, 0.0), block_row("K1", 50.0, -5.0)]
    assert ct.compare_blocks_text(rows, LABELS, "id") == (
        "Skenario mengubah 3 blok: Klaster III — Kesehatan dasar dan … 90,00 → 102,00 "
        "(+12,00); Klaster I 50,00 → 45,00 (-5,00); Kelembagaan 100,00 → 102,50 (+2,50).")
    more = rows + [block_row("KD", 10.0, 1.0)]
    assert ct.compare_blocks_text(more, LABELS, "en").endswith("(+2.50); and 1 more.")


def test_compare_blocks_without_changes():
    rows = [block_row("KEL", 100.0, 0.0)]
    assert ct.compare_blocks_text(rows, LABELS, "id") == \
        "Skenario belum mengubah nilai blok mana pun."
    assert ct.compare_blocks_text([], LABELS, "en") == "The scenario changes no block score yet."


def test_by_agency_totals_and_top_agencies():
    rows = [{"opd": "Dinkes", "points": 20.0, "effort": 6.0},
            {"opd": "DP3A", "points": 30.5, "effort": 2.5},
            {"opd": "Disdik", "points": 4.11, "effort": 1.0}]
    assert ct.by_agency_text(rows, "id") == (
        "OPD: 3, 54,61 poin dengan usaha 9,5. Poin terbanyak: DP3A 30,50 poin (usaha 2,5); "
        "Dinkes 20,00 poin (usaha 6); Disdik 4,11 poin (usaha 1).")
    assert ct.by_agency_text(rows[:1], "en") == \
        "Agencies (OPD): 1, 20.00 points for effort 6. Most points: Dinkes 20.00 points (effort 6)."
    assert ct.by_agency_text([], "en") == "This plan needs no action."


def test_falls_each_year_and_the_average():
    falls = [(2023, 12.0), (2024, 20.5)]
    assert ct.falls_text(falls, 16.25, "id") == \
        "Poin turun saat verifikasi: 2023 12,00, 2024 20,50; rata-rata 16,25."
    assert ct.falls_text(falls, None, "en") == \
        "Points lost at verification: 2023 12.00, 2024 20.50."
    assert ct.falls_text([], None, "id") == \
        "Belum ada tahun dengan nilai mandiri dan nilai terverifikasi."


# --- registries ---------------------------------------------------------------------------------

PLAY_LABELS = {"certified": "Bersertifikat", "in_process": "Dalam proses",
               "not_standardized": "Belum berstandar"}
KEC = {"18.72.01": "Metro Pusat", "18.72.02": "Metro Barat"}


def test_play_areas_per_status_and_the_kecamatan_with_most():
    rows = [{"kecamatan_kode": "18.72.01", "standard": "certified"},
            {"kecamatan_kode": "18.72.01", "standard": "not_standardized"},
            {"kecamatan_kode": "18.72.02", "standard": "not_standardized"}]
    assert ct.play_areas_text(rows, KEC, PLAY_LABELS, "id") == (
        "Ruang bermain: 3, di 2 kecamatan: Bersertifikat 1, Dalam proses 0, "
        "Belum berstandar 2. Terbanyak: Metro Pusat (2).")
    tie = rows[1:]
    assert ct.play_areas_text(tie, KEC, PLAY_LABELS, "en").endswith(
        "Most: Metro Barat; Metro Pusat (1).")
    assert ct.play_areas_text([], KEC, PLAY_LABELS, "en") == "No play area recorded yet."


def test_kha_per_kind_with_target_only_when_set():
    rows = [{"kind": "Sekolah", "certified": 5, "uncertified": 2, "target": 10},
            {"kind": "Puskesmas", "certified": 1, "uncertified": 0, "target": 0}]
    assert ct.kha_text(rows, "id") == (
        "Penyedia layanan terlatih KHA — Puskesmas: 1 bersertifikat, 0 sertifikat belum "
        "terbit; Sekolah: 5 bersertifikat, 2 sertifikat belum terbit, target 10.")
    assert "Puskesmas: 1 certified, 0 certificate pending;" in ct.kha_text(rows, "en")
    assert ct.kha_text([], "en") == "No trained service provider recorded yet."


def test_coverage_per_body_over_all_villages():
    rows = [{"body": "forum_anak", "name": "Metro Pusat", "with": 3, "total": 5, "share": 0.6},
            {"body": "forum_anak", "name": "Metro Barat", "with": 1, "total": 3, "share": 1 / 3},
            {"body": "puspaga", "name": "Metro Pusat", "with": 0, "total": 5, "share": 0.0}]
    labels = {"puspaga": "Puspaga", "forum_anak": "Forum Anak", "rira": "RIRA"}
    assert ct.coverage_text(rows, labels, "id") == (
        "Desa/kelurahan yang memiliki lembaga: Puspaga 0 dari 5 (0,0 %); "
        "Forum Anak 4 dari 8 (50,0 %).")  # RIRA: no row, no claim
    assert ct.coverage_text([], labels, "en") == "No desa/kelurahan in this area yet."


def test_handling_cases_and_the_latest_month():
    rows = [{"month": "2026-01", "cases": 3, "handled": 3, "median_days": 2, "p90_days": 4.6},
            {"month": "2026-02", "cases": 2, "handled": 2, "median_days": 1.5, "p90_days": 2.9}]
    assert ct.handling_text(rows, "id") == (
        "Kasus dilaporkan: 5, bulan 2026-01 sampai 2026-02. Bulan terakhir, 2026-02: median "
        "1,5 hari dan persentil ke-90 2,9 hari sampai penanganan pertama.")
    waiting = [{"month": "2026-03", "cases": 1, "handled": 0, "median_days": None,
                "p90_days": None}]
    assert ct.handling_text(waiting, "en") == (
        "Cases reported: 1, month 2026-03. Latest month, 2026-03: no case handled yet.")
    assert ct.handling_text([], "id") == "Belum ada kasus tercatat."


# --- many kab/kota ---------------------------------------------------------------------------------

COUNTS = [{"award_year": 2023, "predicate": "Utama", "n": 20},
          {"award_year": 2023, "predicate": "Nindya", "n": 80},
          {"award_year": 2025, "predicate": "Madya", "n": 151},
          {"award_year": 2025, "predicate": "Utama", "n": 26},
          {"award_year": 2025, "predicate": "none", "n": 4},
          {"award_year": 2025, "predicate": "Pratama", "n": 0}]


def test_results_latest_year_per_predicate_beside_the_national_count():
    national = {2023: {"total": 360}, 2025: {"total": 438}}
    assert ct.results_text(COUNTS, national, "id") == (
        "2025 (tahun terakhir): Utama 26, Madya 151; 177 kab/kota dimuat dari 438 secara "
        "nasional.")  # published: predicates only, as the chart
    assert ct.results_text(COUNTS, {2023: {"total": 360}, 2025: {"total": None}}, "en") == \
        "2025 (latest year): Utama 26, Madya 151; regencies/cities: 177."


def test_results_of_the_app_count_no_predicate_too():
    assert ct.results_text(COUNTS, {}, "en") == \
        "2025 (latest year): Utama 26, Madya 151, No predicate 4; regencies/cities: 181."
    assert ct.results_text([], {}, "id") == "Belum ada hasil."
    assert ct.results_text(COUNTS[-1:], {}, "en") == "No results yet."  # only zeros


PROVS = [{"nama": "Jawa Timur", "share": 100.0, "with_predicate": 38},
         {"nama": "DI Yogyakarta", "share": 100.0, "with_predicate": 5},
         {"nama": "Papua", "share": 10.5, "with_predicate": 1},
         {"nama": "Aceh", "share": None, "with_predicate": None}]


def test_province_share_highest_and_lowest_and_no_result_loaded():
    assert ct.province_measure_text(PROVS, "share", 2023, "id") == (
        "2023, kab/kota berpredikat per provinsi: tertinggi 100,0 % (DI Yogyakarta; "
        "Jawa Timur); terendah 10,5 % (Papua). Provinsi tanpa hasil dimuat: 1.")
    assert ct.province_measure_text(PROVS, "count", 2023, "en") == (
        "2023, regencies/cities with a predicate per province: highest 38 (Jawa Timur); "
        "lowest 1 (Papua). Provinces without a result loaded: 1.")
    assert ct.province_measure_text(PROVS, "count", 2023, "id").startswith(
        "2023, kab/kota berpredikat per provinsi: tertinggi 38 kab/kota (Jawa Timur); "
        "terendah 1 kab/kota (Papua).")


def test_province_edge_cases():
    assert ct.province_measure_text(PROVS[-1:], "share", 2019, "id") == \
        "2019: belum ada hasil provinsi yang dimuat."
    assert ct.province_measure_text(PROVS[:2], "share", 2025, "en") == (
        "2025, regencies/cities with a predicate per province: 100.0 % in every province with "
        "results loaded (2).")
    many = [{"nama": n, "share": 50.0, "with_predicate": 2} for n in "ABCD"] + PROVS[:1]
    assert "(A; B; and 2 more)" in ct.province_measure_text(many, "share", 2025, "en")


def test_predicates_counts_highest_first_and_no_result_loaded():
    names = ["Kota Serang", "Kab. Lebak", "Kota Cilegon", "Kab. Pandeglang"]
    preds = ["Madya", None, "Nindya", "none"]
    assert ct.predicates_text(names, preds, "id") == \
        "Predikat 3 kab/kota: Nindya 1, Madya 1, Belum berpredikat 1. " \
        "Tanpa hasil dimuat: 1 kab/kota."
    assert ct.predicates_text(names, preds, "en") == \
        "Regencies/cities with a result: 3 — Nindya 1, Madya 1, No predicate 1. " \
        "No result loaded: 1."


def test_predicates_edge_cases():
    assert ct.predicates_text(["A", "B"], [None, None], "id") == \
        "Belum ada hasil dimuat untuk 2 kab/kota ini."
    assert ct.predicates_text(["A"], ["Utama"], "en") == \
        "Regencies/cities with a result: 1 — Utama 1."


@pytest.mark.parametrize("lang", ["id", "en"])
def test_every_summary_key_exists_in_both_languages(lang):
    from kla.i18n import catalogue

    source = (ROOT / "kla/domain/chart_text.py").read_text(encoding="utf-8")
    keys = set(re.findall(r'"(chart\.text\.[a-z_]+)"', source))
    assert len(keys) > 40
    assert not keys - set(catalogue(lang)), keys - set(catalogue(lang))
