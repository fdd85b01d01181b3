"""A local log of the composer's decisions on suggestions (JSON Lines in the user data folder).

``decisions.jsonl`` in the profile folder (the user data folder, :func:`..paths.user_data`;
``COMPOSER_APP_DATA`` moves it). One JSON object per line, appended; nothing leaves the machine.
It is what the taste re-ranker (:mod:`.taste`) learns from, and can be replayed into it.

Format, version 2 (``"v": 2``)::

    {"v": 2, "time": "2026-12-05T02:10:00+0000",
     "decision": "accept" | "accept_partial" | "reject" | "audition" | "regenerate",
     "task": "continue", "context_hash": "3f2a...", "settings": {...SuggestionSettings...},
     "model": "default", "seed": 0,
     "shown": [{"rank": 1, "base_rank": 2, "fingerprint": "9c1e...", "score": -1.93,
                "features": {"base": -2.0, "logp": -1.93, "stepwise": 0.57, ...}}, ...],
     "chosen": 0,                 # index into "shown" of the candidate decided on; null for regenerate
     "candidate": {...},          # that candidate's notes and chords (suggest's JSON), absent for regenerate
     "fingerprint": "9c1e...",    # its identity, absent for regenerate
     "kept_notes": [0, 2]}        # accept_partial: indices of its notes that were kept

``shown`` is every candidate that was on screen when the composer decided, in the order shown;
``rank`` is its place there, ``base_rank`` its place in the assistant's own ranking before the
taste re-ranker moved it, ``features`` those of :data:`.taste.FEATURES`. An *audition* is logged
once per candidate per request; *regenerate* when new ideas are asked for while some are shown.
Version 1 lines (no ``"v"``: one candidate, no ``shown``) are still read; they teach the
re-ranker nothing.

Reading is bounded (the file comes from disk and may be damaged): at most the last
:data:`MAX_READ_BYTES` of the file, lines longer than :data:`MAX_LINE_BYTES` and lines that are not a
JSON object are skipped (a torn last line after a crash must not break reading).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..paths import user_data
from .types import Candidate, context_hash

VERSION = 2
DECISIONS = ("accept", "accept_partial", "reject", "audition", "regenerate")
FILE_NAME = "decisions.jsonl"
MAX_READ_BYTES = 16 * 1024 * 1024
MAX_LINE_BYTES = 512 * 1024


def log_path(folder: str | Path | None = None) -> Path:
    return Path(folder) / FILE_NAME if folder is not None else user_data() / FILE_NAME


def entry(decision: str, candidate: Candidate | None, score, region=None, *, shown=(), kept_note_ids=None,
          features: list[dict] | None = None) -> dict:
    """The log line for a decision on ``candidate`` (None for *regenerate*) among ``shown``."""
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision}")
    shown = list(shown) or ([candidate] if candidate is not None else [])
    if features is None:
        from .taste import features_of

        features = features_of(shown, score) if shown else []
    chosen = None
    if candidate is not None:
        fp = candidate.fingerprint()
        chosen = next((i for i, c in enumerate(shown) if c.fingerprint() == fp), None)
    first = candidate if candidate is not None else (shown[0] if shown else None)
    prov = first.provenance if first is not None else {}
    out = {
        "v": VERSION,
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "decision": decision,
        "task": first.task if first is not None else None,
        "context_hash": context_hash(score, region),
        "settings": prov.get("settings"),
        "model": prov.get("model"),
        "seed": prov.get("seed"),
        "shown": [{"rank": i + 1, "base_rank": c.provenance.get("base_rank", c.rank),
                   "fingerprint": c.fingerprint(), "score": round(float(c.score), 4),
                   "features": {k: round(float(v), 5) for k, v in f.items()}}
                  for i, (c, f) in enumerate(zip(shown, features))],
        "chosen": chosen,
    }
    if candidate is not None:
        out["candidate"] = candidate.to_json()
        out["fingerprint"] = candidate.fingerprint()
    if kept_note_ids is not None and candidate is not None:
        ids = set(kept_note_ids)
        out["kept_notes"] = [i for i, n in enumerate(candidate.notes) if n.id in ids]
    return out


def record(decision: str, candidate: Candidate | None, score, region=None, *, shown=(), kept_note_ids=None,
           path: Path | None = None, features: list[dict] | None = None) -> dict:
    """Append the decision's line (:func:`entry`) to the log and return it."""
    line = entry(decision, candidate, score, region, shown=shown, kept_note_ids=kept_note_ids, features=features)
    append(line, path)
    return line


def append(line: dict, path: Path | None = None) -> None:
    p = path or log_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("a", encoding="utf-8") as f:
        f.write(json.dumps(line) + "\n")


def read(path: Path | None = None) -> list[dict]:
    """The log's entries, oldest first (bounded: see the module docstring)."""
    p = path or log_path()
    if not p.is_file():
        return []
    with p.open("rb") as f:
        size = f.seek(0, 2)
        f.seek(max(0, size - MAX_READ_BYTES))
        raw = f.read(MAX_READ_BYTES)
    lines = raw.split(b"\n")
    if size > MAX_READ_BYTES:
        lines = lines[1:]  # the first one is cut
    out = []
    for line in lines:
        if not line.strip() or len(line) > MAX_LINE_BYTES:
            continue
        try:
            item = json.loads(line.decode("utf-8"))
        except (ValueError, UnicodeDecodeError, RecursionError):
            continue
        if isinstance(item, dict) and item.get("decision") in DECISIONS:
            out.append(item)
    return out
