"""Small evidence files that pass the content check (kla/store/evidence.check_upload parses
what it accepts, so a few bytes that only start with ``%PDF`` are no longer evidence)."""

from __future__ import annotations

import io
from datetime import UTC, datetime
from functools import lru_cache


@lru_cache(maxsize=256)
def pdf_bytes(tag: str = "") -> bytes:
    """A one-page PDF a viewer opens; the same ``tag`` gives the same bytes (sha256), another
    tag another file."""
    from fpdf import FPDF

    pdf = FPDF()
    pdf.set_creation_date(datetime(2024, 1, 1, tzinfo=UTC))
    pdf.set_font("helvetica", size=12)
    pdf.add_page()
    pdf.cell(0, 10, f"Bukti dukung KLA {tag}".strip())
    return bytes(pdf.output())


@lru_cache(maxsize=64)
def png_bytes(tag: str = "", size: tuple[int, int] = (24, 16)) -> bytes:
    """A small PNG that decodes; another tag, another colour (another sha256)."""
    from PIL import Image

    shade = sum(tag.encode()) % 256
    buf = io.BytesIO()
    Image.new("RGB", size, (shade, 120, 200)).save(buf, format="PNG")
    return buf.getvalue()


@lru_cache(maxsize=1)
def xlsx_bytes() -> bytes:
    """A small workbook openpyxl wrote (a table of data, as evidence)."""
    from openpyxl import Workbook

    wb = Workbook()
    wb.active.append(["Tahun", "Jumlah anak"])
    wb.active.append([2023, 1200])
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()
