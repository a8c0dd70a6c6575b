"""Child-participation and family bodies per kecamatan or desa/kelurahan (Puspaga, Forum Anak,
PATBM, RIRA, LPKS). Pure.

Link keys: ``<body>/<level>``, e.g. ``forum_anak/desa_kelurahan``: the share of the kab/kota's
kecamatan or desa/kelurahan with that body.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kla.domain.registries.base import AREA_LEVELS, Area, Proposal, Registry, Row, coverage
from kla.i18n import Msg

BODIES = ("puspaga", "forum_anak", "patbm", "rira", "lpks")
# What an area with the body has, for the reasoning (id, en).
_WHAT = {"forum_anak": ("memiliki Forum Anak", "have a Forum Anak"),
         "puspaga": ("memiliki Puspaga/layanan konsultasi keluarga",
                     "have a Puspaga/family consultation unit"),
         "patbm": ("melaksanakan PATBM", "run PATBM"),
         "rira": ("memiliki RIRA", "have a RIRA"),
         "lpks": ("memiliki LPKS", "have an LPKS")}


class VillageBody(Registry):
    kind = "village_body"
    FIELDS = (("area_kode", "area", ()), ("body", "choice", BODIES),
              ("sk_number", "text", ()), ("sk_date", "date", ()))
    LINK_KEYS = tuple(f"{body}/{level}" for body in BODIES for level in AREA_LEVELS)

    def clean(self, row: Row, area: Area) -> dict:
        code = row.text("area_kode")
        if code not in area.kecamatan and code not in area.desa:
            row.error("area_kode", Msg("err.reg.not_area", code=code, area=area.nama,
                                       kode=area.kode))
        return {"area_kode": code, "body": row.choice("body", BODIES),
                "sk_number": row.text("sk_number"),
                "sk_date": row.date("sk_date", required=False)}

    def key(self, row: Mapping[str, object]) -> tuple:
        return (row["area_kode"], row["body"])

    def propose(self, rows: Sequence[Mapping], area: Area, targets: Mapping[str, int],
                links: Mapping[str, str]) -> list[Proposal]:
        out = []
        for link, qid in links.items():
            body, level = link.split("/")
            pool = area.units(level)
            have = {r["area_kode"] for r in rows if r["body"] == body} & set(pool)
            out.append(coverage(qid, self.kind, len(have), len(pool), _WHAT[body], level))
        return out


def coverage_by_kecamatan(rows: Sequence[Mapping], area: Area, body: str) -> list[dict]:
    """Per kecamatan: desa/kelurahan with ``body`` over all desa/kelurahan."""
    have = {r["area_kode"] for r in rows if r["body"] == body}
    out = []
    for kec, name in sorted(area.kecamatan.items()):
        pool = [d for d in area.desa if area.kecamatan_of(d) == kec]
        n = sum(d in have for d in pool)
        out.append({"kecamatan": kec, "name": name, "with": n, "total": len(pool),
                    "share": n / len(pool) if pool else 0.0})
    return out
