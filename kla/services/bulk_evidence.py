"""Bulk evidence upload: one ZIP of evidence files, each matched to a question, checked like a
single upload (``answers.add_evidence``) and attached in one transaction.

Layout of the ZIP (either, or mixed):

- the dossier export's layout (``kla/io/dossier.py``): ``…/<question id>/<file>``; the folder
  that holds the file names the question;
- flat files named ``<question id><separator><anything>``: ``1.P2e Perda KLA.pdf``,
  ``1.P2e_sk.pdf``, ``1_p2e-foto.jpg``. The longest question id of the assessment's framework
  that starts the name wins, case-insensitive; ``.``, ``_``, ``-`` and space separate the parts
  (``1.P2z`` never matches ``1.P2za sk.pdf``).

``preview`` writes nothing and returns one row per file; ``attach`` runs the same checks again
(it never trusts a preview) and attaches every accepted file in one transaction: all rows and
their audit entries, or none. Bytes written to the content-addressed store before a failure
stay there unreferenced: harmless (named by their sha256), and a retry reuses them.

Limits, checked on the archive's directory before anything is decompressed (the declared sizes
bound what is read: ``zipfile`` never returns more than an entry's declared size):

- the archive itself and the sum of its entries' uncompressed sizes: at most
  ``TOTAL_FACTOR`` × ``KLA_MAX_UPLOAD_MB`` (250 MB by default);
- at most ``MAX_ENTRIES`` entries (folders included);
- a compression ratio above ``MAX_RATIO`` refuses the archive (whole) or the entry (one file
  of at least ``RATIO_MIN_BYTES``): evidence files (PDF, images, Office) are compressed
  already, so such ratios mean a zip bomb;
- per file: absolute names, drive letters and ``..`` are refused (nothing is ever extracted to
  disk, the name is display only), as are encrypted entries, links and archives inside the
  archive. Folders, hidden files (``.DS_Store``, ``._x``, anything under ``__MACOSX`` or a
  dot-folder, ``Thumbs.db``, ``desktop.ini``) and the dossier's own ``index.xlsx`` /
  ``index.csv`` at the top are skipped silently.
"""

from __future__ import annotations

import hashlib
import io
import re
import stat
import zipfile
from collections.abc import Callable
from pathlib import PurePosixPath

import filetype
from sqlalchemy import Engine, select
from sqlmodel import Session

from kla.domain.framework import Framework
from kla.i18n import Msg, Refusal
from kla.services import audit
from kla.services.answers import (
    _agencies_for_session,
    _assessment,
    _deadline_passed,
    _framework_of,
    evidence_store,
)
from kla.services.permissions import Actor, PermissionDenied, Target, allowed, require
from kla.settings import get_settings
from kla.store.evidence import (
    ALLOWED,
    EvidenceError,
    LocalStore,
    check_upload,
    display_name,
)
from kla.store.models import Answer, Evidence, Question, utcnow

MAX_ENTRIES = 2000
TOTAL_FACTOR = 10  # archive and sum of uncompressed sizes ≤ TOTAL_FACTOR × max_upload_mb
MAX_RATIO = 100
RATIO_MIN_BYTES = 1024 * 1024  # small entries may compress well without harm
SHORT_TEXT = 80
ATTACH, REFUSED = "attach", "refused"

_SEP = r"[._\- ]"
_ARCHIVE_EXT = frozenset({"zip", "rar", "7z", "tar", "gz", "tgz", "bz2", "xz", "zst", "cab",
                          "lz", "lzh", "arj", "jar", "apk"})
_ARCHIVE_MIME = frozenset({"application/zip", "application/x-rar-compressed",
                           "application/x-7z-compressed", "application/x-tar", "application/gzip",
                           "application/x-bzip2", "application/x-xz", "application/zstd",
                           "application/vnd.ms-cab-compressed", "application/x-lzip",
                           "application/x-unix-archive", "application/x-compress"})
_JUNK = frozenset({"thumbs.db", "desktop.ini", "__macosx"})
_DOSSIER_INDEX = frozenset({"index.xlsx", "index.csv"})

Progress = Callable[[str, int, int], None]  # (phase "check" or "store", done, total)


class ArchiveRefused(Refusal):
    """The whole archive is refused (not a ZIP, too large, too many entries, a zip bomb);
    nothing was decompressed or written."""


def _limit_bytes(max_upload_mb: int) -> int:
    """Largest archive, and largest sum of uncompressed sizes, for a per-file limit."""
    return TOTAL_FACTOR * max_upload_mb * 1024 * 1024


def _mb(n: int) -> float:
    return round(n / (1024 * 1024), 1)


# --- matching names to questions -------------------------------------------------------------

class _Matcher:
    """Question id at the start of a name: the longest id of the framework followed by the end
    of the name or a separator, case-insensitive, with any of ``. _ - space`` between the
    indicator and the question code."""

    def __init__(self, fw: Framework):
        self._ids: dict[tuple[str, str], str] = {}
        alternatives = []
        for qid in sorted(fw.questions, key=len, reverse=True):
            ind, _, code = qid.partition(".")
            self._ids[ind.lower(), code.lower()] = qid
            alternatives.append(f"{re.escape(ind)}{_SEP}+{re.escape(code)}")
        self._re = re.compile(rf"^\s*({'|'.join(alternatives)})(?=$|{_SEP})", re.IGNORECASE)

    def __call__(self, name: str) -> str | None:
        m = self._re.match(name)
        if m is None:
            return None
        ind, code = re.split(f"{_SEP}+", m.group(1).strip(), maxsplit=1)
        return self._ids.get((ind.lower(), code.lower()))

    def question_of(self, parts: tuple[str, ...]) -> str | None:
        """The folder that holds the file (dossier layout), else the file name."""
        if len(parts) > 1 and (qid := self(parts[-2])):
            return qid
        return self(parts[-1])


# --- reading the archive ---------------------------------------------------------------------

def _open_zip(zip_bytes: bytes, max_upload_mb: int
              ) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The archive and its entries, once its limits are checked (nothing decompressed yet)."""
    limit = _limit_bytes(max_upload_mb)
    if len(zip_bytes) > limit:
        raise ArchiveRefused(Msg("err.bulk.archive_too_large", size=_mb(len(zip_bytes)),
                                 max=_mb(limit)))
    try:
        zf = zipfile.ZipFile(io.BytesIO(zip_bytes))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, ValueError, EOFError):
        raise ArchiveRefused(Msg("err.bulk.not_zip")) from None
    if len(infos) > MAX_ENTRIES:
        raise ArchiveRefused(Msg("err.bulk.too_many_entries", n=len(infos), max=MAX_ENTRIES))
    total = sum(i.file_size for i in infos)
    if total > limit:
        raise ArchiveRefused(Msg("err.bulk.total_too_large", size=_mb(total), max=_mb(limit)))
    if total >= RATIO_MIN_BYTES and total > MAX_RATIO * max(len(zip_bytes), 1):
        raise ArchiveRefused(Msg("err.bulk.archive_ratio", ratio=total // max(len(zip_bytes), 1),
                                 max=MAX_RATIO))
    return zf, infos


def _parts(info: zipfile.ZipInfo) -> tuple[str, ...] | None:
    """The path's parts, or None when the name is unsafe (absolute, a drive, ``..``)."""
    name = info.filename.replace("\\", "/")
    if name.startswith("/") or re.match(r"^[A-Za-z]:", name) or "\x00" in name:
        return None
    parts = tuple(p for p in name.split("/") if p not in ("", "."))
    if not parts or ".." in parts:
        return None
    return parts


def _ignored(info: zipfile.ZipInfo, parts: tuple[str, ...] | None) -> bool:
    """Folders, hidden and system files, the dossier's own index: skipped without a row."""
    if info.is_dir():
        return True
    if parts is None:
        return False  # unsafe names are reported
    if any(p.startswith(".") or p.lower() in _JUNK for p in parts):
        return True
    return len(parts) == 1 and parts[0].lower() in _DOSSIER_INDEX


def _is_link(info: zipfile.ZipInfo) -> bool:
    mode = info.external_attr >> 16
    return info.create_system == 3 and stat.S_ISLNK(mode)


def _extension(name: str) -> str:
    return PurePosixPath(name).suffix.lower().lstrip(".")


def _check_content(name: str, data: bytes, max_bytes: int) -> tuple[str | None, Msg | None]:
    """(media type, None) for acceptable content, else (None, why not). ``check_upload``
    decides (the one check of a single upload: type, size, name, and the content parsed as
    its type); the common reasons are worded here for the preview's rows, the others are its
    own."""
    try:
        mime = check_upload(name, data, max_bytes)
    except EvidenceError as exc:
        if not data:
            return None, Msg("err.bulk.empty")
        if len(data) > max_bytes:
            return None, Msg("err.bulk.too_large", size=_mb(len(data)), max=_mb(max_bytes))
        kind = filetype.guess(data)
        if kind is not None and kind.mime in _ARCHIVE_MIME:
            return None, Msg("err.bulk.nested")
        if kind is None or kind.mime not in ALLOWED:
            found = kind.extension.upper() if kind else Msg("err.bulk.unknown_type")
            return None, Msg("err.bulk.bad_type", found=found)
        if getattr(exc.problem, "key", None) == "err.file.name_mismatch":
            return None, Msg("err.bulk.name_mismatch", ext=exc.problem.params["ext"],
                             kind=exc.problem.params["found"])
        return None, exc.problem
    return mime, None


# --- the checks ------------------------------------------------------------------------------

def _gate(s: Session, actor: Actor, assessment_id: int):
    """The assessment and its framework, once the actor may attach evidence to it at all: the
    rule of ``answer.edit`` (role, scope, stage, status; the agency rule per question later)
    and the revision deadline, as for a single upload."""
    a = _assessment(s, assessment_id)
    require(actor, "answer.edit", Target(a.region_kode, a.stage, a.status, actor.agencies))
    if actor.role != "admin" and _deadline_passed(a, utcnow()):
        raise PermissionDenied(Msg("err.bulk.revision_over"))
    return a, _framework_of(s, a)


def _evaluate(s: Session, actor: Actor, a, fw: Framework, zip_bytes: bytes,
              on_progress: Progress | None) -> tuple[zipfile.ZipFile, list[dict]]:
    """One row per file of the archive (see ``preview``), with private fields for ``attach``
    (``_info``, ``_answer_id``, ``_sha256``, ``_mime``)."""
    max_mb = get_settings().max_upload_mb
    max_bytes = max_mb * 1024 * 1024
    zf, infos = _open_zip(zip_bytes, max_mb)
    match = _Matcher(fw)
    agencies = _agencies_for_session(s, a.region_kode, fw)
    answer_ids = dict(s.exec(select(Question.qid, Answer.id)
                             .join(Question, Question.id == Answer.question_id)
                             .where(Answer.assessment_id == a.id)).all())
    attached = set(s.exec(select(Evidence.answer_id, Evidence.sha256)
                          .join(Answer, Answer.id == Evidence.answer_id)
                          .where(Answer.assessment_id == a.id,
                                 Evidence.deleted_at.is_(None))).all())
    seen: dict[tuple[int, str], str] = {}  # (answer, sha256) → first file in this archive
    rows: list[dict] = []
    entries = [(i, p) for i in infos if not _ignored(i, p := _parts(i))]
    for n, (info, parts) in enumerate(entries, start=1):
        row = _check_entry(actor, a, fw, zf, info, parts, match, agencies, answer_ids,
                           attached, seen, max_bytes)
        rows.append(row)
        if on_progress is not None:
            on_progress("check", n, len(entries))
    return zf, rows


def _check_entry(actor, a, fw, zf, info, parts, match, agencies, answer_ids, attached, seen,
                 max_bytes) -> dict:
    name = info.filename
    row = {"file": name, "question_id": None, "question": "", "size": info.file_size,
           "status": REFUSED, "reason": None, "_info": info}

    def refuse(msg: Msg) -> dict:
        row["reason"] = msg
        return row

    if parts is None:
        return refuse(Msg("err.bulk.unsafe_path"))
    if info.flag_bits & 0x1:
        return refuse(Msg("err.bulk.encrypted"))
    if _is_link(info):
        return refuse(Msg("err.bulk.not_a_file"))
    if _extension(parts[-1]) in _ARCHIVE_EXT:
        return refuse(Msg("err.bulk.nested"))
    qid = match.question_of(parts)
    if qid is None:
        return refuse(Msg("err.bulk.no_question"))
    text = fw.questions[qid].text
    row["question_id"] = qid
    row["question"] = text if len(text) <= SHORT_TEXT else text[:SHORT_TEXT - 1] + "…"
    if info.file_size > max_bytes:
        return refuse(Msg("err.bulk.too_large", size=_mb(info.file_size), max=_mb(max_bytes)))
    if info.file_size >= RATIO_MIN_BYTES and info.file_size > MAX_RATIO * max(
            info.compress_size, 1):
        return refuse(Msg("err.bulk.entry_ratio", ratio=info.file_size // max(info.compress_size, 1),
                          max=MAX_RATIO))
    mine = tuple(agencies.get(qid, []))
    if not allowed(actor, "answer.edit", Target(a.region_kode, a.stage, a.status, mine)):
        return refuse(Msg("err.bulk.not_yours", assigned="; ".join(mine) or "–"))
    answer_id = answer_ids.get(qid)
    if answer_id is None:
        return refuse(Msg("err.bulk.needs_answer"))
    try:
        with zf.open(info) as fh:
            data = fh.read(max_bytes + 1)
    except (zipfile.BadZipFile, NotImplementedError, OSError, RuntimeError, ValueError,
            EOFError):
        return refuse(Msg("err.bulk.unreadable"))
    mime, reason = _check_content(parts[-1], data, max_bytes)
    if reason is not None:
        return refuse(reason)
    sha = hashlib.sha256(data).hexdigest()
    if (answer_id, sha) in attached:
        return refuse(Msg("err.bulk.duplicate"))
    if (answer_id, sha) in seen:
        return refuse(Msg("err.bulk.duplicate_in_zip", first=seen[answer_id, sha]))
    seen[answer_id, sha] = name
    row.update(status=ATTACH, size=len(data), _answer_id=answer_id, _sha256=sha, _mime=mime)
    return row


def _public(row: dict) -> dict:
    return {k: v for k, v in row.items() if not k.startswith("_")}


# --- the service -----------------------------------------------------------------------------

def preview(engine: Engine, actor: Actor, assessment_id: int, zip_bytes: bytes,
            on_progress: Progress | None = None) -> list[dict]:
    """Every file of the archive with what ``attach`` would do to it; nothing is written.

    Rows: ``file`` (path in the ZIP), ``question_id`` and ``question`` (short text; None / ""
    when no question matched), ``size`` (bytes), ``status`` (``"attach"`` or ``"refused"``),
    ``reason`` (a ``Msg``, None when accepted). ``on_progress("check", done, total)`` is
    called after each file. Raises ``PermissionDenied`` when the actor may not attach evidence
    to this assessment, ``ArchiveRefused`` for an archive refused as a whole."""
    with Session(engine) as s:
        a, fw = _gate(s, actor, assessment_id)
        zf, rows = _evaluate(s, actor, a, fw, zip_bytes, on_progress)
        zf.close()
    return [_public(r) for r in rows]


def attach(engine: Engine, actor: Actor, assessment_id: int, zip_bytes: bytes,
           on_progress: Progress | None = None, files: LocalStore | None = None) -> int:
    """Check the archive again (as ``preview``; a preview is never trusted) and attach every
    accepted file in one transaction, each with its own ``evidence.add`` audit row (as a
    single upload, plus ``via: bulk`` and the path in the ZIP): all of them or, if anything
    fails, none. ``on_progress`` reports phase ``"check"`` then ``"store"``. Returns how many
    files were attached."""
    store = files or evidence_store()
    with Session(engine) as s:
        a, fw = _gate(s, actor, assessment_id)
        zf, rows = _evaluate(s, actor, a, fw, zip_bytes, on_progress)
        with zf:
            accepted = [r for r in rows if r["status"] == ATTACH]
            for n, r in enumerate(accepted, start=1):
                with zf.open(r["_info"]) as fh:
                    data = fh.read(r["size"] + 1)
                stored = store.put(data)
                if stored.sha256 != r["_sha256"]:  # the bytes in memory cannot change
                    raise RuntimeError(f"{r['file']}: the content changed while attaching")
                shown = display_name(r["file"])
                ev = Evidence(answer_id=r["_answer_id"], original_filename=shown,
                              sha256=stored.sha256, size=stored.size, media_type=r["_mime"],
                              storage_key=stored.key, uploaded_by=actor.username)
                s.add(ev)
                s.flush()
                audit.record(s.connection(), actor, "evidence.add", "evidence", ev.id,
                             region_kode=a.region_kode, assessment_id=a.id,
                             question=r["question_id"], file=shown, sha256=stored.sha256,
                             size=stored.size, via="bulk", path=r["file"])
                if on_progress is not None:
                    on_progress("store", n, len(accepted))
        if not accepted:
            return 0
        a.updated_at = utcnow()
        s.add(a)
        s.commit()
    return len(accepted)
