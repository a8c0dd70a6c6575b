"""The ``kla`` command line. Exit status: 0 ok, 2 bad input (message on stderr, nothing on stdout).

    kla predicate SCORE [--not-all-implemented]
    kla score FILE [--framework kla-2024] [--json]
    kla framework [--framework kla-2024] [--json]
    kla plan ANSWERS.csv [--effort EFFORT.csv] [--target PREDICATE] [--json]
    kla export xlsx|zip|pdf --region KODE --year Y --stage S OUT
    kla import xlsx FILE --region KODE --year Y --stage S
    kla user add USERNAME --role ROLE [--region KODE] [--agency NAME …] [--password-stdin]
    kla user list
    kla backup OUT.zip
    kla restore IN.zip [--force]
    kla init
    kla demo
    kla backtest
    kla rescore [--check]
    kla digest [--dry-run] [--today YYYY-MM-DD]
    kla run [streamlit options …]
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

from kla.domain.framework import (
    DEFAULT_FRAMEWORK,
    FrameworkError,
    available_frameworks,
    get_framework,
)
from kla.domain.workflow import ROLES, STAGES

EXIT_DIFFERS = 1  # `kla rescore --check`: a stored score differs from its answers
EXIT_BAD_INPUT = 2
EXIT_UNREACHABLE = 3
EXIT_RESTORE_DIFFERS = 4  # `kla restore`: restored, but a check differs from the manifest
EXIT_DIGEST_FAILED = 5  # `kla digest`: a digest could not be sent (the others were)


class CliError(Exception):
    def __init__(self, message: str, code: int = EXIT_BAD_INPUT):
        super().__init__(message)
        self.code = code


def _framework(code: str):
    if code not in available_frameworks():
        raise CliError(f"unknown framework '{code}' (available: "
                       f"{', '.join(available_frameworks())})")
    try:
        return get_framework(code)
    except FrameworkError as exc:
        raise CliError(f"framework {code} is invalid: {exc}") from None


def cmd_predicate(args: argparse.Namespace) -> None:
    from kla.domain.predicate import predicate

    try:
        total = float(args.score.replace(",", "."))
    except ValueError:
        raise CliError(f"SCORE: '{args.score}' is not a number") from None
    if not math.isfinite(total) or total < 0:
        raise CliError(f"SCORE: '{args.score}' must be a number ≥ 0")
    print(predicate(total, all_implemented=not args.not_all_implemented))


def cmd_score(args: argparse.Namespace) -> None:
    from kla.domain.scoring import score
    from kla.io.csv import InputError, read_answers_csv

    fw = _framework(args.framework)
    try:
        answers = read_answers_csv(args.file, fw)
    except InputError as exc:
        raise CliError(str(exc)) from None
    result = score(fw, answers)
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    print(f"total: {result.total:.2f} / {fw.total_max:g}")
    print(f"predicate: {result.predicate}")
    if result.next_predicate:
        print(f"next: {result.next_predicate} (+{result.points_to_next:.2f} points)")
    if result.unimplemented:
        print(f"indicators not implemented (score 0): {', '.join(result.unimplemented)}")
    for code, (s, m) in result.blocks.items():
        print(f"  {code:<4} {fw.blocks[code].name_id:<60} {s:>8.2f} / {m:g}")


def cmd_plan(args: argparse.Namespace) -> None:
    from kla.domain.planner import Unreachable, plan
    from kla.io.csv import InputError, read_answers_csv, read_efforts_csv

    fw = _framework(args.framework)
    codes = [b.code for b in fw.bands]
    if args.target is not None and args.target not in codes:
        raise CliError(f"--target: unknown predicate '{args.target}' (one of: "
                       f"{', '.join(codes)})")
    try:
        answers = read_answers_csv(args.answers, fw)
        efforts = read_efforts_csv(args.effort, fw) if args.effort else None
    except InputError as exc:
        raise CliError(str(exc)) from None
    try:
        result = plan(fw, answers, args.target, efforts, default_effort=1.0)
    except Unreachable as exc:
        raise CliError(f"target {args.target or 'next predicate'} cannot be reached: {exc}",
                       EXIT_UNREACHABLE) from None
    if args.json:
        print(json.dumps(result.to_dict(), ensure_ascii=False))
        return
    print(f"total: {result.total:.2f}, target: {result.target}, "
          f"points needed: {result.points_needed:.2f}")
    for a in result.actions:
        q = fw.questions[a.question_id]
        print(f"  {a.question_id:<10} credit {a.from_credit:g} → 1   +{a.points:.2f} points  "
              f"effort {a.effort:g}  [{'; '.join(q.opds)}]")
    print(f"total effort: {result.total_effort:g}; new total: {result.new_total:.2f} "
          f"({result.new_predicate})")


def _assessment_arg(args: argparse.Namespace):
    from kla.services.exports import find_assessment

    try:
        return find_assessment(_engine(), _actor(args), args.region, args.year, args.stage)
    except ValueError as exc:
        raise CliError(str(exc)) from None


def cmd_export(args: argparse.Namespace) -> None:
    import os
    import tempfile

    from kla.services import exports

    if args.kind == "results":
        from kla.services.results import national_reference, results_frame

        frame = results_frame(_engine())
        payload = {"results": json.loads(frame.to_json(orient="records", force_ascii=False)),
                   "national_counts": {str(k): v for k, v in national_reference().items()}}
        text = json.dumps(payload, ensure_ascii=False)
        if args.out in (None, "-"):
            print(text)
        else:
            Path(args.out).write_text(text, encoding="utf-8")
        return
    if not (args.region and args.year and args.stage and args.out):
        raise CliError("export xlsx|zip|pdf needs --region, --year, --stage and OUT")
    info = _assessment_arg(args)
    out = Path(args.out)
    if args.kind == "zip":
        summary = exports.export_zip(_engine(), _actor(args), info, out)
        print(f"{out}: {summary['files']} evidence files, {summary['bytes']} bytes")
        if summary["missing"]:
            print(f"warning: {len(summary['missing'])} evidence files are missing from storage "
                  f"(listed in index.xlsx, sheet 'Berkas hilang'): "
                  f"{', '.join(summary['missing'])}", file=sys.stderr)
        return
    data = (exports.export_xlsx(_engine(), _actor(args), info) if args.kind == "xlsx"
            else exports.export_pdf(_engine(), _actor(args), info, args.lang))
    fd, tmp = tempfile.mkstemp(dir=out.parent if str(out.parent) else ".", prefix=".kla-")
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    os.replace(tmp, out)
    print(f"{out}: {len(data)} bytes")


def cmd_import(args: argparse.Namespace) -> None:
    from kla.io.csv import InputError
    from kla.services import exports

    info = _assessment_arg(args)
    try:
        data = Path(args.file).read_bytes()
    except FileNotFoundError:
        raise CliError(f"{args.file}: file not found") from None
    try:
        result = exports.import_xlsx(_engine(), _actor(args), info, data, source=Path(args.file).name)
    except InputError as exc:
        raise CliError(f"nothing was imported:\n{exc}") from None
    print(f"imported: {result['changed']} answers changed, {result['unchanged']} unchanged")


def cmd_user(args: argparse.Namespace) -> None:
    import getpass

    from kla.services import users

    engine = _engine()
    if args.action == "list":
        for u in users.list_users(engine, _actor(args)):
            print(f"{u['username']:<24} {u['role']:<12} {u['region'] or '(national)':<10} "
                  f"{u['agencies']}{'' if u['active'] else '  [inactive]'}")
        return
    if not args.username or not args.role:
        raise CliError("user add needs USERNAME and --role")
    if args.password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    elif sys.stdin.isatty():
        password = getpass.getpass("password: ")
        if getpass.getpass("again: ") != password:
            raise CliError("the two passwords differ")
    else:
        raise CliError("give the password on standard input with --password-stdin")
    try:
        actor = users.add_user(engine, _actor(args), username=args.username, password=password,
                               role=args.role, region_kode=args.region,
                               agencies=args.agency or [], display_name=args.name or "")
    except (ValueError, PermissionError) as exc:
        raise CliError(str(exc)) from None
    print(f"user {actor.username} ({actor.role}) created")


def cmd_import_results(args: argparse.Namespace) -> None:
    from kla.io.csv import InputError
    from kla.services.results import SHIPPED, import_results

    path = Path(args.file) if args.file else SHIPPED
    if not path.is_file():
        raise CliError(f"{path}: file not found")
    try:
        report = import_results(_engine(), _actor(args), path)
    except InputError as exc:
        raise CliError(str(exc)) from None
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
        return
    print(f"{path.name}: {report.loaded} loaded, {report.updated} updated, {report.unchanged} "
          f"unchanged, {len(report.rejected)} not loaded")
    for reason, n in report.to_dict()["reasons"].items():
        print(f"  {n:>3} × {reason}")
    for r in report.rejected:
        print(f"  row {r.row}: {r.kab_kota}: {r.reason}")


def cmd_backup(args: argparse.Namespace) -> None:
    from kla.services import backup
    from kla.settings import get_settings

    print(f"database: {_safe_url(get_settings().url)}", file=sys.stderr)
    try:
        report = backup.backup(_engine(), _actor(args), Path(args.out))
    except ValueError as exc:  # refused, or a database tool failed: no archive written
        raise CliError(str(exc)) from None
    print(f"{report.path}: {report.kind} database (schema {report.revision}), "
          f"{report.assessments} assessments, {report.files} evidence files, "
          f"{report.bytes} bytes")
    for m in report.missing:
        print(f"warning: evidence file {m['storage_key']} ({m['reason']}) is referred to by "
              f"the database but not in the archive", file=sys.stderr)


def cmd_restore(args: argparse.Namespace) -> None:
    from kla.services import backup
    from kla.settings import get_settings

    print(f"database: {_safe_url(get_settings().url)}", file=sys.stderr)
    try:
        report = backup.restore(_engine(), _actor(args), Path(args.archive), force=args.force)
    except ValueError as exc:  # a bad archive or a refusal: nothing was changed
        raise CliError(str(exc)) from None
    upgraded = f", schema upgraded from {report.upgraded_from}" if report.upgraded_from else ""
    print(f"{args.archive}: {report.kind} database of {report.created_at} restored{upgraded}; "
          f"{report.assessments} assessments, {report.files} evidence files "
          f"({report.files_written} written)")
    if report.missing_before:
        keys = ", ".join(m["storage_key"] for m in report.missing_before)
        print(f"warning: {len(report.missing_before)} evidence files were already missing "
              f"when the backup was taken: {keys}", file=sys.stderr)
    if report.differences:
        for d in report.differences:
            print(f"  {d}", file=sys.stderr)
        raise CliError(f"restored, but {len(report.differences)} checks differ from the "
                       f"archive's manifest (listed above)", EXIT_RESTORE_DIFFERS)
    print("checked: every assessment scores as the manifest says, every evidence file is "
          "in place")


def cmd_rescore(args: argparse.Namespace) -> int:
    """Recompute every stored score from the answers (``--check``: change nothing, exit 1
    when a stored score differs, each such assessment listed)."""
    from kla.services.scores import rescore

    tenths: set[int] = set()

    def shown(done: int, total: int) -> None:  # on stderr: stdout stays the report (--json)
        line = f"scoring: {done} of {total} assessments compared"
        if sys.stderr.isatty():
            print("\r" + line, end="\n" if done == total else "", file=sys.stderr)
        elif done * 10 // total not in tenths:  # a log: a line per tenth
            tenths.add(done * 10 // total)
            print(line, file=sys.stderr)

    report = rescore(_engine(), _actor(args), check=args.check, progress=shown)
    for line in report.unscored:
        print(f"warning: framework {line}", file=sys.stderr)
    if args.json:
        print(json.dumps(report.to_dict(), ensure_ascii=False))
    else:
        for d in report.differences:
            print(d.line())
        done = (f"{len(report.differences)} differ" if args.check
                else f"{len(report.differences)} differed, {report.written} written")
        print(f"{report.checked} assessments checked: {done}")
    return EXIT_DIFFERS if args.check and report.differences else 0


def cmd_digest(args: argparse.Namespace) -> int:
    """The daily e-mail digests (``kla.services.inbox.send_digests``): a line per user, then a
    summary; exit 5 when any message could not be sent (the others were)."""
    from kla.i18n import Refusal
    from kla.services.inbox import send_digests

    try:
        report = send_digests(_engine(), _actor(args), today=args.today, dry_run=args.dry_run)
    except Refusal as exc:
        raise CliError(str(exc)) from None
    for line in report.lines:
        print(line.line())
    print(report.summary())
    if report.failed:
        print(f"kla digest: {len(report.failed)} could not be sent (listed above); they are "
              f"tried again on the next run", file=sys.stderr)
        return EXIT_DIGEST_FAILED
    return 0


def framework_summary(fw) -> dict:
    return {
        "code": fw.code, "version": fw.version, "year": fw.year, "name": fw.name_id,
        "total": fw.total_max, "questions": len(fw.questions),
        "blocks": [{"code": b.code, "name_id": b.name_id, "name_en": b.name_en, "max": b.max,
                    "indicators": list(b.indicators),
                    "questions": sum(len(fw.indicators[i].questions) for i in b.indicators)}
                   for b in fw.blocks.values()],
        "indicators": [{"code": i.code, "block": i.block, "name": i.name, "max": i.max,
                        "questions": len(i.questions),
                        "question_max_sum": round(sum(fw.questions[q].max for q in i.questions),
                                                  6)}
                       for i in fw.indicators.values()],
        "bands": [{"code": b.code, "min": b.min, "min_exclusive": b.min_exclusive,
                   "requires_all_implemented": b.requires_all_implemented} for b in fw.bands],
        "provenance": fw.provenance,
    }


def cmd_framework(args: argparse.Namespace) -> None:
    fw = _framework(args.framework)
    summary = framework_summary(fw)
    if args.json:
        print(json.dumps(summary, ensure_ascii=False))
        return
    print(f"{fw.code} (version {fw.version}): {fw.name_id}")
    print(f"total {fw.total_max:g} points, {len(fw.blocks)} blocks, {len(fw.indicators)} "
          f"indicators, {len(fw.questions)} questions")
    for b in summary["blocks"]:
        print(f"\n{b['code']:<4} {b['name_id']} — max {b['max']:g}, {b['questions']} questions")
        for ic in b["indicators"]:
            i = next(x for x in summary["indicators"] if x["code"] == ic)
            capped = (f" (question maxima add up to {i['question_max_sum']:g}: capped)"
                      if i["question_max_sum"] > i["max"] else "")
            print(f"  {i['code']:<4} max {i['max']:>5g}  {i['questions']:>3} q  "
                  f"{i['name']}{capped}")


def _engine():
    from kla.store.db import get_engine

    return get_engine()


def _actor(args: argparse.Namespace):
    """Who a command acts as: ``--as USER`` (an active local account, whose permissions
    apply), else the system actor, explicitly."""
    from kla.services.permissions import SYSTEM
    from kla.services.users import get_actor

    name = getattr(args, "as_user", None)
    if not name:
        return SYSTEM
    found = get_actor(_engine(), name)
    if found is None:
        raise CliError(f"--as {name}: no active account with that name")
    return found


def cmd_init(args: argparse.Namespace) -> None:
    from kla.services.reference import init_db
    from kla.settings import get_settings

    print(f"database: {_safe_url(get_settings().url)}", file=sys.stderr)
    report = init_db(_engine(), progress=lambda m: print(m, file=sys.stderr))
    print("\n".join(report.lines()))


def cmd_demo(args: argparse.Namespace) -> None:
    from kla.services.demo import load_demo
    from kla.services.reference import init_db

    engine = _engine()
    init_db(engine)
    result = load_demo(engine, _actor(args), progress=lambda m: print(m, file=sys.stderr))
    from kla.domain.sample import DEMO_PASSWORD

    print(f"sample data (Data contoh): {result['written']} assessments written, "
          f"{result['skipped']} skipped; sample accounts use the password {DEMO_PASSWORD}")


def cmd_backtest(args: argparse.Namespace) -> None:
    """The predicted verification score backtested on the sample history: the tables of
    docs/planning.md ("Prediksi skor verifikasi")."""
    from kla.domain.prediction import backtest, backtest_markdown, sample_cases

    print(backtest_markdown(backtest(sample_cases(_framework(DEFAULT_FRAMEWORK)))))


def cmd_run(args: argparse.Namespace) -> None:
    """app.py behind the evidence gate (kla.web.server), with streamlit's own options."""
    from kla.web.server import run

    run(args.streamlit_args)


def static_root() -> str:
    """The folder nginx serves ``/static/`` from (``root``): Streamlit's own front-end
    files, the same bytes every replica would send (deploy/nginx/kla-locations.conf)."""
    import importlib.util
    from pathlib import Path

    spec = importlib.util.find_spec("streamlit")  # found, not imported (cheap)
    if spec is None or spec.origin is None:
        return ""  # nginx then passes /static/ to the replicas (try_files fallback)
    return str(Path(spec.origin).resolve().parent / "static")


def cmd_static_root(args: argparse.Namespace) -> None:
    print(static_root())


def _safe_url(url: str) -> str:
    from sqlalchemy.engine import make_url

    return make_url(url).render_as_string(hide_password=True)


def _day(text: str):
    from datetime import date

    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date YYYY-MM-DD") from None


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="kla", description="KLA (Kabupaten/Kota Layak Anak) toolkit")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("predicate", help="the predicate of a total score")
    s.add_argument("score")
    s.add_argument("--not-all-implemented", action="store_true",
                   help="at least one indicator scores 0 (the top predicate is then withheld)")
    s.set_defaults(func=cmd_predicate)

    s = sub.add_parser("score", help="score an answers CSV (question_id,credit)")
    s.add_argument("file")
    s.add_argument("--framework", default=DEFAULT_FRAMEWORK)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_score)

    s = sub.add_parser("framework", help="show the loaded framework")
    s.add_argument("--framework", default=DEFAULT_FRAMEWORK)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_framework)

    s = sub.add_parser("plan", help="least-effort plan to the next (or a chosen) predicate")
    s.add_argument("answers")
    s.add_argument("--effort", default=None, help="CSV question_id,effort (default 1 each)")
    s.add_argument("--target", default=None, help="a predicate (default: the next one)")
    s.add_argument("--framework", default=DEFAULT_FRAMEWORK)
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_plan)

    s = sub.add_parser("export", help="export an assessment (xlsx, zip dossier, pdf) or the "
                                      "published results (results --json)")
    s.add_argument("kind", choices=["xlsx", "zip", "pdf", "results"])
    s.add_argument("--region")
    s.add_argument("--year", type=int)
    s.add_argument("--stage", choices=STAGES)
    s.add_argument("--lang", default="id", choices=["id", "en"])
    s.add_argument("--json", action="store_true", help="results: JSON (the only format)")
    s.add_argument("out", nargs="?")
    s.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="act as this local account (its permissions apply); default: the "
                        "system actor")
    s.set_defaults(func=cmd_export)

    s = sub.add_parser("import-results", help="load published KLA results (default: the "
                                              "shipped file), reporting every row not loaded")
    s.add_argument("file", nargs="?")
    s.add_argument("--json", action="store_true")
    s.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="act as this local account (its permissions apply); default: the "
                        "system actor")
    s.set_defaults(func=cmd_import_results)

    s = sub.add_parser("import", help="import a filled-in assessment workbook (all or nothing)")
    s.add_argument("kind", choices=["xlsx"])
    s.add_argument("file")
    s.add_argument("--region", required=True)
    s.add_argument("--year", type=int, required=True)
    s.add_argument("--stage", required=True, choices=STAGES)
    s.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="act as this local account (its permissions apply); default: the "
                        "system actor")
    s.set_defaults(func=cmd_import)

    s = sub.add_parser("user", help="local accounts: add, list")
    s.add_argument("action", choices=["add", "list"])
    s.add_argument("username", nargs="?")
    s.add_argument("--role", choices=ROLES)
    s.add_argument("--region", default=None, help="province or kab/kota code (scope)")
    s.add_argument("--agency", action="append", help="an agency (OPD) of an opd user")
    s.add_argument("--name", default=None, help="display name")
    s.add_argument("--password-stdin", action="store_true")
    s.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="act as this local account (its permissions apply); default: the "
                        "system actor")
    s.set_defaults(func=cmd_user)

    s = sub.add_parser("backup", help="archive the database and every evidence file into "
                                      "one ZIP, consistently while the app runs")
    s.add_argument("out", metavar="OUT", help="the archive to write (a .zip)")
    s.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="act as this local account (an admin); default: the system actor")
    s.set_defaults(func=cmd_backup)

    s = sub.add_parser("restore", help="restore a `kla backup` archive (verified first); "
                                       "SQLite: stop the app first")
    s.add_argument("archive", metavar="IN", help="the archive to restore (a .zip)")
    s.add_argument("--force", action="store_true",
                   help="replace a database that already holds data")
    s.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="act as this local account (an admin); default: the system actor")
    s.set_defaults(func=cmd_restore)

    s = sub.add_parser("rescore", help="recompute every stored score from the answers "
                                       "(--check: change nothing, exit 1 listing differences)")
    s.add_argument("--check", action="store_true",
                   help="only compare the stored scores with the answers; exit 1 when any "
                        "differs")
    s.add_argument("--json", action="store_true")
    s.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="act as this local account (an admin); default: the system actor")
    s.set_defaults(func=cmd_rescore)

    s = sub.add_parser("digest", help="send the daily e-mail digests (SMTP of KLA_SMTP_*); "
                                      "exit 5 when any could not be sent")
    s.add_argument("--dry-run", action="store_true",
                   help="only list who would get what; send and record nothing")
    s.add_argument("--today", type=_day, default=None, metavar="YYYY-MM-DD",
                   help="the day of the digest (default: today in KLA_TIMEZONE)")
    s.add_argument("--as", dest="as_user", default=None, metavar="USER",
                   help="act as this local account (a national admin); default: the system "
                        "actor")
    s.set_defaults(func=cmd_digest)

    s = sub.add_parser("init", help="create or upgrade the database, load frameworks and regions")
    s.set_defaults(func=cmd_init)

    s = sub.add_parser("demo", help="load the sample data (Data contoh)")
    s.set_defaults(func=cmd_demo)

    s = sub.add_parser("backtest", help="backtest the predicted verification score on the "
                                        "sample history (Markdown tables)")
    s.set_defaults(func=cmd_backtest)

    s = sub.add_parser("static-root", help="print the folder of Streamlit's front-end files, "
                                           "for nginx (deploy/nginx/kla-site.conf)")
    s.set_defaults(func=cmd_static_root)

    s = sub.add_parser("run", help="start the web app (extra options go to streamlit, "
                                   "e.g. --server.port=8600)")
    s.set_defaults(func=cmd_run, streamlit_args=[])
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args, extra = parser.parse_known_args(argv)
    if args.command == "run":
        args.streamlit_args = extra
    elif args.command == "export" and args.out is None and len(extra) == 1 \
            and not extra[0].startswith("-"):
        args.out = extra[0]  # OUT after the options: argparse leaves an optional positional
    elif extra:
        parser.error(f"unrecognized arguments: {' '.join(extra)}")
    code = 0
    try:
        code = args.func(args)
    except CliError as exc:
        print(f"kla {args.command}: {exc}", file=sys.stderr)
        return exc.code
    except PermissionError as exc:  # the services' PermissionDenied: nothing was changed
        print(f"kla {args.command}: not allowed: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except FrameworkError as exc:
        print(f"kla {args.command}: {exc}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # output piped into `head` and the like
        sys.stderr.close()
    return code if isinstance(code, int) else 0


if __name__ == "__main__":
    sys.exit(main())
