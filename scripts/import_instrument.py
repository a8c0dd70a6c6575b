"""Convert the published 2024 instrument extract into indicators/kla-2024/questions.csv.

Run once by a developer (not at run time):

    python scripts/import_instrument.py ../shared/data/kla2024_instrument_questions.csv

Transformations (documented in indicators/kla-2024/README.md):
- the block label ("KLASTER I") becomes the block code of framework.toml ("K1");
- indicator and question codes lose their inner spaces ("21 A" -> "21A", "P4 a" -> "P4a"),
  so question ids read "21A.P3", "21A.P4a";
- one typo of the source is corrected (``TEXT_FIXES``; listed in the README there);
- every other column is copied as published.
"""

from __future__ import annotations

import csv
import sys
from pathlib import Path

BLOCK_CODES = {
    "KELEMBAGAAN": "KEL",
    "KLASTER I": "K1",
    "KLASTER II": "K2",
    "KLASTER III": "K3",
    "KLASTER IV": "K4",
    "KLASTER V": "K5",
    "KELANA DEKELA": "KD",
}
# Typos of the published source corrected in our copy: question id -> (as published, corrected).
TEXT_FIXES = {
    "21A.P2": ("ApakaKLASh ada program/kegiatan", "Apakah ada program/kegiatan"),
}
COLUMNS = [
    "block", "indicator_code", "indicator_name", "indicator_max", "question_code",
    "question_max", "for_kecamatan", "for_desa", "data_source_opds", "question_text",
]


def main(src: str, dest: str = "indicators/kla-2024/questions.csv") -> None:
    with open(src, newline="", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    with open(Path(dest), "w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
        writer.writeheader()
        for row in rows:
            row = {k: (row[k] or "").strip() for k in COLUMNS}
            row["block"] = BLOCK_CODES[row["block"]]
            row["indicator_code"] = row["indicator_code"].replace(" ", "")
            row["question_code"] = row["question_code"].replace(" ", "")
            fix = TEXT_FIXES.get(f"{row['indicator_code']}.{row['question_code']}")
            if fix and row["question_text"].startswith(fix[0]):
                row["question_text"] = fix[1] + row["question_text"][len(fix[0]):]
            writer.writerow(row)
    print(f"{len(rows)} questions written to {dest}")


if __name__ == "__main__":
    main(*sys.argv[1:])
