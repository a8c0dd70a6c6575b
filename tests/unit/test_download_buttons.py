"""Every download button downloads without rerunning the page (``on_click="ignore"``).

A rerun gives every other download button on the page a new file: a second button clicked
while that rerun was on its way asked for a file the server had already dropped ("Deferred
file … not found" in the server log, no download) — seen in CI on Pembanding, where the
text and the CSV were clicked one after the other. A download changes nothing on the page,
so it needs no rerun (and saves the server one script run per download)."""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _calls():
    for folder in ("app_pages", "kla/web"):
        for path in sorted((ROOT / folder).glob("*.py")):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)
                        and node.func.attr == "download_button"):
                    yield f"{path.relative_to(ROOT)}:{node.lineno}", node


def test_every_download_button_ignores_the_click():
    found = list(_calls())
    assert len(found) >= 10  # the scan sees the app's download buttons
    rerunning = [where for where, call in found
                 if not any(k.arg == "on_click" and isinstance(k.value, ast.Constant)
                            and k.value.value == "ignore" for k in call.keywords)]
    assert not rerunning, f"download buttons that rerun the page: {rerunning}"
