"""A local log of the composer's decisions on suggestions (JSON Lines in the user data folder).

Each accept / partial accept / reject appends one line: time, decision, the candidate (notes and
chords in beats, score, rank), the context hash, the settings and the model. This is the basis for
learning the composer's taste later; nothing leaves the machine.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from ..paths import user_data
from .types import Candidate, context_hash

DECISIONS = ("accept", "accept_partial", "reject")


def log_path() -> Path:
    return user_data() / "decisions.jsonl"


def record(decision: str, candidate: Candidate, score, region=None, *, kept_note_ids=None,
           path: Path | None = None) -> dict:
    if decision not in DECISIONS:
        raise ValueError(f"unknown decision {decision}")
    entry = {
        "time": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "decision": decision,
        "task": candidate.task,
        "context_hash": context_hash(score, region),
        "candidate": candidate.to_json(),
        "fingerprint": candidate.fingerprint(),
        "settings": candidate.provenance.get("settings"),
        "model": candidate.provenance.get("model"),
        "seed": candidate.provenance.get("seed"),
    }
    if kept_note_ids is not None:
        ids = set(kept_note_ids)
        entry["kept_notes"] = [i for i, n in enumerate(candidate.notes) if n.id in ids]
    p = path or log_path()
    p.parent.mkdir(parents=True, exist_ok=True)
    with p.open("a", encoding="utf-8") as f:
        f.write(json.dumps(entry) + "\n")
    return entry


def read(path: Path | None = None) -> list[dict]:
    p = path or log_path()
    if not p.is_file():
        return []
    out = []
    for line in p.read_text(encoding="utf-8").splitlines():
        try:
            out.append(json.loads(line))
        except ValueError:
            continue  # a torn last line after a crash must not break reading
    return out
