"""Streamlit glue: session (sign-in, actor, language), versioned caches, widgets, charts."""
