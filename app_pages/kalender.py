"""Kalender KLA: the stage windows per evaluation year (placeholder, being built)."""

from kla.web import widgets

widgets.header("calendar")
