"""Kotak masuk: what needs the signed-in user's attention (overdue actions, the revision window,
rejected answers, stages to review, actions due within 7 days, new tasks), each with a link to
the page that resolves it; and the user's own daily e-mail digest. The service reads only the
user's scope (``kla.services.inbox``)."""

from zoneinfo import ZoneInfo

import streamlit as st

from kla.domain import inbox as dom
from kla.services import inbox
from kla.services.permissions import PermissionDenied
from kla.settings import get_settings
from kla.web import cache, session, widgets

t = session.t
widgets.header("inbox")
who = session.actor()
engine = session.engine()
lang = session.lang()
settings = get_settings()
tz = ZoneInfo(settings.timezone)
box = inbox.items_for(engine, who)

ICONS = {"overdue": ":material/alarm:", "revision": ":material/timer:",
         "rejected": ":material/cancel:", "review": ":material/fact_check:",
         "due_soon": ":material/schedule:", "new": ":material/fiber_new:"}
PAGES = {dom.PLAN_PAGE: ("app_pages/rencana_aksi.py", "inbox.open.plan"),
         dom.ENTRY_PAGE: ("app_pages/isian.py", "inbox.open.entry"),
         dom.REVIEW_PAGE: ("app_pages/verifikasi.py", "inbox.open.verify")}
SHOWN = 15  # items drawn per kind; the table below holds them all


def due_text(item: dom.Item) -> str:
    if item.due is None:
        return ""
    key = "inbox.deadline" if item.kind == "revision" else "inbox.due"
    return t(key, due=dom.when(item.due, lang, tz))


if box.scope in ("national", "viewer"):
    st.info(t(f"inbox.none.{box.scope}"), icon=":material/info:")
else:
    kinds = ["review"] if box.scope == "province" else [k for k in dom.KINDS if k != "review"]
    names = cache.region_names()
    place = f"{names.get(box.region_kode, box.region_kode)} ({box.region_kode})"
    st.caption(t(f"inbox.scope.{box.scope}", region=place,
                 agencies=", ".join(who.agencies) or "–"))
    counts = box.counts
    for col, kind in zip(st.columns(len(kinds)), kinds):
        col.metric(t(f"inbox.kind.{kind}"), counts[kind], border=True)
    if not box.items:
        st.success(t("inbox.empty"), icon=":material/inbox:")
    else:
        row = st.container(horizontal=True, vertical_alignment="center")
        row.caption(t("inbox.new_since", n=box.new, seen=widgets.when(box.seen_at))
                    if box.seen_at else t("inbox.new_never", n=box.new, days=dom.NEW_DAYS))
        if row.button(t("inbox.mark_seen"), key="inbox_seen", icon=":material/done_all:",
                      disabled=box.new == 0):
            try:
                inbox.mark_seen(engine, who, box.read_at)
                widgets.flash(t("inbox.marked"))
                st.rerun()
            except (ValueError, PermissionDenied) as exc:
                widgets.refused(exc)
        for kind in kinds:
            mine = [i for i in box.items if i.kind == kind]
            if not mine:
                continue
            st.subheader(f"{ICONS[kind]} {t(f'inbox.kind.{kind}')} ({len(mine)})")
            for item in mine[:SHOWN]:
                with st.container(border=True):
                    c1, c2 = st.columns([4, 1], vertical_alignment="center")
                    badge = f" :blue-badge[{t('inbox.badge_new')}]" if item.is_new else ""
                    c1.markdown(f"**{widgets.plain(dom.text(item.title, lang))}**{badge}")
                    due = due_text(item)
                    c1.caption(widgets.plain(dom.text(item.detail, lang))
                               + (" · " + widgets.plain(due) if due else ""))
                    path, label = PAGES[item.page]
                    c2.page_link(path, label=t(label), icon=":material/arrow_forward:")
            if len(mine) > SHOWN:
                st.caption(t("inbox.more", n=len(mine) - SHOWN))
        st.subheader(t("inbox.table"))
        rows = [{"kind": t(f"inbox.kind.{i.kind}"), "title": dom.text(i.title, lang),
                 "detail": dom.text(i.detail, lang), "due": dom.when(i.due, lang, tz),
                 "new": t("common.yes") if i.is_new else t("common.no"),
                 "page": t(PAGES[i.page][1])} for i in box.items]
        df = widgets.labelled(rows, {"kind": "inbox.col.kind", "title": "inbox.col.title",
                                     "detail": "inbox.col.detail", "due": "inbox.col.due",
                                     "new": "inbox.col.new", "page": "inbox.col.page"})
        widgets.table(df, key="inbox_table")
        widgets.downloads(df, "kotak-masuk", "inbox_dl", sheet=t("inbox.title"))

st.subheader(t("inbox.digest.title"))
st.caption(t("inbox.digest.caption"))
if not settings.smtp_configured:
    st.caption(f":material/mail_off: {t('inbox.digest.smtp_unset')}")
with st.form("inbox_contact"):
    email = st.text_input(t("common.email"), value=box.email, key="inbox_email",
                          placeholder="nama@dinas.go.id", max_chars=dom.EMAIL_MAX)
    daily = st.toggle(t("inbox.digest.toggle"), value=box.digest_daily, key="inbox_daily")
    if st.form_submit_button(t("inbox.digest.save"), icon=":material/save:"):
        try:
            inbox.set_contact(engine, who, email, daily)
            widgets.flash(t("inbox.digest.saved"))
            st.rerun()
        except (ValueError, PermissionDenied) as exc:
            widgets.refused(exc)
if box.digest_sent_on:
    st.caption(t("inbox.digest.last", day=widgets.when(box.digest_sent_on)))
