"""Streamlit glue shared by the four registry pages: picker, table, add form, Excel import."""

from __future__ import annotations

from datetime import date
from functools import partial

import pandas as pd
import streamlit as st

from kla.domain.registries import DEFAULTS, FIELDS, RegistryError
from kla.services import registries as reg
from kla.services.permissions import PermissionDenied
from kla.web import session, widgets


def city(prefix: str) -> tuple[str, object]:
    """Kab/kota picker; returns (kode, Area with its kecamatan and desa)."""
    kode = widgets.pick_region(prefix)
    return kode, reg.area(session.engine(), kode)


def rows_of(kode: str, kind: str) -> list[dict]:
    rows = reg.entries(session.engine(), session.actor(), kode, kind)
    if any(r["is_sample"] for r in rows):
        widgets.sample_badge()
    return rows


def _label(kind: str, field: str) -> str:
    return session.t(f"reg.f.{field}")


def table(kind: str, rows: list[dict], area) -> None:
    """The registry as a table (names beside codes), with a delete control."""
    t = session.t
    if not rows:
        st.info(t("reg.empty"), icon=":material/inbox:")
        return
    frame = pd.DataFrame([{k: v for k, v in r.items() if k != "is_sample"} for r in rows])
    for col in ("kecamatan_kode", "desa_kode", "area_kode"):
        if col in frame:
            frame[col] = [f"{c} {area.kecamatan.get(c) or area.desa.get(c) or ''}".strip()
                          if c else "" for c in frame[col]]
    for field, ftype, _ in FIELDS[kind]:
        if ftype == "choice" and field in frame:
            frame[field] = [t(f"reg.o.{v}") for v in frame[field]]
    frame = frame.rename(columns={c: _label(kind, c) for c in frame.columns if c != "id"})
    widgets.table(frame, key=f"reg_table_{kind}")
    who = session.actor()
    if session.can("registry.edit", area.kode):
        c1, c2 = st.columns([1, 3], vertical_alignment="bottom")
        entry = c1.selectbox(t("reg.delete_pick"), [r["id"] for r in rows],
                             key=f"reg_del_pick_{kind}")
        if c2.button(t("reg.delete"), key=f"reg_del_{kind}", icon=":material/delete:"):
            try:
                reg.delete_entry(session.engine(), who, int(entry))
                widgets.flash(t("reg.deleted", id=entry))
                st.rerun()
            except (PermissionDenied, ValueError) as exc:
                widgets.refused(exc)


def _input(kind: str, field: str, ftype: str, options: tuple, area, value=None,
           prefix: str = "reg_add", kecamatan: str | None = None) -> object:
    """One form input; ``value`` pre-fills it (editing an entry). ``kecamatan``: the chosen
    kecamatan, which limits a desa input to its own desa/kelurahan."""
    key = f"{prefix}_{kind}_{field}"
    label = _label(kind, field)
    if ftype in ("choice", "kecamatan", "desa", "area"):
        if ftype == "choice":
            opts, fmt = list(options), (lambda o: session.t(f"reg.o.{o}"))
        else:
            pool = {"kecamatan": area.kecamatan, "desa": area.desa,
                    "area": {**area.kecamatan, **area.desa}}[ftype]
            if ftype == "desa" and kecamatan is not None:
                pool = {d: n for d, n in pool.items() if area.kecamatan_of(d) == kecamatan}
                key = f"{key}_{kecamatan}"  # other options: a widget of its own
            opts = ([""] if ftype == "desa" else []) + sorted(pool)
            fmt = (lambda c: f"{c} {pool.get(c, '')}" if c else "–")
        default = value if value is not None else DEFAULTS.get(field)
        if ftype == "choice":  # translated labels: one widget per language
            key = session.lang_key(key, carry=False)
        return st.selectbox(label, opts, key=key, format_func=fmt,
                            index=opts.index(default) if default in opts else 0)
    if ftype == "date":
        return st.date_input(label, value=value, key=key, format="DD/MM/YYYY",
                             min_value=date(2000, 1, 1))
    if ftype == "int":
        return st.number_input(label, min_value=0, step=1, key=key, value=int(value or 0))
    if ftype == "bool":
        return st.checkbox(label, key=key, value=bool(value))
    return st.text_input(label, key=key, value=value or "")


def _kecamatan_inputs(kind: str, area, current: dict | None, prefix: str) -> dict:
    """The kecamatan inputs of a form, drawn before (outside) its ``st.form``: a form sends
    its inputs only on submit, so a choice inside it could not narrow the desa list."""
    return {field: _input(kind, field, ftype, options, area,
                          (current or {}).get(field), prefix=prefix)
            for field, ftype, options in FIELDS[kind] if ftype == "kecamatan"}


def _form_inputs(kind: str, area, chosen: dict, current: dict | None, prefix: str) -> dict:
    """The other inputs, inside the form, two columns; desa limited to the chosen kecamatan."""
    kecamatan = next(iter(chosen.values()), None)
    fields = [f for f in FIELDS[kind] if f[1] != "kecamatan"]
    cols = st.columns(2)
    values = dict(chosen)
    for i, (field, ftype, options) in enumerate(fields):
        with cols[i % 2]:
            values[field] = _input(kind, field, ftype, options, area,
                                   (current or {}).get(field), prefix=prefix,
                                   kecamatan=kecamatan)
    return {field: values[field] for field, _, _ in FIELDS[kind]}


def edit_forms(kind: str, rows: list[dict], area) -> None:
    """Edit an entry, or attach evidence to it (photo, SK, certificate)."""
    t = session.t
    who = session.actor()
    if not rows or not session.can("registry.edit", area.kode):
        return
    with st.expander(t("reg.edit"), icon=":material/edit:"):
        entry_id = st.selectbox(t("reg.delete_pick"), [r["id"] for r in rows],
                                key=f"reg_edit_pick_{kind}")
        current = next(r for r in rows if r["id"] == entry_id)
        chosen = _kecamatan_inputs(kind, area, current, f"reg_edit_{entry_id}")
        with st.form(f"reg_edit_{kind}_{entry_id}"):
            values = _form_inputs(kind, area, chosen, current, f"reg_edit_{entry_id}")
            if st.form_submit_button(t("reg.save"), icon=":material/save:"):
                try:
                    reg.update_entry(session.engine(), who, int(entry_id), values)
                    widgets.flash(t("reg.saved"))
                    st.rerun()
                except RegistryError as exc:
                    widgets.refused(exc)
                except (PermissionDenied, ValueError) as exc:
                    widgets.refused(exc)
        upload = st.file_uploader(t("reg.attach"), type=["pdf", "jpg", "jpeg", "png"],
                                  key=f"reg_file_{kind}_{entry_id}")
        if upload is not None and st.button(t("common.attach"), key=f"reg_attach_{kind}",
                                            icon=":material/attach_file:"):
            try:
                res = reg.attach_file(session.engine(), who, int(entry_id), upload.name,
                                      upload.getvalue())
                widgets.flash(t("common.attached", name=widgets.plain(res["name"])))
                st.rerun()
            except (ValueError, PermissionDenied) as exc:
                widgets.refused(exc)


def add_form(kind: str, kode: str, area, rows: list[dict] | None = None) -> None:
    t = session.t
    who = session.actor()
    if not session.can("registry.edit", kode):
        return
    edit_forms(kind, rows or [], area)
    with st.expander(t("reg.add"), icon=":material/add:"):
        chosen = _kecamatan_inputs(kind, area, None, "reg_add")
        with st.form(f"reg_add_{kind}", clear_on_submit=False):
            values = _form_inputs(kind, area, chosen, None, "reg_add")
            if st.form_submit_button(t("reg.save"), icon=":material/save:", type="primary"):
                try:
                    reg.add_entries(session.engine(), who, kode, kind, [values], form=True)
                    widgets.flash(t("reg.saved"))
                    st.rerun()
                except RegistryError as exc:
                    widgets.refused(exc)
                except PermissionDenied as exc:
                    widgets.refused(exc)
    with st.expander(t("reg.import"), icon=":material/upload_file:"):
        st.caption(t("reg.import_caption"))
        st.download_button(t("reg.template"), partial(reg.template_xlsx, kind),  # on click
                           file_name=f"registri-{kind}.xlsx", key=f"reg_tpl_{kind}",
                           mime="application/vnd.openxmlformats-officedocument."
                                "spreadsheetml.sheet", icon=":material/download:",
                                on_click="ignore")  # a download changes nothing: no rerun
        upload = st.file_uploader(t("reg.import_file"), type=["xlsx"], key=f"reg_up_{kind}")
        if upload is not None and st.button(t("reg.import_run"), key=f"reg_import_{kind}",
                                            icon=":material/upload:"):
            try:
                n = reg.import_xlsx(session.engine(), who, kode, kind, upload.getvalue(),
                                    source=upload.name)
                widgets.flash(t("reg.imported", n=n))
                st.rerun()
            except RegistryError as exc:
                widgets.problems(exc, key=f"reg_err_{kind}")
            except PermissionDenied as exc:
                widgets.refused(exc)
