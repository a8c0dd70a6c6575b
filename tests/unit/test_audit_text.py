"""The audit log in words: action labels and "old → new" changes, per language."""

from datetime import datetime

from kla.web.audit_text import action_label, change_text


def test_actions_have_labels_in_both_languages():
    assert action_label("answer.save", "id") == "Jawaban disimpan"
    assert action_label("answer.save", "en") == "Answer saved"
    assert action_label("registry.play_area.add", "id") == "Ruang bermain: entri ditambah"
    assert action_label("something.new", "id") == "something.new"  # shown, never lost


def test_changes_read_as_old_to_new():
    detail = {"credit": [0.5, 1.0], "note": ["", "SK terbit"], "version": [3, 4]}
    assert change_text(detail, "id") == "Kredit: 0,5 → 1; Catatan: – → SK terbit; Versi: 3 → 4"
    assert change_text(detail, "en") == "Credit: 0.5 → 1; Note: – → SK terbit; Version: 3 → 4"


def test_statuses_roles_agencies_and_deadlines_are_words():
    text = change_text({"status": ["in_review", "verified"], "role": ["opd", "coordinator"],
                        "agencies": [["Dinkes"], ["Dinkes", "DP3A"]]}, "id")
    assert text == ("Status: sedang diverifikasi → terverifikasi; "
                    "Peran: OPD → koordinator Gugus Tugas; OPD: Dinkes → Dinkes, DP3A")
    assert change_text({"agencies": ["Dinkes", "DP3A"]}, "id") == "OPD: Dinkes, DP3A"
    deadline = change_text({"deadline": datetime(2026, 11, 30, 7, 0).isoformat()}, "id")
    assert deadline == "Tenggat: 30 Nov 2026 14:00 WIB"  # stored in UTC, shown in WIB


def test_long_values_are_cut_and_files_hidden():
    text = change_text({"data": {"name": "x" * 1000, "file_sha256": "abc"}}, "id")
    assert len(text) < 400 and "abc" not in text
