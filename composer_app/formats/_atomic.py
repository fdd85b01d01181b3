"""Atomic file writes: a temporary file in the same folder, flushed, then renamed over the target.

* A symbolic link is written through: the file it points to gets the new content and the link
  stays a link (a link that loops is refused).
* A read-only file, or anything that is not a regular file (a device, a FIFO), is refused with the
  reason; it is never replaced.
* The temporary file is ``.NAME.XXXXXXXX.tmp`` (``tempfile.mkstemp``), locked (``flock``) while it
  is written. One left behind by a save that was killed is removed by the next save of the same
  file: only names of exactly that pattern, owned by this user, untouched for
  :data:`STALE_AFTER_S` seconds and not locked by a live save.
"""

from __future__ import annotations

import errno
import os
import re
import stat
import tempfile
import time
from pathlib import Path

from ..errors import FileFormatError

try:
    import fcntl
except ImportError:  # Windows: a file another process holds open cannot be deleted there anyway
    fcntl = None  # type: ignore[assignment]  # only Windows lacks it; the lock is then skipped

#: A temporary file untouched for this long, and not locked, belongs to a save that died.
STALE_AFTER_S = 600
#: ``tempfile.mkstemp``'s random part of a name.
_RANDOM_PART = re.compile(r"[a-z0-9_]{8}")
_TMP_SUFFIX = ".tmp"


def write_target(path: str | Path) -> Path:
    """Where a write to ``path`` lands: the file a symbolic link points to (followed to its end), or
    ``path`` itself. A link that loops, or a target that is read-only, a folder, a device or a FIFO,
    is a :class:`FileFormatError` naming ``path``."""
    path = Path(path)
    target = path
    if os.path.islink(path):
        try:
            os.stat(path)
        except OSError as exc:
            if exc.errno == errno.ELOOP:
                raise FileFormatError(path, "is a symbolic link that loops back on itself; "
                                            "choose another name or remove the link") from None
        target = Path(os.path.realpath(path))  # a dangling link: its file is created
    try:
        st = os.stat(target)
    except FileNotFoundError:
        return target
    except OSError as exc:
        raise FileFormatError(path, f"cannot be written ({exc.strerror or exc})") from None
    if stat.S_ISDIR(st.st_mode):
        raise FileFormatError(path, "is a folder; choose a file name")
    if not stat.S_ISREG(st.st_mode):
        raise FileFormatError(path, "is not a regular file (a device, FIFO or socket); choose a file to write")
    if not st.st_mode & 0o222 or not os.access(target, os.W_OK):
        raise FileFormatError(path, "is read-only; save under another name, or make the file writable first")
    return target


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Write ``data`` to ``path`` so that a crash leaves either the old file or the new one, never half."""
    path = Path(path)
    target = write_target(path)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.is_dir():
        raise FileFormatError(path, f"the folder {folder} does not exist")
    remove_stale_temporaries(target)
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=_TMP_SUFFIX, dir=folder)
    except OSError as exc:
        raise FileFormatError(path, f"cannot be written ({exc.strerror or exc})") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            if fcntl is not None:
                fcntl.flock(fh.fileno(), fcntl.LOCK_EX)  # "a live save": see remove_stale_temporaries
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
            _copy_mode(tmp, target)
            if fcntl is not None:
                os.replace(tmp, target)  # under the lock: never seen unlocked under its .tmp name
        if fcntl is None:
            os.replace(tmp, target)  # Windows renames only a closed file
    except OSError as exc:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise FileFormatError(path, f"cannot be written ({exc.strerror or exc})") from None


def _copy_mode(tmp: str, target: Path) -> None:
    """The new file keeps the old one's permissions (a new file: the umask's)."""
    try:
        os.chmod(tmp, target.stat().st_mode & 0o777)
        return
    except FileNotFoundError:
        pass
    except OSError:
        return
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(tmp, 0o666 & ~umask)


def remove_stale_temporaries(path: str | Path, *, older_than: float = STALE_AFTER_S) -> int:
    """Delete the ``.NAME.XXXXXXXX.tmp`` files that killed saves of ``path`` left behind; returns
    how many. Only that exact pattern, only regular files of this user untouched for ``older_than``
    seconds, and only when no live process holds the file's lock."""
    path = Path(path)
    prefix = f".{path.name}."
    try:
        entries = list(os.scandir(path.parent if str(path.parent) else "."))
    except OSError:
        return 0
    now = time.time()
    removed = 0
    for entry in entries:
        name = entry.name
        if not (name.startswith(prefix) and name.endswith(_TMP_SUFFIX)
                and _RANDOM_PART.fullmatch(name[len(prefix):-len(_TMP_SUFFIX)])):
            continue
        try:
            st = entry.stat(follow_symlinks=False)
        except OSError:
            continue
        if not stat.S_ISREG(st.st_mode) or now - st.st_mtime < older_than:
            continue
        if hasattr(os, "getuid") and st.st_uid != os.getuid():
            continue
        removed += _remove_if_unlocked(entry.path, st)
    return removed


def _remove_if_unlocked(name: str, st: os.stat_result) -> bool:
    if fcntl is None:
        try:
            os.unlink(name)
        except OSError:
            return False
        return True
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0)
    try:
        fd = os.open(name, flags)
    except OSError:
        return False
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            return False  # a save in progress holds it
        now = os.fstat(fd)
        if (now.st_dev, now.st_ino) != (st.st_dev, st.st_ino):
            return False  # replaced since we looked
        os.unlink(name)
        return True
    except OSError:
        return False
    finally:
        os.close(fd)
