"""KLA dashboard — Streamlit entry point: page config, language, login, role-based pages."""

import streamlit as st

from kla.i18n import LANGS
from kla.web.session import current_actor, lang, logout, t

st.set_page_config(page_title="KLA", page_icon=":material/child_care:", layout="wide")

actor = current_actor()
with st.sidebar:
    st.session_state.setdefault("lang", lang())
    st.segmented_control(t("app.language"), options=list(LANGS), key="lang", required=True,
                         format_func={"id": "Indonesia", "en": "English"}.get)
    if actor:
        st.caption(f"**{actor.label}** · {t('role.' + actor.role)}"
                   + (f" · {actor.region_kode}" if actor.region_kode else ""))
        st.button(t("login.logout"), icon=":material/logout:", on_click=logout, key="logout")
    st.caption(f"**{t('app.title')}** · {t('app.subtitle')}")

if actor is None:
    st.navigation([st.Page("app_pages/login.py", title=t("login.title"),
                           icon=":material/login:", url_path="masuk")]).run()
    st.stop()


def page(path: str, key: str, icon: str, slug: str, **kw) -> st.Page:
    return st.Page(f"app_pages/{path}", title=t(key), icon=icon, url_path=slug, **kw)


role = actor.role
pages = {
    t("nav.standing"): [page("posisi.py", "page.posisi", ":material/leaderboard:", "posisi",
                             default=True),
                        page("kotak_masuk.py", "page.inbox", ":material/inbox:", "kotak-masuk"),
                        page("kalender.py", "page.calendar", ":material/calendar_month:",
                             "kalender")],
    t("nav.planning"): [
        page("kesenjangan.py", "page.gaps", ":material/troubleshoot:", "kesenjangan"),
        page("perkembangan.py", "page.progress", ":material/timeline:", "perkembangan"),
        page("simulasi.py", "page.sim", ":material/tune:", "simulasi"),
        page("jalur.py", "page.path", ":material/route:", "jalur"),
        page("risiko.py", "page.risk", ":material/gpp_maybe:", "risiko"),
        page("rencana_aksi.py", "page.plan", ":material/event_note:", "rencana-aksi"),
    ],
}
work = []
if role in ("admin", "coordinator", "opd"):
    work.append(page("isian.py", "page.entry", ":material/edit_note:", "isian"))
    work.append(page("unggah_bukti.py", "page.bulk", ":material/drive_folder_upload:",
                     "unggah-bukti"))
if role in ("admin", "coordinator"):
    work.append(page("kelengkapan.py", "page.complete", ":material/checklist:", "kelengkapan"))
if role in ("admin", "verifier"):
    work.append(page("verifikasi.py", "page.verify", ":material/fact_check:", "verifikasi"))
work.append(page("matriks_opd.py", "page.matrix", ":material/grid_on:", "matriks-opd"))
work.append(page("ekspor.py", "page.export", ":material/download:", "ekspor"))
registries = [
    page("ruang_bermain.py", "page.play", ":material/park:", "ruang-bermain"),
    page("pelatihan_kha.py", "page.kha", ":material/school:", "pelatihan-kha"),
    page("lembaga_anak.py", "page.bodies", ":material/groups:", "lembaga-anak"),
    page("kasus_ppa.py", "page.ppa", ":material/support:", "kasus-ppa"),
    page("usulan.py", "page.proposals", ":material/auto_fix_high:", "usulan-nilai"),
]
if role in ("admin", "coordinator", "verifier"):
    work.append(page("audit.py", "page.audit", ":material/history:", "audit"))
if role == "admin":
    work.append(page("pengguna.py", "page.users", ":material/group:", "pengguna"))
pages[t("nav.analytics")] = [
    page("nasional.py", "page.national", ":material/public:", "nasional"),
    page("provinsi.py", "page.province", ":material/map:", "provinsi"),
    page("pembanding.py", "page.peers", ":material/compare_arrows:", "pembanding"),
]
pages[t("nav.submission")] = work
pages[t("nav.registries")] = registries
st.navigation(pages, expanded=True).run()
