"""The audit log in words: an action's label and a change as "label: old → new", in the
reader's language. Pure (no Streamlit): the page and its downloads use the same text."""

from __future__ import annotations

from datetime import date, datetime

from kla.i18n import catalogue, fmt_short, fmt_time, t

REGISTRY_PAGE = {"play_area": "page.play", "kha_training": "page.kha",
                 "village_body": "page.bodies", "ppa_case": "page.ppa"}
MAX_VALUE = 300  # a long note or registry row is cut in the table; the export keeps the rest


def _known(key: str) -> bool:
    return key in catalogue("id")


def action_label(action: str, lang: str) -> str:
    """``answer.save`` → "Jawaban disimpan"; ``registry.play_area.add`` → "Ruang bermain:
    entri ditambah"; an action without a label is shown as it is."""
    parts = action.split(".")
    if parts[0] == "registry" and len(parts) == 3 and parts[1] in REGISTRY_PAGE:
        return t(f"audit.action.registry.{parts[2]}", lang,
                 kind=t(REGISTRY_PAGE[parts[1]], lang))
    return t(f"audit.action.{action}", lang) if _known(f"audit.action.{action}") else action


def _value(key: str, value: object, lang: str) -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return t("audit.yes" if value else "audit.no", lang)
    if isinstance(value, float):
        return fmt_short(value, lang)
    if isinstance(value, str) and key == "status" and _known(f"status.{value}"):
        return t(f"status.{value}", lang)
    if isinstance(value, str) and key == "role" and _known(f"role.{value}"):
        return t(f"role.{value}", lang)
    if isinstance(value, str) and key == "deadline":
        try:
            return fmt_time(datetime.fromisoformat(value), lang)
        except ValueError:
            return value
    if isinstance(value, dict):
        text = ", ".join(f"{k}: {_value(k, v, lang)}" for k, v in value.items()
                         if not str(k).startswith("file_"))
    elif isinstance(value, list | tuple):
        text = ", ".join(_value(key, v, lang) for v in value)
    elif isinstance(value, datetime | date):
        text = value.isoformat()
    else:
        text = str(value)
    return text if len(text) <= MAX_VALUE else text[:MAX_VALUE - 1] + "…"


def change_text(detail: dict | None, lang: str) -> str:
    """``{"credit": [0.5, 1.0], "status": ["submitted", "revision"]}`` →
    "Kredit: 0,5 → 1; Status: diajukan … → revisi …"."""
    parts = []
    for key, value in (detail or {}).items():
        label = t(f"audit.key.{key}", lang) if _known(f"audit.key.{key}") else key
        pair = isinstance(value, list | tuple) and len(value) == 2
        if pair and (key != "agencies" or all(isinstance(v, list | tuple) for v in value)):
            shown = f"{_value(key, value[0], lang)} → {_value(key, value[1], lang)}"
        else:
            shown = _value(key, value, lang)
        parts.append(f"{label}: {shown}")
    return "; ".join(parts)
