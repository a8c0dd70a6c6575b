"""KLA dashboard: the child-friendly city (Kabupaten/Kota Layak Anak) evaluation toolkit."""

__version__ = "0.1.0"
