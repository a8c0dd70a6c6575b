"""Store tests: run on SQLite and, when KLA_TEST_DATABASE_URL is set, on PostgreSQL."""

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import func, select, text
from sqlmodel import Session, SQLModel

from kla.domain.framework import get_framework
from kla.domain.scoring import score
from kla.services import assessments as svc
from kla.services.demo import load_demo
from kla.services.permissions import SYSTEM
from kla.services.reference import init_db
from kla.store.db import engine_for, make_engine
from kla.store.models import Answer, Assessment, Question, Region
from kla.store.models import Framework as FrameworkRow

pytestmark = pytest.mark.store


def count(engine, model):
    with engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(model)).scalar_one()


def test_init_is_idempotent(empty_url):
    engine = make_engine(empty_url)
    first = init_db(engine)
    assert first.frameworks == {"kla-2024": "loaded"} and first.regions == "loaded"
    before = (count(engine, Region), count(engine, Question))
    second = init_db(engine)
    assert second.frameworks == {"kla-2024": "unchanged"} and second.regions == "unchanged"
    assert (count(engine, Region), count(engine, Question)) == before == (91599, 274)
    # a changed reference file is re-applied as an upsert: still no duplicates
    with engine.begin() as conn:
        conn.execute(text("UPDATE refdata SET checksum = 'x'"))
    assert init_db(engine).regions == "loaded"
    assert count(engine, Region) == 91599
    engine.dispose()


def test_migrations_match_the_models(seeded_engine):
    with seeded_engine.connect() as conn:
        diff = compare_metadata(MigrationContext.configure(conn), SQLModel.metadata)
    assert diff == []


def test_regions_reference(seeded_engine):
    with Session(seeded_engine) as s:
        metro = s.get(Region, "18.72")
        assert (metro.nama, metro.level, metro.parent_kode) == ("Kota Metro", "kabkota", "18")
        assert metro.population > 100_000 and metro.area_km2 > 0
        levels = dict(s.exec(select(Region.level, func.count()).group_by(Region.level)).all())
        assert levels == {"provinsi": 38, "kabkota": 514, "kecamatan": 7285,
                          "desa_kelurahan": 83762}
        kec = s.exec(select(func.count()).where(Region.parent_kode == "18.72")).scalar_one()
        kel = s.exec(select(func.count()).where(Region.level == "desa_kelurahan",
                                                Region.kode.startswith("18.72."))).scalar_one()
        assert (kec, kel) == (5, 22)
        assert s.exec(select(func.count()).where(Region.nama != func.trim(Region.nama))
                      ).scalar_one() == 0


def test_sqlite_runs_in_wal_mode(seeded_engine):
    if seeded_engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    with seeded_engine.connect() as conn:
        assert conn.execute(text("PRAGMA journal_mode")).scalar() == "wal"
        assert conn.execute(text("PRAGMA foreign_keys")).scalar() == 1


def test_sample_follows_the_public_story(seeded_engine):
    regions = svc.assessed_regions(seeded_engine, SYSTEM)
    assert [(r["kode"], r["is_sample"]) for r in regions] == [("18.72", True), ("36.73", True)]
    serang = {(a.year, a.stage): a for a in svc.list_assessments(seeded_engine, SYSTEM, "36.73")}
    finals = {y: svc.score_assessment(seeded_engine, SYSTEM, serang[(y, "FINAL")]).predicate
              for y in (2021, 2022, 2023, 2025)}
    assert finals == {2021: "Pratama", 2022: "Pratama", 2023: "Pratama", 2025: "Madya"}
    totals = [svc.score_assessment(seeded_engine, SYSTEM, serang[(2025, s)]).total
              for s in ("EM", "VA", "VL", "FINAL")]
    assert totals == sorted(totals, reverse=True)
    assert 70 <= totals[0] - totals[-1] <= 280  # verification removes points, as published
    metro = svc.list_assessments(seeded_engine, SYSTEM, "18.72")
    assert {svc.score_assessment(seeded_engine, SYSTEM, a).predicate for a in metro
            if a.stage == "FINAL"} == {"Nindya"}
    assert all(a.is_sample for a in metro)


def test_demo_twice_gives_the_same_data(seeded_url):
    engine = engine_for(seeded_url)
    before = svc.score_all(engine, SYSTEM, get_framework()).drop(columns="assessment_id")
    n = count(engine, Assessment)
    load_demo(engine, SYSTEM)
    after = svc.score_all(engine, SYSTEM, get_framework()).drop(columns="assessment_id")
    assert count(engine, Assessment) == n

    def rows(frame):  # reloaded sample assessments get new ids: compare the rows, not the order
        return frame.sort_values(list(frame.columns)).reset_index(drop=True)

    assert rows(before).equals(rows(after))


def test_vectorised_store_scoring_matches_each_assessment(seeded_engine, fw):
    df = svc.score_all(seeded_engine, SYSTEM, fw).set_index("assessment_id")
    with Session(seeded_engine) as s:
        ids = s.exec(select(Assessment.id).join(FrameworkRow,
                                                FrameworkRow.id == Assessment.framework_id)
                     .where(FrameworkRow.code == fw.code)).scalars().all()
    assert len(ids) >= 29 and set(df.index) == set(ids)  # the 29 sample ones, and any others
    for aid in ids:
        one = score(fw, svc.answers_of(seeded_engine, SYSTEM, aid))
        assert df.loc[aid, "total"] == one.total and df.loc[aid, "predicate"] == one.predicate


def test_bad_answers_write_nothing(seeded_engine, fw):
    n_ass, n_ans = count(seeded_engine, Assessment), count(seeded_engine, Answer)
    for bad in ({"1.P1": 1.5}, {"9.P99": 1.0}):
        with pytest.raises(ValueError):
            svc.save_assessment(seeded_engine, SYSTEM, region_kode="35.78", year=2025, stage="EM",
                                answers=bad, framework=fw)
    with pytest.raises(ValueError, match="unknown region code '99.99'"):
        svc.save_assessment(seeded_engine, SYSTEM, region_kode="99.99", year=2025, stage="EM",
                            answers={"1.P1": 1}, framework=fw)
    with pytest.raises(ValueError, match="stage 'XX'"):
        svc.save_assessment(seeded_engine, SYSTEM, region_kode="35.78", year=2025, stage="XX",
                            answers={"1.P1": 1}, framework=fw)
    assert (count(seeded_engine, Assessment), count(seeded_engine, Answer)) == (n_ass, n_ans)


def test_database_constraints_hold(seeded_engine):
    from sqlalchemy.exc import IntegrityError

    with seeded_engine.connect() as conn:
        aid = conn.execute(select(Answer.id)).scalars().first()
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE answer SET credit = 2 WHERE id = :i"), {"i": aid})
        conn.rollback()
        with pytest.raises(IntegrityError):
            conn.execute(text("UPDATE assessment SET stage = 'XX'"))
        conn.rollback()


def test_save_replaces_and_new_framework_year_is_data_only(seeded_engine, tmp_path):
    from pathlib import Path

    root = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks"
    report = init_db(seeded_engine, frameworks_root=root)
    assert report.frameworks == {"mini-2099": "loaded"}
    mini = get_framework("mini-2099", root)
    svc.save_assessment(seeded_engine, SYSTEM, region_kode="35.78", year=2099, stage="EM",
                        answers={"X1.Q1": 1, "Y1.Q1": 0.5}, framework=mini)
    aid2 = svc.save_assessment(seeded_engine, SYSTEM, region_kode="35.78", year=2099, stage="EM",
                               answers={"X1.Q1": 1, "Y1.Q1": 1}, framework=mini)
    infos = [a for a in svc.list_assessments(seeded_engine, SYSTEM, "35.78") if a.year == 2099]
    assert [a.id for a in infos] == [aid2]  # replaced, not duplicated
    r = svc.score_assessment(seeded_engine, SYSTEM, infos[0], mini)
    assert (r.total, r.predicate) == (70, "Bronze")
    assert len(svc.score_all(seeded_engine, SYSTEM, mini)) == 1


def test_migrations_downgrade_and_upgrade_again(empty_url):
    from sqlalchemy import inspect

    from kla.store import migrate

    engine = make_engine(empty_url)
    migrate.upgrade(engine)
    assert {"region", "assessment", "answer", "evidence"} <= set(inspect(engine).get_table_names())
    migrate.downgrade(engine)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert "answer" in inspect(engine).get_table_names()
    engine.dispose()


def test_framework_change_never_orphans_answers(empty_url, tmp_path):
    import shutil
    from pathlib import Path

    from kla.domain.framework import FrameworkError

    src = Path(__file__).resolve().parents[1] / "fixtures" / "frameworks" / "mini-2099"
    root = tmp_path / "fw"
    shutil.copytree(src, root / "mini-2099")
    engine = make_engine(empty_url)
    init_db(engine, frameworks_root=root)
    mini = get_framework("mini-2099", root)
    svc.save_assessment(engine, SYSTEM, region_kode="35.78", year=2099, stage="EM",
                        answers={"X2.Q1": 1.0}, framework=mini)
    csv = root / "mini-2099" / "questions.csv"
    csv.write_text(csv.read_text().replace("X2,Layanan,20,Q1", "X2,Layanan,20,Q9"))
    with pytest.raises(FrameworkError, match="X2.Q1 are no longer in the framework files"):
        init_db(engine, frameworks_root=root)
    with Session(engine) as s:  # nothing changed
        assert s.exec(select(Question.qid).where(Question.qid.like("X2.%"))).scalars().all() \
            == ["X2.Q1"]
    engine.dispose()


def test_migrations_keep_the_data(empty_url):
    """Batch migrations on SQLite recreate tables: no answer may be lost on the way."""
    from kla.store import migrate

    engine = make_engine(empty_url)
    init_db(engine)
    load_demo(engine, SYSTEM)
    before = (count(engine, Assessment), count(engine, Answer))
    migrate.downgrade(engine, "0002")
    assert (count(engine, Assessment), count(engine, Answer)) == before
    migrate.upgrade(engine)
    assert (count(engine, Assessment), count(engine, Answer)) == before
    engine.dispose()
