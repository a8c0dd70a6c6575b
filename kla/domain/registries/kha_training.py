"""KHA (Konvensi Hak Anak, CRC) training of service providers. Pure.

Link keys: the kinds of provider (``PROVIDER_KINDS``); each informs the question the framework
links it to with the distinct providers of that kind trained with a certificate over the
city's target for that kind.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from kla.domain.registries.base import Area, Proposal, Registry, Row, fmt, folded, share
from kla.i18n import Msg

PROVIDER_KINDS = ("gugus_tugas", "disdukcapil", "ila", "forum_anak", "puspaga", "paud", "lksa",
                  "rbra", "rass", "puskesmas", "school", "pka_rira", "special_protection")


class KhaTraining(Registry):
    kind = "kha_training"
    FIELDS = (("provider_kind", "choice", PROVIDER_KINDS), ("provider_name", "text", ()),
              ("people_trained", "int", ()), ("training_date", "date", ()),
              ("certificate", "bool", ()), ("cert_number", "text", ()),
              ("cert_date", "date", ()))
    LINK_KEYS = PROVIDER_KINDS

    def clean(self, row: Row, area: Area) -> dict:
        name = row.text("provider_name")
        if not name:
            row.error("provider_name", Msg("err.required"))
        trained = row.date("training_date")
        certificate = row.yes("certificate")
        cert_date = row.date("cert_date", required=certificate)
        if trained and cert_date and cert_date < trained:
            row.error("cert_date", Msg("err.reg.before_training", date=cert_date,
                                       trained=trained))
        if certificate and not row.text("cert_number"):
            row.error("cert_number", Msg("err.reg.cert_number_required"))
        return {"provider_kind": row.choice("provider_kind", PROVIDER_KINDS),
                "provider_name": name, "people_trained": row.count("people_trained"),
                "training_date": trained, "certificate": certificate,
                "cert_number": row.text("cert_number"), "cert_date": cert_date}

    def key(self, row: Mapping[str, object]) -> tuple:
        return (folded(row["provider_name"]), str(row["training_date"]))

    def propose(self, rows: Sequence[Mapping], area: Area, targets: Mapping[str, int],
                links: Mapping[str, str]) -> list[Proposal]:
        out = []
        for kind, qid in links.items():
            providers = {r["provider_name"].lower() for r in rows
                         if r["provider_kind"] == kind and r["certificate"]}
            target = int(targets.get(kind, 0) or 0)
            if target <= 0:
                out.append(Proposal(qid, None,
                                    f"belum ada target penyedia layanan '{kind}' — isi target",
                                    f"no target set for '{kind}' providers — set one",
                                    self.kind, {"n": len(providers), "d": 0}))
                continue
            c = share(len(providers), target)
            out.append(Proposal(qid, c,
                                f"{len(providers)} dari target {target} penyedia layanan "
                                f"({kind}) terlatih KHA bersertifikat → {fmt(c, 'id')}",
                                f"{len(providers)} of the target {target} providers ({kind}) "
                                f"trained in the CRC with a certificate → {fmt(c, 'en')}",
                                self.kind, {"n": len(providers), "d": target}))
        return out
