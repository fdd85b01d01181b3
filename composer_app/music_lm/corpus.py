"""Training corpora: find files, parse them once (cached), and split train/validation by title.

Sources: any file or folder of MIDI / MusicXML / ABC / project files (``--data``; the shared
``../shared/data`` holds Nottingham ABC and OpenEWLD MusicXML), and music21's bundled folk
collections (``oneills1850``, ``ryansMammoth``, ``airdsAirs``; melody only; quoted strings in
``ryansMammoth`` are fingerings, so its chords are not read).

Parsing with music21 is slow (0.1-0.5 s per tune), so each source file's parsed scores are
pickled in the cache folder, keyed by the file's path, size and modification time, the program
version and the readers' version (``formats.READERS_VERSION``); ``--reparse`` ignores the cache. Pure Python: no torch here.
"""

from __future__ import annotations

import hashlib
import os
import pickle
import re
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError, FileFormatError
from ..score import Score
from .pop909 import is_song_folder, read_song

EXTENSIONS = (".abc", ".mid", ".midi", ".musicxml", ".xml", ".mxl", ".composer")
POP909_GROUP = "pop909"
MUSIC21_FOLK = {"oneills1850": True, "ryansMammoth": False, "airdsAirs": True}  # name -> read chords
CACHE_VERSION = 1


@dataclass
class Piece:
    title: str
    source: str  # file path (and tune number for multi-tune ABC)
    score: Score


@dataclass(frozen=True)
class SourceFile:
    path: Path
    chords: bool = True
    group: str = "user"  # nottingham, openewld, oneills1850, ... (for reports)


def _group_of(path: Path) -> str:
    s = str(path).lower()
    for name in ("nottingham", "openewld", "oneills1850", "ryansmammoth", "airdsairs", "pop909"):
        if name in s:
            return name
    return "user"


def collect_files(paths, music21_corpus: bool = False) -> list[SourceFile]:
    """Every readable music file under ``paths`` (files or folders, recursive), plus music21's folk
    collections when asked. Raises :class:`DataError` for a missing path or when nothing is found."""
    out: list[SourceFile] = []
    for p in paths or []:
        p = Path(p)
        if not p.exists():
            raise DataError(f"{p}: no such file or folder")
        if p.is_file():
            if p.suffix.lower() not in EXTENSIONS:
                raise DataError(f"{p}: not a music file (expected one of {', '.join(EXTENSIONS)})")
            out.append(SourceFile(p, True, _group_of(p)))
            continue
        # POP909 song folders (NNN/NNN.mid + chord and beat annotations) are read whole: their MIDI
        # files alone carry no chords.
        songs = sorted(d for d in ([p] + [d for d in p.rglob("*") if d.is_dir()]) if is_song_folder(d))
        found = sorted(f for f in p.rglob("*") if f.is_file() and f.suffix.lower() in EXTENSIONS
                       and not is_song_folder(f.parent))
        if not found and not songs:
            raise DataError(f"{p}: the folder holds no MIDI, MusicXML, ABC or project files")
        out += [SourceFile(d, True, POP909_GROUP) for d in songs]
        out += [SourceFile(f, True, _group_of(f)) for f in found]
    if music21_corpus:
        from music21 import corpus

        for name, chords in MUSIC21_FOLK.items():
            out += [SourceFile(Path(f), chords, name.lower()) for f in sorted(corpus.getComposer(name))]
    if not out:
        raise DataError("no training data: give --data FOLDER (e.g. ../shared/data) or --music21-corpus")
    return out


def _readers_fingerprint() -> str:
    """What the parsed pieces depend on besides the file: this cache's layout, the program and the
    readers' version (``formats.READERS_VERSION`` changes whenever a reader's output may)."""
    from .. import __version__, formats

    return f"{CACHE_VERSION}-{__version__}-readers{formats.READERS_VERSION}"


def _cache_file(cache: Path, src: SourceFile, fingerprint: str) -> Path:
    st = (src.path / "chord_midi.txt").stat() if src.path.is_dir() else src.path.stat()
    key = f"{src.path.resolve()}|{st.st_size}|{int(st.st_mtime)}|{src.chords}|{fingerprint}"
    return cache / f"{hashlib.sha1(key.encode()).hexdigest()[:20]}.pkl"


def parse_file(src: SourceFile) -> tuple[list[Piece], list[str]]:
    """All pieces in one file, and one message per part that could not be read."""
    from .. import formats

    pieces, errors = [], []
    if src.path.is_dir():
        try:
            score = read_song(src.path)
            pieces.append(Piece(score.title, str(src.path), score))
        except FileFormatError as exc:
            errors.append(str(exc))
        return pieces, errors
    if src.path.suffix.lower() == ".abc":
        from ..formats.abc import iter_abc_tunes

        try:
            for info, result in iter_abc_tunes(src.path, chords=src.chords):
                if isinstance(result, Exception):
                    errors.append(str(result))
                else:
                    pieces.append(Piece(info.title or result.title or src.path.stem, f"{src.path}#X{info.number}", result))
        except FileFormatError as exc:
            errors.append(str(exc))
        return pieces, errors
    try:
        score = formats.read(src.path)
        pieces.append(Piece(score.title or src.path.stem, str(src.path), score))
    except FileFormatError as exc:
        errors.append(str(exc))
    return pieces, errors


def _parse_and_store(args) -> tuple[list[Piece], list[str]]:
    src, target = args
    pieces, errors = parse_file(src)
    tmp = target.with_suffix(f".{os.getpid()}.tmp")
    with open(tmp, "wb") as f:
        pickle.dump((pieces, errors), f, protocol=pickle.HIGHEST_PROTOCOL)
    os.replace(tmp, target)
    return pieces, errors


def load_corpus(sources: list[SourceFile], cache: str | Path | None = None, workers: int = 1,
                progress: bool = True, reparse: bool = False) -> tuple[list[Piece], list[str]]:
    """Parse (or load from the cache) every source; returns pieces and error messages."""
    from ..paths import cache_dir

    cache = Path(cache) if cache else cache_dir() / "parsed"
    cache.mkdir(parents=True, exist_ok=True)
    fp = _readers_fingerprint()
    results: dict[int, tuple[list[Piece], list[str]]] = {}
    todo = []
    for i, src in enumerate(sources):
        target = _cache_file(cache, src, fp)
        if target.exists() and not reparse:
            try:
                with open(target, "rb") as f:
                    results[i] = pickle.load(f)
                continue
            except Exception:  # a damaged cache entry is re-parsed
                pass
        todo.append((i, src, target))
    if todo:
        bar = _progress(len(todo), "parsing", progress)
        if workers > 1 and len(todo) > 1:
            with ProcessPoolExecutor(workers) as pool:
                for (i, _, _), res in zip(todo, pool.map(_parse_and_store, [(s, t) for _, s, t in todo], chunksize=4)):
                    results[i] = res
                    bar.update(1)
        else:
            for i, src, target in todo:
                results[i] = _parse_and_store((src, target))
                bar.update(1)
        bar.close()
    pieces, errors = [], []
    for i in range(len(sources)):
        p, e = results[i]
        pieces += [_named_as(piece, sources[i].path) for piece in p]
        errors += e
    return pieces, errors


_TUNE_SUFFIX = re.compile(r"#X\d+$")


def _named_as(piece: Piece, path: Path) -> Piece:
    """``piece`` with its ``source`` spelt as ``path`` is spelt now: the cache is keyed by the resolved
    path, so an entry parsed as ``../shared/data/x.abc`` is found again as ``/work/shared/data/x.abc``,
    and callers that look a piece's file up by its spelling (its collection, for reports) must see
    the spelling they asked for."""
    tune = _TUNE_SUFFIX.search(piece.source)
    source = str(path) + (tune.group(0) if tune else "")
    return piece if source == piece.source else Piece(piece.title, source, piece.score)


def _progress(total: int, desc: str, enabled: bool):
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="file", disable=not enabled, file=sys.stderr)


_PAREN = re.compile(r"\(.*?\)|\[.*?\]")
_WORDS = re.compile(r"\b(the|a|an|setting|version|variation|var|no|second|third|2nd|3rd|alt|alternative)\b")


def title_key(title: str) -> str:
    """Normalised title used to keep every setting of a tune on one side of the split."""
    m = re.fullmatch(r"POP909 (\d+)", title)
    if m:  # POP909 songs are known by number only
        return f"pop909-{m.group(1)}"
    t = _PAREN.sub(" ", title.lower())
    t = t.split(",")[0] if t.count(",") == 1 and len(t.split(",")[1].split()) <= 2 else t
    t = _WORDS.sub(" ", t)
    t = re.sub(r"[^a-z]+", "", t)
    return t or title.lower()


def is_validation(title: str, fraction: float = 0.1, seed: int = 0) -> bool:
    h = hashlib.sha1(f"{seed}:{title_key(title)}".encode()).digest()
    return int.from_bytes(h[:4], "big") / 2**32 < fraction


def split_by_title(pieces: list[Piece], fraction: float = 0.1, seed: int = 0) -> tuple[list[Piece], list[Piece]]:
    """(train, validation): a title (normalised) is wholly on one side; transposition happens later."""
    train: list[Piece] = []
    valid: list[Piece] = []
    for p in pieces:
        (valid if is_validation(p.title, fraction, seed) else train).append(p)
    return train, valid
