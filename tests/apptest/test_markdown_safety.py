"""A user's strings are shown as text, never as markdown: a file named like a markdown image
would make every viewer's browser fetch its address (issue 14)."""

from kla.services import answers as ans
from tests.apptest.test_entry_dead_ends import PDF, db, dinkes_question, open_entry  # noqa: F401

BEACON = "![x](https:127.0.0.1:8999?beacon=1) **bold** [link](http:evil).pdf"  # as in issue 14


def _markdown(at) -> str:
    return "\n".join(m.value for m in [*at.markdown, *at.caption, *at.warning, *at.info])


def test_file_name_and_note_are_not_markdown(app_factory, db):  # noqa: F811
    url, engine, em = db
    from kla.services.permissions import SYSTEM

    qid = dinkes_question(engine, em)
    state = ans.answer_states(engine, SYSTEM, em)[qid]
    ans.save_answer(engine, SYSTEM, em, qid, state.credit, "lihat ![y](http://evil/n.png)",
                    state.version)
    ans.add_evidence(engine, SYSTEM, em, qid, BEACON, PDF)
    for user in ("dinkes.serang",):
        at = open_entry(app_factory, url, user, qid)
        shown = _markdown(at)
        assert "](http" not in shown  # every link and image escaped
        assert "\\!\\[x\\]\\(https" in shown
        assert "**bold**" not in shown

