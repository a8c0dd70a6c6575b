"""Play areas (ruang bermain ramah anak, RBRA) and their SNI 9169:2023 status. Pure.

Link keys: ``kecamatan`` / ``desa_kelurahan`` (share of them with at least one play area) and
``standard`` (share of the play areas certified to SNI 9169:2023).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import ClassVar

from kla.domain.registries.base import Area, Proposal, Registry, Row, coverage, fmt, folded, share
from kla.i18n import Msg

PLAY_KINDS = ("park", "square", "green_space", "school", "other")
PLAY_STANDARDS = ("certified", "in_process", "not_standardized")
# The column holding a play area's kecamatan / desa-kelurahan.
_LEVEL_FIELD = {"kecamatan": "kecamatan_kode", "desa_kelurahan": "desa_kode"}
_WHAT = ("memiliki ruang bermain anak", "have a children's play area")


class PlayArea(Registry):
    kind = "play_area"
    FIELDS = (("name", "text", ()), ("kecamatan_kode", "kecamatan", ()),
              ("desa_kode", "desa", ()), ("kind", "choice", PLAY_KINDS),
              ("standard", "choice", PLAY_STANDARDS), ("cert_number", "text", ()),
              ("cert_date", "date", ()))
    LINK_KEYS = (*_LEVEL_FIELD, "standard")
    # The first option would demand a certificate number and date.
    DEFAULTS: ClassVar[dict[str, str]] = {"standard": "not_standardized"}

    def clean(self, row: Row, area: Area) -> dict:
        name = row.text("name")
        if not name:
            row.error("name", Msg("err.required"))
        kec = row.text("kecamatan_kode")
        if kec not in area.kecamatan:
            row.error("kecamatan_kode", Msg("err.reg.not_kecamatan", code=kec, area=area.nama,
                                            kode=area.kode))
        desa = row.text("desa_kode") or None
        if desa and (desa not in area.desa or area.kecamatan_of(desa) != kec):
            row.error("desa_kode", Msg("err.reg.not_desa_of", code=desa, kecamatan=kec))
        standard = row.choice("standard", PLAY_STANDARDS)
        cert_date = row.date("cert_date", required=standard == "certified")
        cert_number = row.text("cert_number")
        if standard == "certified" and not cert_number:
            row.error("cert_number", Msg("err.reg.cert_required"))
        return {"name": name, "kecamatan_kode": kec, "desa_kode": desa,
                "kind": row.choice("kind", PLAY_KINDS), "standard": standard,
                "cert_number": cert_number, "cert_date": cert_date}

    def key(self, row: Mapping[str, object]) -> tuple:
        return (row["kecamatan_kode"], folded(row["name"]))

    def propose(self, rows: Sequence[Mapping], area: Area, targets: Mapping[str, int],
                links: Mapping[str, str]) -> list[Proposal]:
        out = []
        for link, qid in links.items():
            if link == "standard":
                out.append(self._standard(qid, rows))
                continue
            units = area.units(link)
            have = {r[_LEVEL_FIELD[link]] for r in rows if r.get(_LEVEL_FIELD[link])}
            out.append(coverage(qid, self.kind, len(have & set(units)), len(units), _WHAT, link))
        return out

    def _standard(self, qid: str, rows: Sequence[Mapping]) -> Proposal:
        certified = sum(r["standard"] == "certified" for r in rows)
        c = share(certified, len(rows))
        return Proposal(qid, c,
                        f"{certified} dari {len(rows)} ruang bermain bersertifikat SNI 9169:2023 "
                        f"({len(rows) - certified} belum terstandar) → {fmt(c, 'id')}",
                        f"{certified} of {len(rows)} play areas certified to SNI 9169:2023 "
                        f"({len(rows) - certified} not standardised) → {fmt(c, 'en')}",
                        self.kind, {"n": certified, "d": len(rows), "level": "play_area"})
