"""Every literal catalogue key the code asks for exists (in both languages), and each page's
own keys carry its prefix: text shared between pages lives under ``common.`` (or one of the
shared vocabularies: column names, predicates, stages, roles, decisions, statuses, charts)."""

import re
from pathlib import Path

from kla.i18n import catalogue

ROOT = Path(__file__).resolve().parents[2]
KEY = re.compile(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z0-9_.]+)["']""")
PAGE_PREFIX = {"audit": "audit", "ekspor": "export", "isian": "entry", "jalur": "path",
               "kasus_ppa": "reg", "kelengkapan": "complete", "kesenjangan": "gaps",
               "lembaga_anak": "reg", "login": "login", "nasional": "results",
               "pelatihan_kha": "reg", "pembanding": "peers", "pengguna": "users",
               "perkembangan": "progress", "posisi": "posisi", "provinsi": "province",
               "risiko": "risiko", "ruang_bermain": "reg", "simulasi": "sim", "usulan": "reg",
               "verifikasi": "verify", "unggah_bukti": "bulk",
               "matriks_opd": "matrix", "rencana_aksi": "plan",
               "kotak_masuk": "inbox", "kalender": "calendar"}
SHARED = {"common", "err", "col", "predicate", "stage", "role", "decision", "status", "chart", "qtype",
          "planning", "app", "nav", "page", "sample"}


def keys_in(path: Path) -> set[str]:
    return set(KEY.findall(path.read_text(encoding="utf-8")))


def test_every_literal_key_exists():
    known = set(catalogue("id"))
    files = [ROOT / "app.py", *ROOT.joinpath("app_pages").glob("*.py"),
             *ROOT.joinpath("kla").rglob("*.py")]
    missing = {f"{p.relative_to(ROOT)}: {k}" for p in files for k in keys_in(p) - known}
    assert not missing, sorted(missing)


def test_each_page_uses_its_own_prefix_or_shared_text():
    assert set(PAGE_PREFIX) == {p.stem for p in ROOT.joinpath("app_pages").glob("*.py")}
    borrowed = {f"{p.stem}: {k}" for p in ROOT.joinpath("app_pages").glob("*.py")
                for k in keys_in(p)
                if k.split(".")[0] not in SHARED | {PAGE_PREFIX[p.stem]}}
    assert not borrowed, sorted(borrowed)
