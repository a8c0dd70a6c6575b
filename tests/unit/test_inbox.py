"""The inbox's kinds and their edges (``kla.domain.inbox``): overdue, due within 7 days (exactly
7 included, 8 not), done and cancelled actions never listed, the WIB day edge, the revision
window, rejections fixed or not, new since the last "mark as read", the order; e-mail address
checks and the digest's text."""

from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from kla.domain import inbox as dom
from kla.i18n import describe

WIB = ZoneInfo("Asia/Jakarta")
NOW = datetime(2026, 11, 30, 3, 0, tzinfo=UTC)  # 10:00 WIB, Monday 30 Nov 2026
TODAY = date(2026, 11, 30)


def action(i: int = 1, due: date | None = None, status: str = "rencana",
           created: datetime | None = None, by: str = "admin", opd: str = "Dinkes"):
    return dom.ActionRow(i, "36.73", 2026, f"Kegiatan {i}", opd, due, status,
                         created or NOW - timedelta(days=60), by)


def build(**kw):
    kw.setdefault("now", NOW)
    kw.setdefault("tz", WIB)
    kw.setdefault("seen_at", NOW - timedelta(days=1))
    return dom.build(**kw)


def kinds(items):
    return [(i.kind, i.ref) for i in items]


def test_overdue_is_a_due_date_before_today():
    items = build(actions=[action(1, TODAY - timedelta(days=3)), action(2, TODAY)])
    assert kinds(items) == [("overdue", "action:1"), ("due_soon", "action:2")]
    assert items[0].detail.render("id") == "Terlambat 3 hari · OPD Dinkes"
    assert items[0].detail.render("en") == "3 days overdue · agency Dinkes"
    assert items[1].detail.render("id") == "Jatuh tempo hari ini · OPD Dinkes"
    assert items[0].page == dom.PLAN_PAGE and items[0].due == TODAY - timedelta(days=3)


@pytest.mark.parametrize("days,kind", [(0, "due_soon"), (1, "due_soon"), (7, "due_soon"),
                                       (8, None), (-1, "overdue")])
def test_due_within_seven_days_includes_the_seventh(days, kind):
    items = build(actions=[action(1, TODAY + timedelta(days=days))])
    assert [i.kind for i in items] == ([kind] if kind else [])
    if days == 7:
        assert items[0].detail.render("id") == "Jatuh tempo 7 hari lagi · OPD Dinkes"


@pytest.mark.parametrize("status", ["selesai", "batal"])
def test_done_and_cancelled_actions_are_never_listed(status):
    late = action(1, TODAY - timedelta(days=30), status, created=NOW - timedelta(hours=1))
    soon = action(2, TODAY + timedelta(days=2), status, created=NOW - timedelta(hours=1))
    assert build(actions=[late, soon]) == []


def test_the_wib_day_edge():
    """At 23:30 UTC on 30 Nov it is already 1 Dec 06:30 in WIB: an action due on 30 Nov is
    overdue there, while in UTC it is still due today."""
    late = datetime(2026, 11, 30, 23, 30, tzinfo=UTC)
    due = action(1, date(2026, 11, 30))
    assert dom.local_day(late, WIB) == date(2026, 12, 1)
    assert [i.kind for i in build(now=late, actions=[due])] == ["overdue"]
    assert [i.kind for i in build(now=late, tz=ZoneInfo("UTC"), actions=[due])] == ["due_soon"]
    # 16:59 UTC is 23:59 WIB on the due day: not yet overdue
    before = datetime(2026, 11, 30, 16, 59, tzinfo=UTC)
    assert [i.kind for i in build(now=before, actions=[due])] == ["due_soon"]
    # a naive stored time is UTC
    assert dom.local_day(late.replace(tzinfo=None), WIB) == date(2026, 12, 1)


def test_new_since_last_seen_and_never_seen():
    fresh = action(1, None, created=NOW - timedelta(hours=2))
    old = action(2, None, created=NOW - timedelta(days=3))
    mine = action(3, None, created=NOW - timedelta(hours=1), by="koordinator.serang")
    seen = NOW - timedelta(days=1)
    items = build(seen_at=seen, me="koordinator.serang", actions=[fresh, old, mine])
    assert kinds(items) == [("new", "action:1")] and items[0].is_new
    # never marked read: the last 7 days count
    never = build(seen_at=None, actions=[fresh, old, action(4, None,
                                                              created=NOW - timedelta(days=8))])
    assert kinds(never) == [("new", "action:1"), ("new", "action:2")]
    # marked read after they came: nothing new, and an undated old action is no item at all
    assert build(seen_at=NOW, actions=[fresh, old]) == []


def test_an_overdue_new_action_is_one_item_marked_new():
    items = build(actions=[action(1, TODAY - timedelta(days=1),
                                  created=NOW - timedelta(hours=1))])
    assert kinds(items) == [("overdue", "action:1")] and items[0].is_new
    assert not build(seen_at=NOW, actions=[action(1, TODAY - timedelta(days=1),
                                                  created=NOW - timedelta(hours=1))])[0].is_new


def test_revision_window_hours_left_and_closed():
    open_ = dom.RevisionRow("36.73", 2026, NOW + timedelta(hours=47, minutes=30),
                            since=NOW - timedelta(minutes=30))
    items = build(revisions=[open_])
    assert [i.kind for i in items] == ["revision"]
    assert items[0].hours_left == 47.5 and items[0].is_new
    assert items[0].detail.render("id").startswith("Sisa 47 jam 30 menit")
    assert items[0].title.render("en") == "Self-assessment 2026 sent back for revision"
    closed = dom.RevisionRow("36.73", 2026, NOW - timedelta(minutes=1))
    assert build(revisions=[closed]) == []


def rejection(at: datetime, fixed: datetime | None = None, qid: str = "12.P1"):
    return dom.RejectionRow("36.73", 2026, "VA", qid, "Ada SK imunisasi", "SK tidak ada",
                            "verifikator.banten", at, fixed,
                            NOW + timedelta(hours=20))


def test_a_rejection_stays_until_the_city_changes_its_answer():
    at = NOW - timedelta(hours=3)
    items = build(rejections=[rejection(at, fixed=at - timedelta(days=2))])
    assert kinds(items) == [("rejected", "answer:36.73:2026:VA:12.P1")]
    assert items[0].title == "12.P1 · Ada SK imunisasi" and items[0].page == dom.ENTRY_PAGE
    assert items[0].detail.render("id") == \
        "Ditolak pada tahap VA oleh verifikator.banten: SK tidak ada"
    assert items[0].due == NOW + timedelta(hours=20)
    # corrected after the decision: no longer listed (naive stored times are UTC)
    assert build(rejections=[rejection(at, fixed=(at + timedelta(minutes=5)).replace(
        tzinfo=None))]) == []


def test_order_of_kinds_then_due_date():
    items = build(
        actions=[action(1, TODAY + timedelta(days=5)), action(2, TODAY - timedelta(days=1)),
                 action(3, TODAY - timedelta(days=9)), action(4, None,
                                                              created=NOW - timedelta(hours=1))],
        rejections=[rejection(NOW - timedelta(hours=1))],
        revisions=[dom.RevisionRow("36.73", 2026, NOW + timedelta(hours=5))],
        assignments=[dom.AssignmentRow("36.73", "1.P1", "Perda KLA", ("Dinkes",),
                                       NOW - timedelta(hours=2), "koordinator.serang")])
    assert [i.kind for i in items] == ["overdue", "overdue", "revision", "rejected",
                                       "due_soon", "new", "new"]
    assert [i.ref for i in items[:2]] == ["action:3", "action:2"]  # most overdue first
    assert dom.counts(items) == {"overdue": 2, "revision": 1, "rejected": 1, "review": 0,
                                 "due_soon": 1, "new": 2}


def test_assignments_new_unless_mine_or_seen():
    g = dom.AssignmentRow("36.73", "1.P1", "Perda KLA", ("Dinkes",),
                          NOW - timedelta(hours=2), "koordinator.serang")
    assert [i.kind for i in build(assignments=[g])] == ["new"]
    assert build(assignments=[g], me="koordinator.serang") == []
    assert build(assignments=[g], seen_at=NOW) == []


def test_reviews_for_a_verifier():
    rows = [dom.ReviewRow("36.73", "Kota Serang", 2026, "EM", "submitted",
                          NOW - timedelta(hours=1)),
            dom.ReviewRow("36.71", "Kota Tangerang", 2026, "VA", "in_review",
                          NOW - timedelta(days=3))]
    items = build(reviews=rows)
    assert [(i.kind, i.is_new, i.page) for i in items] == [("review", True, dom.REVIEW_PAGE),
                                                          ("review", False, dom.REVIEW_PAGE)]
    assert dom.text(items[0].title, "id") == "Kota Serang: penilaian mandiri 2026 diajukan"


@pytest.mark.parametrize("role,region,scope", [
    ("coordinator", "36.73", "city"), ("admin", "36.73", "city"), ("opd", "36.73", "agency"),
    ("verifier", "36", "province"), ("admin", "36", "province"), ("admin", None, "national"),
    ("viewer", None, "viewer"), ("viewer", "36.73", "viewer")])
def test_scope_of_each_account(role, region, scope):
    assert dom.scope_of(role, region) == scope


@pytest.mark.parametrize("email", ["nama@dinkes.serangkota.go.id", "a.b+kla@x.co",
                                   "DINKES@Serang.Go.Id", ""])
def test_valid_addresses(email):
    assert dom.email_errors(email) == []


@pytest.mark.parametrize("email", ["bukan-email", "a@b", "a@@b.id", "a b@c.id", "a@b .id",
                                   ".a@b.id", "a..b@c.id", "a@-b.id", "nämä@b.id", "a@b.c",
                                   "nama@dinas.go.id\r\nBcc: x@y.z", "x" * 65 + "@b.id"])
def test_invalid_addresses_name_the_field(email):
    errors = dom.email_errors(email)
    assert len(errors) == 1
    for lang in ("id", "en"):
        assert describe(ValueError(*errors), lang).startswith("Email: ")
    assert "\n" not in errors[0].render("id")


def test_a_too_long_address():
    (err,) = dom.email_errors("a" * 60 + "@" + "b" * 200 + ".id")
    assert err.render("id") == "Email: paling banyak 254 karakter."
    assert dom.clean_email("  nama@dinas.go.id \n") == ("nama@dinas.go.id", [])


def test_digest_subject_and_body():
    items = build(actions=[action(1, TODAY - timedelta(days=2)), action(2, TODAY - timedelta(
        days=1)), action(3, TODAY + timedelta(days=3))],
        rejections=[rejection(NOW - timedelta(hours=1))])
    subject = dom.digest_subject(items, date(2026, 12, 1))
    assert subject == "KLA: 2 terlambat, 1 ditolak, 1 jatuh tempo ≤ 7 hari — ringkasan 1 Des 2026"
    body = dom.digest_body(items, date(2026, 12, 1), "Gugus Tugas KLA Kota Serang", WIB)
    idn, eng = body.split("—" * 24)
    assert idn.startswith("Yth. Gugus Tugas KLA Kota Serang,")
    assert "Terlambat (2)" in idn and "Kegiatan 1" in idn and "tenggat 28 Nov 2026" in idn
    assert "Dear Gugus Tugas KLA Kota Serang," in eng and "Overdue (2)" in eng
    assert "2 days overdue · agency Dinkes — due 28 Nov 2026" in eng
    assert "due 1 Dec 2026 06:00 WIB" in eng  # the rejection: the revision deadline, in WIB
    assert idn.index("Terlambat") < idn.index("Ditolak") < idn.index("Jatuh tempo")
