"""Reading and writing files, chosen by extension. Pure Python, no Qt.

* ``.composer`` — the native project file (versioned JSON; everything in the score);
* ``.mid`` / ``.midi`` — Standard MIDI Files (mido), chord symbols as marker events on a "Chords" track;
* ``.musicxml`` / ``.xml`` / ``.mxl`` — MusicXML (music21), chord symbols as ``<harmony>``;
* ``.abc`` — ABC, read only (music21); ``tune`` picks a tune of a multi-tune file by its ``X:`` number.

Every failure raises :class:`~composer_app.errors.FileFormatError` naming the file and the reason.
"""

from __future__ import annotations

from pathlib import Path

from ..errors import FileFormatError
from ..score import Score
from ._atomic import write_target
from ._common import MAX_TICK, check_regular_file

#: Changes whenever a reader's output for the same file may change: caches of parsed scores
#: (the music LM corpus cache) should include it in their key.
READERS_VERSION = "6"  # 5: pickups stay partial first bars; 6: MIDI running status after sysex, ABC without L:/M:, 1/64

PROJECT_EXTENSION = ".composer"
SUPPORTED_READ: tuple[str, ...] = (PROJECT_EXTENSION, ".mid", ".midi", ".musicxml", ".xml", ".mxl", ".abc")
SUPPORTED_WRITE: tuple[str, ...] = (PROJECT_EXTENSION, ".mid", ".midi", ".musicxml", ".xml", ".mxl")

_FILTERS_READ = [
    ("All supported files", SUPPORTED_READ),
    ("Composer Assistant projects", (PROJECT_EXTENSION,)),
    ("MIDI files", (".mid", ".midi")),
    ("MusicXML files", (".musicxml", ".xml", ".mxl")),
    ("ABC files", (".abc",)),
]
_FILTERS_WRITE = [
    ("Composer Assistant project", (PROJECT_EXTENSION,)),
    ("MIDI file", (".mid", ".midi")),
    ("MusicXML file", (".musicxml", ".xml")),
    ("Compressed MusicXML", (".mxl",)),
]


def dialog_filters(for_write: bool = False) -> str:
    """A Qt file-dialog filter string, e.g. ``"MIDI files (*.mid *.midi);;..."`` (no Qt needed)."""
    groups = _FILTERS_WRITE if for_write else _FILTERS_READ
    return ";;".join(f"{label} ({' '.join('*' + e for e in exts)})" for label, exts in groups)


def _suffix(path: Path) -> str:
    return path.suffix.lower()


def _unsupported(path: Path, supported: tuple[str, ...], verb: str) -> FileFormatError:
    ext = _suffix(path) or "(no extension)"
    if verb == "written" and ext == ".abc":
        return FileFormatError(path, "ABC files can be imported but not written; choose .composer, .mid, .musicxml or .mxl")
    return FileFormatError(path, f"unsupported file type '{ext}' (files that can be {verb}: {', '.join(supported)})")


def check_extension(path: str | Path, for_write: bool = False) -> None:
    """Raise :class:`FileFormatError` now if ``path``'s extension cannot be read (or written)."""
    path = Path(path)
    supported = SUPPORTED_WRITE if for_write else SUPPORTED_READ
    if _suffix(path) not in supported:
        raise _unsupported(path, supported, "written" if for_write else "read")


def check_readable(path: str | Path) -> None:
    """Raise :class:`FileFormatError` now unless ``path`` is a readable file of a supported type
    (a missing file, a folder, a device, a FIFO or a looping symbolic link says which)."""
    check_extension(path)
    check_regular_file(Path(path))


def check_writable(path: str | Path) -> Path:
    """Raise :class:`FileFormatError` now unless ``path`` can be written (a supported type; not a
    read-only file, a folder, a device or a looping link); returns the file a write lands in (the
    one a symbolic link points to)."""
    check_extension(path, for_write=True)
    return write_target(path)


def read(path: str | Path, *, tune: int | None = None, expand_repeats: bool = False) -> Score:
    """Read any supported file into a :class:`Score` (``tune``: ABC ``X:`` number; ``expand_repeats``:
    write an ABC tune's repeats out in full; both ignored for other formats)."""
    path = Path(path)
    ext = _suffix(path)
    if ext not in SUPPORTED_READ:
        raise _unsupported(path, SUPPORTED_READ, "read")
    check_regular_file(path)  # before any reader: a FIFO, device or looping link is refused here
    try:
        if ext == PROJECT_EXTENSION:
            from .project import read_project

            return read_project(path)
        if ext in (".mid", ".midi"):
            from .midi import read_midi

            return read_midi(path)
        if ext in (".musicxml", ".xml", ".mxl"):
            from .musicxml import read_musicxml

            return read_musicxml(path)
        from .abc import read_abc

        return read_abc(path, tune, expand_repeats=expand_repeats)
    except FileFormatError:
        raise
    except RecursionError:
        raise FileFormatError(path, "the file is too deeply nested to read") from None
    except MemoryError:
        raise FileFormatError(path, "the file is too large to read") from None
    except Exception as exc:  # a last guard: bad input must never escape as another exception type
        raise FileFormatError(path, f"could not be read ({type(exc).__name__}: {exc})") from None


def list_tunes(path: str | Path):
    """The tunes of an ABC file as :class:`~composer_app.formats.abc.TuneInfo` (index, X: number, title)."""
    from .abc import list_tunes as _list_tunes

    return _list_tunes(path)


def write(score: Score, path: str | Path) -> None:
    """Write ``score`` in the format given by the extension of ``path`` (atomically)."""
    path = Path(path)
    ext = _suffix(path)
    if ext not in SUPPORTED_WRITE:
        raise _unsupported(path, SUPPORTED_WRITE, "written")
    try:
        if ext == PROJECT_EXTENSION:
            from .project import write_project

            return write_project(score, path)
        if ext in (".mid", ".midi"):
            from .midi import write_midi

            return write_midi(score, path)
        from .musicxml import write_musicxml

        return write_musicxml(score, path)
    except FileFormatError:
        raise
    except Exception as exc:
        raise FileFormatError(path, f"could not be written ({type(exc).__name__}: {exc})") from None


__all__ = ["read", "write", "list_tunes", "check_extension", "check_readable", "check_writable", "dialog_filters", "SUPPORTED_READ", "SUPPORTED_WRITE", "PROJECT_EXTENSION", "READERS_VERSION",
           "FileFormatError", "MAX_TICK"]
