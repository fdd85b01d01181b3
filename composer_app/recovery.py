"""Crash recovery files: the unsaved work of each running editor, kept in the user data folder.

Every editor session owns one recovery file, ``<session>.composer`` in ``<user data>/recovery``:
an ordinary project file (so it also opens with File > Open) with an extra ``"recovery"`` object
saying which file it belongs to, its display name and when it was written. It is written
atomically (temporary file, then rename), so a crash while autosaving leaves the previous copy.

A session also holds an operating-system lock on ``<session>.lock`` for as long as it runs
(:mod:`filelock`: ``fcntl.flock`` on Linux and macOS, ``msvcrt.locking`` on Windows). The OS drops
that lock when the process ends in any way, a crash or ``kill -9`` included, so "its lock can be
taken" means "the editor that wrote this file is gone": that file is an *orphan*, unsaved work to
offer at the next start. A file whose editor still runs (a second window of the app) is never
offered. No Qt here: the autosave timer is :mod:`composer_app.document.autosave`.
"""

from __future__ import annotations

import json
import os
import secrets
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from filelock import FileLock, Timeout

from .errors import ComposerError, FileFormatError
from .formats._atomic import atomic_write_bytes
from .formats.project import score_from_dict, score_to_dict
from .paths import user_data
from .score import Score

SUFFIX = ".composer"
LOCK_SUFFIX = ".lock"


def recovery_dir() -> Path:
    return user_data() / "recovery"


@dataclass(frozen=True)
class RecoveryEntry:
    """One orphaned recovery file: what it is and when it was written."""

    path: Path
    session: str
    saved_at: float  # seconds since the epoch
    name: str  # the document's display name then ("Untitled", "song.composer" ...)
    source: str | None  # the project file it belongs to, if it had one
    notes: int
    chords: int

    @property
    def saved_at_text(self) -> str:
        return datetime.fromtimestamp(self.saved_at).strftime("%Y-%m-%d %H:%M:%S")

    def describe(self, now: float | None = None) -> str:
        """One line for the recovery dialog: name, size and age."""
        age = max(0.0, (now or time.time()) - self.saved_at)
        if age < 90:
            ago = "just now" if age < 10 else f"{int(age)} seconds ago"
        elif age < 90 * 60:
            ago = f"{round(age / 60)} minutes ago"
        elif age < 36 * 3600:
            ago = f"{round(age / 3600)} hours ago"
        else:
            ago = f"{round(age / 86400)} days ago"
        def count(n: int, what: str) -> str:
            return f"{n} {what}" + ("" if n == 1 else "s")

        return (f"{self.name}: {count(self.notes, 'note')}, {count(self.chords, 'chord')}, "
                f"autosaved {ago} ({self.saved_at_text})")

    def load(self) -> Score:
        """The recovered score (raises :class:`FileFormatError` naming the file if it is damaged)."""
        return _read(self.path)[0]


def _read(path: Path) -> tuple[Score, dict]:
    try:
        doc = json.loads(path.read_bytes().decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise FileFormatError(path, f"the recovery file is damaged ({exc})") from None
    try:
        score = score_from_dict(doc)
    except (ComposerError, ValueError, TypeError) as exc:
        raise FileFormatError(path, f"the recovery file is damaged ({exc})") from None
    meta = doc.get("recovery") if isinstance(doc.get("recovery"), dict) else {}
    return score, meta


class RecoverySession:
    """The recovery file of the running editor. ``write`` replaces it; ``remove`` deletes it.

    A recovered orphan is *adopted* (:meth:`adopt`): this session holds its lock, so no other
    editor offers it, and deletes it only with its own copy, when the work is saved or the composer
    drops it. Until then a crash leaves it to be offered again: undoing past the recovery (which
    rewrites this session's copy) can never lose the recovered work.
    """

    def __init__(self, folder: Path, session: str):
        self.folder = folder
        self.session = session
        self.path = folder / f"{session}{SUFFIX}"
        self._lock = FileLock(folder / f"{session}{LOCK_SUFFIX}")
        self._lock.acquire(timeout=0)
        self._adopted: list[tuple[Path, FileLock]] = []

    @property
    def adopted(self) -> list[Path]:
        """The recovered orphans this session keeps until the work is saved."""
        return [path for path, _ in self._adopted]

    def adopt(self, entry: RecoveryEntry) -> bool:
        """Keep ``entry``'s file (and hold its lock) until :meth:`remove`; False if another running
        editor holds it already."""
        lock = FileLock(self.folder / f"{entry.session}{LOCK_SUFFIX}")
        try:
            lock.acquire(timeout=0)
        except (Timeout, OSError):
            return False
        self._adopted.append((entry.path, lock))
        return True

    @property
    def exists(self) -> bool:
        return self.path.exists()

    def write(self, score: Score, *, name: str, source: str | Path | None) -> None:
        """Replace the recovery file with ``score`` (atomic). Raises :class:`FileFormatError`."""
        doc = score_to_dict(score)
        doc["recovery"] = {"session": self.session, "name": name, "source": str(source) if source else None,
                           "saved_at": time.time(), "pid": os.getpid()}
        try:
            data = json.dumps(doc, ensure_ascii=False, separators=(",", ":"), default=str).encode("utf-8")
        except (TypeError, ValueError) as exc:
            raise FileFormatError(self.path, f"could not be written ({exc})") from None
        self.folder.mkdir(parents=True, exist_ok=True)
        atomic_write_bytes(self.path, data)

    def remove(self) -> None:
        """Delete the recovery file and the adopted orphans (the work is saved, or the composer
        chose to drop it)."""
        _unlink(self.path)  # never raises: a copy that cannot be deleted is only clutter
        for path, lock in self._adopted:
            _unlink(path)
            lock.release(force=True)
            _unlink(lock.lock_file)
        self._adopted.clear()

    def close(self, *, keep: bool = False) -> None:
        """End the session: delete the files unless ``keep``, then release the locks."""
        if not keep:
            self.remove()
        for _, lock in self._adopted:  # kept: offered again at the next start
            lock.release(force=True)
        self._adopted.clear()
        if self._lock.is_locked:
            self._lock.release(force=True)
        if not self.exists:
            _unlink(self._lock.lock_file)


class RecoveryStore:
    """The recovery folder: start this editor's session, find and discard orphans."""

    def __init__(self, folder: str | Path | None = None):
        self.folder = Path(folder) if folder is not None else recovery_dir()

    def start_session(self) -> RecoverySession:
        self.folder.mkdir(parents=True, exist_ok=True)
        session = f"{time.strftime('%Y%m%d-%H%M%S')}-{os.getpid()}-{secrets.token_hex(3)}"
        return RecoverySession(self.folder, session)

    def orphans(self) -> list[RecoveryEntry]:
        """Recovery files whose editor is gone, newest first. Damaged files are listed too (their
        name says so), so the composer can still discard them; files of running editors are not."""
        if not self.folder.is_dir():
            return []
        entries = []
        for path in self.folder.glob(f"*{SUFFIX}"):
            session = path.name[: -len(SUFFIX)]
            if not _owner_gone(self.folder / f"{session}{LOCK_SUFFIX}"):
                continue
            try:
                score, meta = _read(path)
            except FileFormatError:
                stat_time = _mtime(path)
                entries.append(RecoveryEntry(path, session, stat_time, f"{path.name} (damaged)", None, 0, 0))
                continue
            saved_at = meta.get("saved_at")
            entries.append(RecoveryEntry(
                path, session,
                float(saved_at) if isinstance(saved_at, (int, float)) else _mtime(path),
                str(meta.get("name") or "Untitled"),
                meta.get("source") if isinstance(meta.get("source"), str) else None,
                sum(len(t.notes) for t in score.tracks), len(score.chords)))
        entries.sort(key=lambda e: -e.saved_at)
        return entries

    def discard(self, entry: RecoveryEntry) -> None:
        """Delete an orphan's files (only if its editor is still gone)."""
        lock = self.folder / f"{entry.session}{LOCK_SUFFIX}"
        if not _owner_gone(lock):
            return
        _unlink(entry.path)
        _unlink(lock)


def _owner_gone(lock_path: Path) -> bool:
    """True when no running process holds ``lock_path`` (taken and released again at once)."""
    lock = FileLock(lock_path)
    try:
        lock.acquire(timeout=0)
    except Timeout:
        return False
    except OSError:
        return True  # no lock file can be made: treat the file as orphaned, never hide it
    lock.release(force=True)
    return True


def _mtime(path: Path) -> float:
    try:
        return path.stat().st_mtime
    except OSError:
        return time.time()


def _unlink(path: str | Path) -> None:
    try:
        os.unlink(path)
    except OSError:
        pass
