"""Kotak masuk: what needs the signed-in user's attention (placeholder, being built)."""

from kla.web import widgets

widgets.header("inbox")
