"""Convert the published 2024 instrument extract into indicators/kla-2024/questions.csv.

Run once by a developer (not at run time):

    python scripts/import_instrument.py ../shared/data/kla2024_instrument_questions.csv

Transformations (documented in indicators/kla-2024/README.md):
- the block label ("KLASTER I") becomes the block code of framework.toml ("K1");
- indicator and question codes lose their inner spaces ("21 A" -> "21A", "P4 a" -> "P4a"),
  so question ids read "21A.P3", "21A.P4a";
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
            writer.writerow(row)
    print(f"{len(rows)} questions written to {dest}")


if __name__ == "__main__":
    main(*sys.argv[1:])
