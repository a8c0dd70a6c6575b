"""Isian: each agency (OPD) answers its questions and uploads evidence."""

import zlib

import pandas as pd
import streamlit as st

from kla.domain.completeness import required_evidence
from kla.domain.framework import get_framework
from kla.i18n import fmt_bytes, fmt_short
from kla.services import answers as ans
from kla.services import evidence_meta
from kla.services.answers import EvidenceError
from kla.services.permissions import SYSTEM, PermissionDenied
from kla.settings import get_settings
from kla.web import cache, session, tables, validity_view, widgets
from kla.web.widgets import plain

GRADES = (0.0, 0.25, 0.5, 0.75, 1.0)
t, lang = session.t, session.lang()
who = session.actor()
widgets.header("entry")

info = widgets.pick_assessment("entry", prefer_stage="EM")  # a city account: its editable stage
fw = get_framework(info.framework)
version = cache.region_version(info.region_kode)
lock = widgets.edit_lock(info)  # why this user cannot change the assessment now (None: may)
widgets.status_banner(info, lock)

states = cache.answer_states(info.id, version)
agencies = cache.agencies_of(info.region_kode, info.framework, version)
files = cache.evidence_of(info.id, version)
metas = cache.evidence_meta_of(info.id, version)  # evidence id → details and validity flags
reviews = cache.reviews_of(info.region_kode, info.year, version)
counts = cache.evidence_counts(files)
items = {i.question_id: i for i in cache.checklist_of(info, version)}


def writer(name: str | None) -> str:
    """Who saved or uploaded something, as the reader reads it: the system account (the sample
    data of `kla demo`, the command line) in words of the reader's language, a user by name."""
    if name == SYSTEM.username:
        return t("entry.by_sample" if info.is_sample else "entry.by_system")
    return plain(name)


f1, f2, f3 = st.columns([1, 1, 1.1])
ALL = "__all__"
block = f1.selectbox(t("common.filter_block"), [ALL, *fw.blocks], key=session.lang_key("entry_block"),
                     format_func=lambda c: t("common.all_blocks") if c == ALL
                     else fw.blocks[c].name(lang))
# OPD: an agency's questions; an agency account opens on its own, Matriks OPD's link on the
# agency it names (?opd=<agency>, kept in the URL while it is the one chosen)
MINE, OPD_KEY, OPD_SEEN = "__mine__", session.lang_key("entry_opd"), "entry_opd_url"
owned = sorted({a for q in items for a in agencies.get(q, [])})
opd_options = [MINE] * (who.role == "opd") + [ALL, *owned]
wanted = st.query_params.get("opd")
if wanted in owned and (OPD_KEY not in st.session_state
                        or st.session_state.get(OPD_SEEN) != wanted):
    st.session_state[OPD_KEY] = wanted
if st.session_state.get(OPD_KEY) not in opd_options:
    st.session_state[OPD_KEY] = opd_options[0]
opd = f2.selectbox(t("entry.opd_filter"), opd_options, key=OPD_KEY,
                   format_func=lambda a: t("entry.opd_mine", agencies=", ".join(who.agencies))
                   if a == MINE else t("entry.opd_all") if a == ALL else a)
st.session_state[OPD_SEEN] = opd if opd in owned else None
if st.session_state[OPD_SEEN] != wanted:
    if st.session_state[OPD_SEEN]:
        st.query_params["opd"] = opd
    else:
        st.query_params.pop("opd", None)
ours = set(who.agencies) if opd == MINE else {opd}
open_only = f3.toggle(t("entry.only_open"), value=False, key="entry_open",
                      help=t("entry.only_open_help"))
qids = [q for q in items
        if (block == ALL or fw.questions[q].block == block)
        and (opd == ALL or ours & set(agencies.get(q, [])))
        and (not open_only or not items[q].complete or q in reviews)]

STATUS = {None: "✓ " + t("entry.ok"), "unanswered": "○ " + t("entry.unanswered"),
          "no_evidence": "! " + t("entry.no_evidence")}


def entry_table() -> pd.DataFrame:
    return pd.DataFrame({
        t("col.question_id"): qids,
        t("col.opd"): ["; ".join(agencies.get(q, [])) for q in qids],
        t("col.credit"): [states[q].credit if q in states else None for q in qids],
        t("entry.evidence"): [counts.get(q, 0) for q in qids],
        t("common.state"): [STATUS[items[q].problem] for q in qids],
        t("entry.verifier"): [": ".join(filter(None, (t("decision." + reviews[q]["decision"]),
                                                      reviews[q]["reason"])))
                              if q in reviews else "" for q in qids],
    })


st.caption(t("entry.count", n=len(qids), done=sum(items[q].complete for q in qids)))
# numbers in the reader's language (not the browser's), an unanswered credit as "–"; made
# from the rows the reader may see (read key, the agencies of "mine"), the data version, the
# language and the filters: the same key is the same table, replayed and not built again
tables.table(entry_table, lang, short=[t("col.credit")], key="entry_table", height=260,
             content_key=("entry", cache.reader(), tuple(sorted(who.agencies)), info.id,
                          version, lang, block, opd, open_only))
if not qids:
    st.stop()

# The labels carry each question's state (the table's marks), which a save, an attached or a
# deleted file changes. A keyed selectbox keeps showing the label it was chosen with (the
# browser holds the label, not the option) even when the options' labels change, so the key
# carries a fingerprint of the labels: new marks draw a new widget with the new labels, and
# the question in hand, remembered apart, stays chosen.
labels = {q: f"{STATUS[items[q].problem][:1]} {q} · {fw.questions[q].text[:90]}" for q in qids}
marks = zlib.crc32("\n".join(labels.values()).encode())
LAST, KEY = f"entry_q_last_{info.id}", f"entry_q_key_{info.id}"
# the value of the picker of the previous run (its key may have changed since: another writer's
# save changes a mark) is this run's choice — a click is never lost to a colleague's save
previous = st.session_state.get(KEY)
clicked = st.session_state.get(previous) if previous else None
chosen = clicked if clicked in qids else st.session_state.get(LAST)
st.session_state[KEY] = f"entry_q_{info.id}_{marks:08x}"
qid = st.selectbox(t("col.question"), qids, key=st.session_state[KEY],
                   index=qids.index(chosen) if chosen in qids else 0, format_func=labels.get)
st.session_state[LAST] = qid
q = fw.questions[qid]
state = states.get(qid)
st.markdown(f"**{qid}** — {q.text}")
st.caption(t("entry.meta", max=fmt_short(q.max, lang), agencies="; ".join(agencies.get(qid, [])),
             needs=", ".join(required_evidence(q)) or "–"))
if qid in reviews:
    r = reviews[qid]
    st.warning(t("entry.review", stage=r["stage"], decision=t(f"decision.{r['decision']}"),
                 reason=plain(r["reason"]), reviewer=writer(r["reviewer"]),
                 at=widgets.when(r["at"])),
               icon=":material/rate_review:")
if state:
    st.caption(t("entry.last_saved", by=writer(state.updated_by),
                 at=widgets.when(state.updated_at), version=state.version))
# the question's own lock (an agency's question assigned elsewhere) besides the stage's
q_lock = lock or widgets.edit_lock(info, agencies.get(qid, []))
if q_lock and not lock:
    st.info(q_lock, icon=":material/lock:")

engine = session.engine()


def conflict_key_of(assessment_id: int, question_id: str) -> str:
    """Where a save's version conflict waits for the next run to show it."""
    return f"entry_conflict_{assessment_id}_{question_id}"


conflict_key = conflict_key_of(info.id, qid)
REFUSED = "entry_save_refused"  # the refusal of the save just tried (shown by the next run)


def save_answer(assessment_id: int, question_id: str, expected: int | None) -> None:
    """"Simpan jawaban", as the form's callback: the answer is written before the script run
    that follows, so that one run shows it (not a run up to the form, the write and a whole
    second run). The signed-in user is read again here, as at the start of every run."""
    credit = st.session_state.get(f"entry_credit_{assessment_id}_{question_id}")
    note = st.session_state.get(f"entry_note_{assessment_id}_{question_id}") or ""
    actor = session.current_actor()
    if actor is None:  # signed out meanwhile: nothing is written, the run shows the sign-in
        return
    try:
        v = ans.save_answer(session.engine(), actor, assessment_id, question_id,
                            float(credit), note, expected)
        widgets.flash(t("entry.saved", qid=question_id, version=v))
    except ans.Conflict as exc:
        st.session_state[conflict_key_of(assessment_id, question_id)] = exc
    except (PermissionDenied, ValueError) as exc:
        st.session_state[REFUSED] = exc


def answer_form() -> None:
    with st.form(f"entry_form_{info.id}_{qid}"):
        current = state.credit if state else 0.0
        st.segmented_control(t("col.credit"), sorted({*GRADES, current}), default=current,
                             required=True, key=f"entry_credit_{info.id}_{qid}",
                             format_func=lambda c: fmt_short(c, lang))
        st.text_area(t("entry.note"), value=state.note if state else "", max_chars=2000,
                     key=f"entry_note_{info.id}_{qid}")
        st.form_submit_button(t("entry.save"), icon=":material/save:", type="primary",
                              on_click=save_answer,
                              args=(info.id, qid, state.version if state else None))


if q_lock:  # read only: the answer as stored, no write controls
    st.markdown(f"{t('col.credit')}: **{fmt_short(state.credit, lang) if state else '–'}**  \n"
                f"{t('entry.note')}: {plain(state.note) if state and state.note else '–'}")
else:
    answer_form()
if REFUSED in st.session_state:  # also when the refusal was a lock that now hides the form
    widgets.refused(st.session_state.pop(REFUSED))
if conflict_key in st.session_state:
    c = st.session_state[conflict_key]
    st.error(t("entry.conflict", by=writer(c.by), at=widgets.when(c.at),
               credit=fmt_short(c.credit or 0, lang), note=plain(c.note) if c.note else "–"),
             icon=":material/sync_problem:")
    if st.button(t("entry.reload"), key="entry_reload", icon=":material/refresh:"):
        del st.session_state[conflict_key]
        st.rerun()

st.markdown(f"**{t('entry.files')}**")
mine_files = [f for f in files if f["question_id"] == qid]
if not mine_files:
    st.caption(t("entry.no_files"))
DELETING = "entry_delete_pending"  # the file whose deletion waits for a confirmation
for f in mine_files:
    c1, c2, c3 = st.columns([4, 1, 1], vertical_alignment="center")
    c1.markdown(f":material/description: {plain(f['name'])} · {fmt_bytes(f['size'], lang)} · "
                f"{writer(f['uploaded_by'])} · {widgets.when(f['uploaded_at'])} · "
                f"`{f['sha256'][:12]}`")
    if f["missing"]:  # the row is there, its bytes are not (e.g. restored without them)
        st.warning(t("err.evidence_missing", name=plain(f["name"])), icon=":material/report:")
    else:
        # served by our /evidence route to this signed-in browser only, never through /media
        url = session.evidence_url(f["id"], download=True)
        c2.link_button(t("entry.download"), url or "#", disabled=url is None,
                       key=f"entry_dl_{f['id']}", icon=":material/download:")
    m = metas.get(f["id"])
    if m is not None:
        st.caption(validity_view.meta_text(m["meta"], lang))
        validity_view.show_flags(m["flags"], lang)
    if q_lock:
        continue
    with st.expander(t("entry.meta_edit", name=plain(f["name"])), icon=":material/edit_note:"):
        st.caption(t("entry.meta_caption"))
        with st.form(f"entry_meta_form_{f['id']}"):
            values = validity_view.meta_inputs(f"entry_meta_{f['id']}", info.year, lang,
                                               m["meta"] if m else None)
            if st.form_submit_button(t("entry.meta_save"), icon=":material/save:"):
                try:
                    evidence_meta.set_metadata(engine, who, f["id"], **values)
                    widgets.flash(t("entry.meta_saved", name=plain(f["name"])))
                    st.rerun()
                except (PermissionDenied, ValueError) as exc:
                    widgets.refused(exc)
    if st.session_state.get(DELETING) != f["id"]:
        if c3.button(t("entry.delete"), key=f"entry_del_{f['id']}", icon=":material/delete:"):
            st.session_state[DELETING] = f["id"]
            st.rerun()
        continue
    with st.container(border=True):
        st.warning(t("entry.delete_confirm", name=plain(f["name"])), icon=":material/delete:")
        yes, no = st.columns(2)
        if yes.button(t("entry.delete_yes"), key=f"entry_del_yes_{f['id']}", type="primary",
                      icon=":material/delete_forever:"):
            st.session_state.pop(DELETING, None)
            try:
                ans.delete_evidence(engine, who, f["id"])
                widgets.flash(t("entry.deleted", name=plain(f["name"])))
                st.rerun()
            except (PermissionDenied, ValueError) as exc:
                widgets.refused(exc)
        if no.button(t("entry.delete_no"), key=f"entry_del_no_{f['id']}"):
            st.session_state.pop(DELETING, None)
            st.rerun()
if q_lock:
    st.stop()

limit = get_settings().max_upload_mb
# a new key after every attach: the uploader comes back empty, so a second click on
# "Lampirkan" cannot attach the same file again
upload_round = st.session_state.setdefault("entry_upload_round", 0)
upload = st.file_uploader(t("entry.upload", mb=limit), type=["pdf", "jpg", "jpeg", "png", "xlsx",
                                                              "docx"],
                          key=f"entry_upload_{info.id}_{qid}_{upload_round}",
                          max_upload_size=limit)
new_meta = None
if upload is not None:  # the document details are saved with the file
    with st.expander(t("entry.meta_title"), expanded=True, icon=":material/edit_note:"):
        st.caption(t("entry.meta_caption"))
        new_meta = validity_view.meta_inputs(f"entry_newmeta_{info.id}_{qid}_{upload_round}",
                                             info.year, lang)
if upload is not None and st.button(t("common.attach"), key="entry_attach",
                                    icon=":material/attach_file:"):
    try:
        res = ans.add_evidence(engine, who, info.id, qid, upload.name, upload.getvalue(),
                               meta=new_meta)
        st.session_state["entry_upload_round"] = upload_round + 1
        if res["duplicate"]:
            widgets.flash(t("entry.duplicate", name=plain(res["name"])), icon=":material/info:")
        else:
            widgets.flash(t("common.attached", name=plain(res["name"])))
        st.rerun()
    except (EvidenceError, ValueError, PermissionDenied) as exc:
        widgets.refused(exc)
st.page_link("app_pages/unggah_bukti.py", label=t("page.bulk"), icon=":material/drive_folder_upload:")
