"""One pass over the inbox: every file that lands gets exactly one verdict.

The flow for each file is arrival (stable, not a temporary file) -> taken into
state/incoming/ -> screened and read in a child process -> recognised and
validated -> verdict recorded in the store in one transaction -> moved to the
archive (accepted) or quarantine (rejected). A crash at any point leaves the
file either in the inbox, in incoming/ (picked up again next pass), or with a
recorded verdict that the next pass finishes carrying out.

Each commit costs an fsync, longer than reading a return, so commits are
shared: one records every arrival of the pass, and one records the verdicts
of a batch of files (BATCH_SECONDS of work) together with where the previous
batch's files went. A file leaves incoming/ only after its verdict's commit.

Why one module past 400 lines: a file's journey from the inbox to its verdict's folder and the
recovery after a crash are one set of invariants (where a file may be, what the store says of it);
split, each half would hold only part of the promise that nothing is lost or counted twice.
"""

from __future__ import annotations

import errno
import hashlib
import logging
import os
import shutil
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path

from pipeline.domain.calendar import part_quarter
from pipeline.domain.clock import iso, utc_now
from pipeline.domain.errors import PipelineError
from pipeline.domain.findings import Finding, finding, has_errors, internal_error
from pipeline.domain.history import FileRecord
from pipeline.domain.periods import parse_period
from pipeline.domain.records import Register
from pipeline.domain.settings import Config
from pipeline.domain.verdicts import Verdict
from pipeline.domain.wording import STORED_AT, clean_name, uk_date
from pipeline.store import STOPS_THE_PASS, Store
from pipeline.support.atomic import inside

log = logging.getLogger(__name__)

INCOMING = "incoming"
# Verdicts given in this much time share one commit: long enough to spread its fsync over
# dozens of files, short enough that a killed pass loses little work and the store's
# write lock is never held for long.
BATCH_SECONDS = 0.25
_FOLDER_DEPTH = 5  # an officer drops a folder of returns, perhaps with a folder or two inside


@dataclass(frozen=True)
class Outcome:
    """What happened to one file in this pass."""

    file_id: int
    name: str
    verdict: Verdict  # accepted, rejected or duplicate: never pending once a pass has decided it
    reason: str
    period: str
    partnership: str
    findings: tuple[Finding, ...]
    destination: str


@dataclass
class PassReport:
    outcomes: list[Outcome] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # temporary and hidden files
    waiting: list[str] = field(default_factory=list)  # still being copied
    ready_in: dict[str, float] = field(default_factory=dict)  # a waiting file -> seconds until it has settled
    not_read: list[NotRead] = field(default_factory=list)  # links, special files, unreadable folders
    register: Register | None = None  # read by the pass when it examined a file; the cycle reuses it

    @property
    def accepted(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict == Verdict.ACCEPTED]

    @property
    def rejected(self) -> list[Outcome]:
        return [o for o in self.outcomes if o.verdict == Verdict.REJECTED]


def is_temporary(name: str) -> bool:
    """Office lock files, editor leftovers and hidden files are never returns."""
    return name.startswith(("~$", ".~lock", ".")) or name.endswith(("~", ".tmp", ".part", ".crdownload"))


def arrivals(inbox: Path, settle_seconds: float, now: datetime, report: PassReport) -> list[Path]:
    """Files in the inbox, or in folders dropped into it, that have stopped changing, oldest first.

    Links and special files are never read (a link could point anywhere on the machine):
    they stay where they are and the pass says so, as it does for files still being copied.
    Folders stay too, emptied: an inbox may be organised in standing folders of its own.
    """
    ready: list[tuple[float, str, Path]] = []
    entries, unreadable = _entries(inbox)
    for folder, why in unreadable:
        _not_read(report, readable(str(folder) if Path(folder) == Path(inbox) else os.path.relpath(folder, inbox)), why)
    for entry in entries:
        shown = readable(os.path.relpath(entry.path, inbox))
        if is_temporary(entry.name):
            if entry.name != ".gitkeep":
                log.info("Ignoring temporary or hidden %s %s", "folder" if entry.is_dir() else "file", shown)
                report.ignored.append(shown)
            continue
        if entry.is_symlink() or not entry.is_file(follow_symlinks=False):
            _not_read(
                report,
                shown,
                "a link or special file, left where it is; copy the return itself into the inbox"
                if entry.is_symlink()
                else "not a regular file, left where it is",
            )
            continue
        try:
            changed = entry.stat(follow_symlinks=False).st_mtime
        except FileNotFoundError:  # deleted or renamed (Excel's own temporary file) since the folder was read
            continue
        if now.timestamp() - changed < settle_seconds:
            log.info("Waiting for %s: it changed %.0f s ago and may still be copying", shown, now.timestamp() - changed)
            report.waiting.append(shown)
            report.ready_in[shown] = max(0.0, settle_seconds - (now.timestamp() - changed))
            continue
        ready.append((changed, entry.name, Path(entry.path)))
    return [path for _changed, _name, path in sorted(ready)]


def expecting_files(inbox: Path) -> bool:
    """Whether the inbox holds a file a pass would read (settled or not), said without logging anything."""
    entries, _unreadable = _entries(inbox)
    return any(not is_temporary(e.name) and e.is_file(follow_symlinks=False) for e in entries)


@dataclass(frozen=True)
class NotRead:
    """Something in the inbox the pass leaves where it is, and why, in words for the officer."""

    name: str
    why: str


def _not_read(report: PassReport, name: str, why: str) -> None:
    log.warning("Not reading %s: %s", name, why)
    report.not_read.append(NotRead(name, why))


def _entries(folder: Path, depth: int = 0) -> tuple[list[os.DirEntry], list[tuple[str, str]]]:
    """Every file (or link, or special file) under `folder`, and hidden folders themselves, by name;
    with the folders that could not be read and why."""
    if depth > _FOLDER_DEPTH:
        return [], [
            (
                str(folder),
                f"folders inside the inbox are read {_FOLDER_DEPTH} deep at most; move the returns nearer the top",
            )
        ]
    try:
        with os.scandir(folder) as scan:
            entries = sorted(scan, key=lambda e: e.name)
    except FileNotFoundError:
        if depth == 0:  # the inbox itself: a pass that said "nothing new" would hide a wrong path for ever
            return [], [
                (str(folder), "the inbox folder does not exist; create it, or correct paths.inbox in config.toml")
            ]
        return [], []
    except OSError as exc:  # a folder the pipeline may not read: say so rather than pass over it
        return [], [(str(folder), f"the folder cannot be read ({exc.strerror or exc}); check its permissions")]
    found, unreadable = [], []
    for entry in entries:
        if entry.is_dir(follow_symlinks=False) and not is_temporary(entry.name):
            more, bad = _entries(Path(entry.path), depth + 1)
            found += more
            unreadable += bad
        else:
            found.append(entry)
    return found, unreadable


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _fitting(name: str, limit: int = 200) -> str:
    """The name cut to `limit` UTF-8 bytes, extension kept: stored and feedback names add up to 44
    bytes, and most file systems refuse a name over 255 (the database keeps the full name)."""
    data = name.encode("utf-8")
    if len(data) <= limit:
        return name
    suffix = Path(name).suffix[:16]
    return data[: limit - len(suffix.encode("utf-8"))].decode("utf-8", "ignore") + suffix


def readable(name: str) -> str:
    """A file name as text that can be shown, stored and written anywhere: bytes that are not UTF-8
    (a name made on an old Windows or Mac share) become U+FFFD instead of failing every pass, and a
    line break, control or bidi character in it (wording.clean_name) never reaches a mail header,
    a file name or a log line. The file is stored, and known to the store, by this name."""
    return clean_name(name.encode("utf-8", "surrogateescape").decode("utf-8", "replace"))


def take_in(
    config: Config, store: Store, paths: list[Path], received: datetime, report: PassReport | None = None
) -> None:
    """Move arrived files into incoming/ under their received names, then record them in one commit.

    `received` is the pass's clock, not the files' modification times: copying keeps
    an old mtime, and lateness against the deadline is judged on arrival. A kill
    before the commit leaves unrecorded files in incoming/, which recover_incoming records.
    A file that cannot be read or moved (permissions) stays where it is, named in `report`.
    """
    if not paths:
        return
    received = received.astimezone(UTC)
    stamp = f"{received:%Y%m%dT%H%M%SZ}"
    with store.transaction():
        for path in paths:
            shown = readable(path.name)
            try:
                size, sha, name = path.stat().st_size, _sha256(path), _fitting(shown)
            except FileNotFoundError:  # taken back by whoever dropped it, since the inbox was read
                log.info("%s went from the inbox before it was taken in", shown)
                continue
            except OSError as exc:
                _left(report, config, path, f"it cannot be read ({exc.strerror or exc}); check its permissions")
                continue
            relative = f"{INCOMING}/{stamp}-{sha[:12]}-{name}"
            copies = 1
            # The same bytes under the same name in the same second as a file an interrupted
            # pass left in incoming/: os.replace would silently merge the two into one.
            while (config.paths.state / relative).exists():
                copies += 1
                relative = f"{INCOMING}/{stamp}-{sha[:12]}.{copies}-{name}"
            target = inside(config.paths.state, relative)
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                _move(path, target)
            except FileNotFoundError:
                log.info("%s went from the inbox before it was taken in", shown)
                continue
            except OSError as exc:
                _left(
                    report,
                    config,
                    path,
                    f"it cannot be moved out of the inbox ({exc.strerror or exc}); "
                    "the pipeline needs permission to change the inbox folder",
                )
                continue
            file_id = store.add_file(sha256=sha, name=shown, size=size, received_at=iso(received), location=relative)
            # An e-mailed attachment written to the inbox by the mailbox fetch: its message is this file's origin.
            # The fetch writes clean names at the top of the inbox only: a name not UTF-8 is never one of them.
            if shown == path.name and path.parent == config.paths.inbox:
                store.link_mail_file("inbox/" + path.name, sha, file_id)


def _move(path: Path, target: Path) -> None:
    """os.replace, or for an inbox on another file system (a network share) a copy beside the target,
    renamed into place, and only then the original removed: a kill in between leaves the file in both
    places, and the copy taken in again is a duplicate, never a loss."""
    try:
        os.replace(path, target)
        return
    except OSError as exc:
        if exc.errno != errno.EXDEV:
            raise
    partial = target.with_name(f".{target.name}.part")
    try:
        shutil.copyfile(path, partial)
        with open(partial, "rb") as handle:
            os.fsync(handle.fileno())
        os.replace(partial, target)
    finally:
        partial.unlink(missing_ok=True)
    path.unlink()


def _left(report: PassReport | None, config: Config, path: Path, why: str) -> None:
    name = readable(os.path.relpath(path, config.paths.inbox))
    if report is not None:
        _not_read(report, name, why)
    else:
        log.warning("Not reading %s: %s", name, why)


def recover_incoming(config: Config, store: Store) -> None:
    """Record files a killed run moved into incoming/ but had not yet written down."""
    folder = config.paths.state / INCOMING
    if not folder.is_dir():
        return
    unrecorded = [
        entry
        for entry in sorted(folder.iterdir())
        if entry.is_file() and store.file_at(f"{INCOMING}/{entry.name}") is None
    ]
    if not unrecorded:
        return
    with store.transaction():
        for entry in unrecorded:
            if entry.name.startswith("."):  # a copy from another file system, cut short: the original
                entry.unlink(missing_ok=True)  # is still in the inbox, as it is removed only after the copy
                continue
            found = STORED_AT.match(entry.name)
            if found:
                name = clean_name(found.group(2))
                received = datetime.strptime(found.group(1), "%Y%m%dT%H%M%SZ").replace(tzinfo=UTC)
            else:  # put there by hand: taken as received when it was last changed
                name = readable(entry.name)
                received = datetime.fromtimestamp(entry.stat().st_mtime, UTC)
            log.info("Recovering %s, taken in by an interrupted run", name)
            store.add_file(
                sha256=_sha256(entry),
                name=name,
                size=entry.stat().st_size,
                received_at=iso(received),
                location=f"{INCOMING}/{entry.name}",
            )


def _destination(
    verdict: Verdict, record: FileRecord, period_slug: str, partnership: str, original: FileRecord | None
) -> str:
    stored_name = clean_name(record.location.rsplit("/", 1)[-1])  # taken in before names were cleaned
    if verdict == Verdict.DUPLICATE and original is not None and original.destination:
        folder = original.destination.rsplit("/", 1)[0]
        return f"{folder}/duplicates/{stored_name}"
    if verdict == Verdict.ACCEPTED:
        return f"archive/{period_slug}/{partnership}/{stored_name}"
    return f"quarantine/{stored_name}"


def finish_move(config: Config, store: Store, record: FileRecord) -> None:
    """Carry out a recorded (committed) verdict: move the file to its destination (idempotent).

    The new location may be recorded lazily, in the caller's next commit: if that is lost,
    the next pass finds the file already at its destination and records it then.
    """
    if record.destination is None or record.location == record.destination:
        return
    source = config.paths.state / record.location
    target = inside(config.paths.state, record.destination)
    target.parent.mkdir(parents=True, exist_ok=True)
    if record.verdict in (Verdict.REJECTED, Verdict.DUPLICATE):
        reason = target.with_name(target.name + ".reason.txt")
        findings = store.findings_for(record.id)
        lines = [f"{record.name}: {record.reason}", ""] + [f.line() for f in findings]
        reason.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if source.exists():
        os.replace(source, target)
    elif not target.exists():
        log.error("File %s is missing from %s; its verdict (%s) is recorded", record.name, source, record.verdict)
    store.moved(record.id, record.destination)


def run_pass(
    config: Config,
    store: Store,
    *,
    now: Callable[[], datetime] = utc_now,
    progress: Callable[[str], None] | None = None,
) -> PassReport:
    """Take in what has arrived and give every pending file its verdict."""
    report = PassReport()
    started = now()
    # Settling is judged on the machine's own clock: `now` may be a back-dated receipt time.
    take_in(
        config, store, arrivals(config.paths.inbox, config.ingest.settle_seconds, utc_now(), report), started, report
    )
    recover_incoming(config, store)
    queue = deque(store.pending_files())
    if not queue:
        return report
    from pipeline.intake.examine import Examiner  # lazy: needs the register and the readers

    with Examiner(config, store) as examiner:
        report.register = examiner.register
        examiner.pool.read_ahead(config.paths.state / r.location for r in queue if r.verdict == Verdict.PENDING)
        decided: list[FileRecord] = []
        while queue or decided:
            with store.transaction():
                for record in decided:  # their verdicts are committed, so the files may leave incoming/
                    finish_move(config, store, record)
                decided = _decide_batch(config, store, examiner, queue, now, progress, report)
    return report


def _decide_batch(
    config: Config,
    store: Store,
    examiner,
    queue: deque[FileRecord],
    now: Callable[[], datetime],
    progress: Callable[[str], None] | None,
    report: PassReport,
) -> list[FileRecord]:
    """Verdicts for files from the front of the queue, for about BATCH_SECONDS, inside the caller's commit."""
    batch: list[FileRecord] = []
    deadline = time.monotonic() + BATCH_SECONDS
    while queue and (not batch or time.monotonic() < deadline):
        record = queue.popleft()
        if record.verdict == Verdict.PENDING:
            if progress:
                progress(record.name)
            record = _decide(config, store, examiner, record, now)
            report.outcomes.append(_outcome(store, record))
        batch.append(record)
    return batch


def _sent_again_after_quarter(original: FileRecord | None, record: FileRecord) -> bool:
    """Whether `record` is a part-quarter return sent again once its quarter is over: it is then the
    quarter's return, not a copy (the officer was told to send it again once the quarter ended)."""
    if original is None or original.verdict != Verdict.ACCEPTED or not original.period:
        return False
    try:
        period = parse_period(original.period)
    except PipelineError:
        return False
    return part_quarter(period, original.received_at) and not part_quarter(period, record.received_at)


def _decide(config: Config, store: Store, examiner, record: FileRecord, now: Callable[[], datetime]) -> FileRecord:
    original = store.decided_with_same_bytes(record.sha256, record.id)
    again = _sent_again_after_quarter(original, record)
    if original is not None and not again:
        reason = (
            f"The same file was received before as {original.name!r} on {uk_date(original.received_at)} "
            f"and was {original.verdict}; this copy is kept but not counted again."
        )
        fix = "No action is needed."
        later = store.replaced_by(original.id) if original.verdict == Verdict.ACCEPTED else None
        if later is not None:
            # A copy of an old file is far more often dropped again by accident (a whole folder of
            # e-mailed returns copied in twice) than meant to undo a correction: figures stay as
            # they are, and whoever meant it is told how.
            reason = (
                f"The same file was received before as {original.name!r} on {uk_date(original.received_at)}, "
                f"and {later.name!r}, received later, replaced it; this copy is kept but not counted."
            )
            fix = (
                f"If {original.name!r} has the right figures after all, open it, save it again and send it: "
                "a file saved again counts as a new return."
            )
        store.decide(
            record.id,
            verdict=Verdict.DUPLICATE,
            reason=reason,
            decided_at=iso(now()),
            destination=_destination(Verdict.DUPLICATE, record, "", "", original),
            findings=[finding("duplicate-file", reason, fix)],
            period=original.period,
            partnership=original.partnership,
            duplicate_of=original.id,
        )
        log.info("%s: duplicate of file %d", record.name, original.id)
        return store.file(record.id)
    path = config.paths.state / record.location
    try:
        examined = examiner.examine(path, record)
    except Exception as exc:  # a bug costs this file a verdict; unhandled, the file would stop every later run too
        if isinstance(exc, STOPS_THE_PASS):  # the store gone: no fault of this file's, and the pass stops
            raise
        log.exception("%s: could not be checked because of an internal error", record.name)
        from pipeline.intake.examine import Examined

        examined = Examined((internal_error(),))
    if again and original is not None:
        examined = replace(
            examined,
            findings=(
                *examined.findings,
                finding(
                    "period-not-ended",
                    f"This is the return received on {uk_date(original.received_at)}, before {original.period} "
                    "ended, sent again: it now counts as the quarter's return, but its figures were made before "
                    "the quarter was over.",
                    "Nothing to do if they are the quarter's final figures; if not, correct them and send it again.",
                ),
            ),
        )
    if examined.partnership:
        from pipeline.intake.mailbox.senders import mind_the_sender

        examined = mind_the_sender(store.mail_origin(record.id), examiner.register, examined)
    verdict = Verdict.REJECTED if has_errors(examined.findings) or examined.submission is None else Verdict.ACCEPTED
    if verdict == Verdict.ACCEPTED:
        reason = "Accepted" + (
            " as provisional (not signed off by the chair)" if not examined.submission.signed_off else ""
        )
    else:
        errors = [f for f in examined.findings if f.severity == "error"]
        reason = errors[0].message if len(errors) == 1 else f"{len(errors)} problems, first: {errors[0].line()}"
    destination = _destination(verdict, record, examined.period_slug, examined.partnership, None)
    inside(config.paths.state, destination)  # refused before it is recorded, or every later pass would stop on it
    store.decide(
        record.id,
        verdict=verdict,
        reason=reason,
        decided_at=iso(now()),
        destination=destination,
        findings=examined.findings,
        period=examined.period,
        partnership=examined.partnership,
        submission=examined.submission if verdict == Verdict.ACCEPTED else None,
    )
    if verdict == Verdict.ACCEPTED:
        examiner.remember(examined.submission)
    log.info("%s: %s (%s)", record.name, verdict, reason)
    return store.file(record.id)


def _outcome(store: Store, record: FileRecord) -> Outcome:
    return Outcome(
        file_id=record.id,
        name=record.name,
        verdict=Verdict(record.verdict),
        reason=record.reason,
        period=record.period,
        partnership=record.partnership,
        findings=tuple(store.findings_for(record.id)),
        destination=record.destination or "",
    )
