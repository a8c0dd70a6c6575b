"""Every refusal a user can read comes from the catalogue, in Indonesian and English.

The service layer (and the pure planner/scoring functions whose errors reach a page) raise
``kla.i18n.Msg`` messages: a catalogue key with its parameters, rendered in the reader's
language by ``widgets.refused``. These tests make the next plain-English ``raise`` fail."""

import ast
import re
from pathlib import Path

import pytest

from kla.i18n import LANGS, Msg, Refusal, catalogue, describe
from kla.services.permissions import SYSTEM, Actor, PermissionDenied, Target, require

ROOT = Path(__file__).resolve().parents[2]
CHECKED = [*sorted((ROOT / "kla" / "services").glob("*.py")),
           ROOT / "kla" / "domain" / "scoring.py", ROOT / "kla" / "domain" / "planner.py",
           ROOT / "kla" / "domain" / "whatif.py"]
# Exceptions that never reach a reader as text: programming errors (KeyError of an unknown
# action, RuntimeError of the solver, AttributeError of a module), structured ones the page
# renders from their fields (Conflict, _LostRace, GateError's items), and FrameworkError: the
# framework files are read by the admin's command line (`kla init`), in English.
NOT_SHOWN = {"KeyError", "RuntimeError", "AttributeError", "FrameworkError", "Conflict",
             "_LostRace", "GateError", "InputError", "RegistryError"}
MSG_KEY = re.compile(r"""\bMsg\(\s*["']([a-z_]+\.[A-Za-z0-9_.]+)["']""")


def _plain_text(node: ast.expr) -> bool:
    """A literal string, an f-string, or "\\n".join(...) built from them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return True
    if isinstance(node, ast.JoinedStr):
        return True
    return isinstance(node, ast.BinOp) and (_plain_text(node.left) or _plain_text(node.right))


def test_no_service_raises_plain_text():
    found = []
    for path in CHECKED:
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not (isinstance(node, ast.Raise) and isinstance(node.exc, ast.Call)):
                continue
            func = node.exc.func
            name = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            if name in NOT_SHOWN or not node.exc.args:
                continue
            if _plain_text(node.exc.args[0]):
                found.append(f"{path.relative_to(ROOT)}:{node.lineno} raise {name}(<text>)")
    assert not found, "messages must be Msg(catalogue key): " + "; ".join(found)


def test_every_literal_message_key_exists_in_both_languages():
    files = [*ROOT.joinpath("kla").rglob("*.py"), *ROOT.joinpath("app_pages").glob("*.py")]
    keys = {k for p in files for k in MSG_KEY.findall(p.read_text(encoding="utf-8"))}
    assert len(keys) > 50
    for lang in LANGS:
        missing = keys - set(catalogue(lang))
        assert not missing, (lang, sorted(missing))


def test_dynamic_message_keys_exist():
    """Keys built from tuples: the action names and the statuses."""
    from kla.domain.workflow import STATUSES
    from kla.services.permissions import ACTIONS

    for lang in LANGS:
        cat = catalogue(lang)
        assert {f"err.action.{a}" for a in ACTIONS} <= set(cat)
        assert {f"status.{s}" for s in STATUSES} <= set(cat)


def test_a_message_is_english_text_and_renders_per_language():
    m = Msg("err.note_too_long", qid="1.P1", n=2000)
    assert m == "question 1.P1, field note: at most 2000 characters"  # logs and the CLI
    assert m.render("id") == "Pertanyaan 1.P1, kolom Catatan: paling banyak 2000 karakter."
    nested = Msg("err.locked_for_city", status=Msg("status.submitted"))
    assert "diajukan" in nested.render("id") and "submitted" in nested
    assert describe(Refusal(m, Msg("err.scenario_name")), "id").splitlines() == [
        m.render("id"), "Nama: skenario memerlukan nama."]


OPD = Actor("dinkes", "opd", "36.73", ("Dinas Kesehatan",))
VIEWER = Actor("pengamat", "viewer", None)


@pytest.mark.parametrize(("actor", "action", "target"), [
    (VIEWER, "planning.write", "36.73"),
    (OPD, "answer.edit", Target("36.73", "EM", "submitted", ("Dinas Kesehatan",))),
    (OPD, "answer.edit", Target("36.73", "VA", "in_review", ("Dinas Kesehatan",))),
    (OPD, "answer.edit", Target("36.73", "EM", "draft", ("Dinas Sosial",))),
    (OPD, "answer.edit", Target("18.72", "EM", "draft", ("Dinas Kesehatan",))),
])
def test_permission_refusals_read_in_indonesian(actor, action, target):
    with pytest.raises(PermissionDenied) as exc:
        require(actor, action, target)
    text = describe(exc.value, "id")
    assert text.startswith("Tidak diizinkan:")
    for english in ("cannot", "locked", "assigned", "belongs", "scope", "role ", "stage "):
        assert english not in text, text
    assert describe(exc.value, "en") == str(exc.value)


def test_system_actor_is_never_refused_for_lack_of_scope():
    require(SYSTEM, "results.import")
