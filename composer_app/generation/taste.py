"""The composer's taste: a per-user re-ranker that learns from decisions on suggestions. No Qt.

The assistant shows K candidates; which one the composer keeps (or throws away, or auditions) is
a *choice among K*. Each choice becomes pairwise preferences and updates a small logistic model
online, and the next candidates are re-ordered by it on top of the base ranking
(:mod:`.ranking`). Everything stays in the profile folder (the user data folder in the editor,
``suggest --profile DIR`` on the command line).

Features of a candidate (:data:`FEATURES`; the melodic ones come from
:func:`.ranking.candidate_features`): ``base`` (its place in the base ranking, best = highest),
``logp`` (the model's mean log-probability per note or chord), ``confidence`` (the model's mean
probability per note and chord), ``stepwise``, ``leaps`` (the mean interval between consecutive
notes, in semitones: how far the line moves; the ranker's share of leaps over a fifth is almost
always 0 and told the re-ranker nothing), ``repetition``, ``density``, ``range``,
``chord_tones``, and ``sevenths`` (share of its chords with a seventh). Inside one request they
are standardised (``(x - mean) / max(std, floor)``), so a weight means "prefers more of this than
the other candidates on screen". Settings are the same for every candidate of a request, so they
cancel out of a comparison; the task enters as per-task offsets added to the shared weights.

Model: ``value(c) = (w_shared + w_task) . z(c)``; ``P(a kept over b) = sigmoid(value(a) - value(b))``
(Bradley-Terry). One decision is one step of gradient ascent on the log-likelihood of its pairs,
with an L2 pull of the shared weights towards the prior and of the task offsets towards zero. The
prior is ``base = 1``, all else 0: with no decisions the order is exactly the base order.

It is only used once it predicts the composer better than the base order does. Before each update
the model scores the decision twice, with its learned weights and with the prior's (the
log-likelihood of the decision's pairs), and adds the difference to ``evidence``: a prequential
test, each decision predicted before it is learned from. While ``evidence`` is not above
:data:`TRUST_MARGIN` the composer sees the base order (:meth:`TasteModel.active` is False). A
composer who keeps the lines the assistant would rank first anyway (whose choices 30 decisions
cannot tell from noise) therefore keeps the base ranking instead of a taste learned from noise;
one who keeps leaps or seventh chords passes the test within a few decisions. Written
by hand with numpy (a dozen weights, one step per decision): a library would add a dependency and
hide the online update, which is three lines.

Pairs per decision (:data:`SIGNALS`): *accept*: the kept one over each other one on screen
(weight 1); *accept_partial*: the same at 0.5; *reject*: each other one over the rejected one
(0.5); *audition*: the auditioned one over the others (0.15, a weak signal); *regenerate*: no
pair (none of them was wanted, which says nothing about their order).

File ``taste.json`` (JSON, at most :data:`MAX_FILE_BYTES`; read with validation: unknown
features or tasks are ignored, weights must be finite and are clipped to +-:data:`MAX_WEIGHT`)::

    {"format": "composer-app-taste", "version": 1,
     "features": ["base", "logp", ...],
     "prior": {"base": 1.0},
     "weights": {"shared": {"stepwise": 1.7, ...}, "tasks": {"continue": {"stepwise": 0.3, ...}}},
     "decisions": 12, "by_decision": {"accept": 10, "reject": 2}, "evidence": 3.1,
     "learning_rate": 0.3, "l2": 0.01, "updated": "2026-12-05T02:10:00+0000"}
"""

from __future__ import annotations

import copy
import json
import math
import os
import time
from dataclasses import replace
from pathlib import Path

import numpy as np

from ..errors import ComposerError
from ..score import Score
from ..score.chords import quality_intervals
from .ranking import candidate_features
from .types import TASKS, Candidate

FORMAT = "composer-app-taste"
VERSION = 1
FILE_NAME = "taste.json"
MAX_FILE_BYTES = 256 * 1024
MAX_WEIGHT = 20.0

FEATURES = ("base", "logp", "confidence", "stepwise", "leaps", "repetition", "density", "range",
            "chord_tones", "sevenths")
#: The smallest spread a feature is standardised by inside one request (a tiny difference between
#: otherwise equal candidates must not count as a big one).
FLOORS = {"base": 0.5, "logp": 0.1, "confidence": 0.03, "stepwise": 0.08, "leaps": 0.5, "repetition": 0.08,
          "density": 0.25, "range": 0.15, "chord_tones": 0.08, "sevenths": 0.15}
PRIOR = {"base": 1.0}
#: decision -> (pairs it gives, weight of each pair).
SIGNALS = {"accept": ("chosen_wins", 1.0), "accept_partial": ("chosen_wins", 0.5),
           "reject": ("chosen_loses", 0.5), "audition": ("chosen_wins", 0.15), "regenerate": (None, 0.0)}
LEARNING_RATE = 0.3
L2 = 0.01
#: Nats by which the learned weights must have predicted the decisions so far better than the
#: prior before they order what is shown (see the module docstring).
TRUST_MARGIN = 1.0
#: Decisions before the re-ranker describes what it learned, and the weight that counts as a taste.
DESCRIBE_AFTER = 3
DESCRIBE_WEIGHT = 0.4

#: feature -> (words when the weight is positive, words when it is negative).
WORDS = {
    "base": ("you mostly agree with the assistant's own order", "you often pick differently from the assistant's order"),
    "logp": ("you keep the model's most likely ideas", "you keep the model's less predictable ideas"),
    "confidence": ("you keep ideas the model is sure of", "you keep ideas the model was unsure of"),
    "stepwise": ("you prefer stepwise lines", "you prefer lines that move by skips rather than steps"),
    "leaps": ("you like wide leaps", "you avoid wide leaps"),
    "repetition": ("you keep repeated notes", "you avoid repeated notes"),
    "density": ("you prefer busy rhythms with many notes", "you prefer sparse rhythms with few notes"),
    "range": ("you like lines with a wide range", "you prefer lines in a narrow range"),
    "chord_tones": ("you keep melodies on chord tones", "you like melody notes outside the chords"),
    "sevenths": ("you keep seventh chords", "you prefer plain triads to seventh chords"),
}


def _is_seventh(symbol) -> bool:
    try:
        iv = set(quality_intervals(symbol.quality))
    except ComposerError:
        return False
    return bool(iv & {10, 11}) or symbol.quality == "dim7"


def features_of(cands: list[Candidate], score: Score) -> list[dict[str, float]]:
    """Raw features (:data:`FEATURES`) of the candidates shown together; ``base`` is minus the
    base rank (from the provenance the re-ranker stamps, else the list order)."""
    out = []
    # The re-ranker uses only what the candidate itself says (and the chords under it): without the
    # context's melody the context features cost nothing, even on a 20,000-bar score (GUI thread).
    bare = score.with_notes([]) if score.melody.notes else score
    for i, c in enumerate(cands):
        f = candidate_features(c, bare)
        conf = list(c.note_confidence) + list(c.chord_confidence)
        base_rank = c.provenance.get("base_rank", i + 1) if isinstance(c.provenance, dict) else i + 1
        out.append({
            "base": -float(base_rank),
            "logp": float(c.score),
            "confidence": float(np.mean(conf)) if conf else 0.0,
            "stepwise": f["stepwise"], "leaps": _mean_interval(c), "repetition": f["repetition"],
            "density": f["density"], "range": f["range"], "chord_tones": f["chord_tones"],
            "sevenths": sum(map(_is_seventh, (ch.symbol for ch in c.chords))) / len(c.chords) if c.chords else 0.0,
        })
    return out


def _mean_interval(c: Candidate) -> float:
    p = [n.pitch for n in sorted(c.notes, key=lambda n: (n.start, n.pitch))]
    return float(np.mean([abs(b - a) for a, b in zip(p, p[1:])])) if len(p) > 1 else 0.0


def standardise(feats: list[dict]) -> np.ndarray:
    """``len(feats) x len(FEATURES)``: each feature centred on the request's mean and divided by
    its spread in the request (at least its floor). Missing or non-finite values count as 0."""
    X = np.array([[_num(f.get(k)) for k in FEATURES] for f in feats], dtype=float).reshape(len(feats), len(FEATURES))
    if not len(feats):
        return X
    floors = np.array([FLOORS[k] for k in FEATURES])
    return (X - X.mean(0)) / np.maximum(X.std(0), floors)


def _num(x) -> float:
    try:
        v = float(x)
    except (TypeError, ValueError):
        return 0.0
    return v if math.isfinite(v) else 0.0


class TasteModel:
    """Pairwise logistic re-ranker (see the module docstring). Mutable: :meth:`observe` updates it."""

    def __init__(self):
        self.prior = np.array([PRIOR.get(k, 0.0) for k in FEATURES])
        self.shared = self.prior.copy()
        self.tasks: dict[str, np.ndarray] = {}
        self.decisions = 0
        self.by_decision: dict[str, int] = {}
        #: Log-likelihood of the decisions so far under the learned weights minus under the prior,
        #: each decision scored before it was learned from.
        self.evidence = 0.0
        self.learning_rate = LEARNING_RATE
        self.l2 = L2
        self.updated = ""

    # ---- using it -------------------------------------------------------------------------
    def weights(self, task: str | None = None) -> np.ndarray:
        w = self.shared.copy()
        if task in self.tasks:
            w += self.tasks[task]
        return w

    @property
    def active(self) -> bool:
        """Whether the learned weights order (and choose) what is shown: they have predicted the
        composer's decisions better than the base order by more than :data:`TRUST_MARGIN` nats."""
        return bool(self.decisions) and self.evidence > TRUST_MARGIN

    def values(self, feats: list[dict], task: str | None = None) -> np.ndarray:
        return standardise(feats) @ self.weights(task)

    def order(self, feats: list[dict], task: str | None = None) -> list[int]:
        """Indices best first; ties (and a model that is not :attr:`active`) keep the given order."""
        if not self.active or len(feats) < 2:
            return list(range(len(feats)))
        v = self.values(feats, task)
        return sorted(range(len(feats)), key=lambda i: (-round(float(v[i]), 9), i))

    def rerank(self, cands: list[Candidate], score: Score) -> list[Candidate]:
        """The candidates in the order to show, each stamped with its base rank (its place in the
        given order) in ``provenance["base_rank"]``; ranks are renumbered by the caller."""
        stamped = [replace(c, provenance={**c.provenance, "base_rank": i + 1}) for i, c in enumerate(cands)]
        if not self.active or len(stamped) < 2:
            return stamped
        feats = features_of(stamped, score)
        return [stamped[i] for i in self.order(feats, stamped[0].task)]

    # ---- learning -------------------------------------------------------------------------
    def observe(self, decision: str, feats: list[dict], chosen: int | None, task: str | None = None) -> int:
        """One decision on the candidates shown together (``feats``, raw); returns the pairs learned."""
        if decision not in SIGNALS:
            raise ValueError(f"unknown decision {decision}")
        kind, weight = SIGNALS[decision]
        pairs: list[tuple[int, int]] = []
        if kind and chosen is not None and 0 <= chosen < len(feats) and len(feats) >= 2:
            others = [j for j in range(len(feats)) if j != chosen]
            pairs = [(chosen, j) for j in others] if kind == "chosen_wins" else [(j, chosen) for j in others]
        self.decisions += 1
        self.by_decision[decision] = self.by_decision.get(decision, 0) + 1
        self.updated = time.strftime("%Y-%m-%dT%H:%M:%S%z")
        if not pairs:
            return 0
        Z = standardise(feats)
        w = self.weights(task)
        grad = np.zeros(len(FEATURES))
        for a, b in pairs:
            d = Z[a] - Z[b]
            m = float(w @ d)
            p = 1.0 / (1.0 + math.exp(-max(-30.0, min(30.0, m))))
            grad += weight * (1.0 - p) * d
            # prequential evidence: this pair predicted by the learned weights against the prior's
            self.evidence += weight * (_log_sigmoid(m) - _log_sigmoid(float(self.prior @ d)))
        grad /= math.sqrt(len(pairs))
        lr = self.learning_rate
        self.shared += lr * (grad - self.l2 * (self.shared - self.prior))
        if task in TASKS:
            t = self.tasks.setdefault(task, np.zeros(len(FEATURES)))
            t += lr * (0.5 * grad - self.l2 * t)
        np.clip(self.shared, -MAX_WEIGHT, MAX_WEIGHT, out=self.shared)
        for t in self.tasks.values():
            np.clip(t, -MAX_WEIGHT, MAX_WEIGHT, out=t)
        return len(pairs)

    # ---- in words ---------------------------------------------------------------------------
    def learned(self, task: str | None = None, most: int = 3) -> list[str]:
        """What it learned, strongest first: ``["you prefer stepwise lines", ...]`` (empty until
        :data:`DESCRIBE_AFTER` decisions, while it is not :attr:`active`, or when no weight stands out)."""
        if self.decisions < DESCRIBE_AFTER or not self.active:
            return []
        w = self.weights(task)
        moved = np.abs(w - self.prior)
        floor = max(DESCRIBE_WEIGHT, 0.5 * float(moved.max()))  # only what stands out
        out = []
        for i in sorted(range(len(FEATURES)), key=lambda i: -moved[i]):
            name, d = FEATURES[i], float(w[i] - self.prior[i])
            if abs(d) < floor or len(out) >= most:
                continue
            if name == "base":  # it starts at the prior: say how it moved from there
                out.append(WORDS[name][0 if d > 0 else 1])
            else:
                out.append(WORDS[name][0 if w[i] > 0 else 1])
        return out

    def describe(self, task: str | None = None) -> str:
        """One sentence for the composer."""
        if not self.decisions:
            return "Nothing learned yet: suggestions keep the assistant's own order."
        n = f"{self.decisions} decision{'s' if self.decisions != 1 else ''}"
        if self.decisions >= DESCRIBE_AFTER and not self.active:
            return (f"From {n}: nothing learned yet predicts your choices better than the assistant's own "
                    "order, so that order stays.")
        said = self.learned(task)
        if not said:
            return f"From {n}: no clear preference yet."
        text = "; ".join(said)
        return f"From {n}: {text[0].upper()}{text[1:]}."

    # ---- files ------------------------------------------------------------------------------
    def to_json(self) -> dict:
        return {"format": FORMAT, "version": VERSION, "features": list(FEATURES),
                "prior": {k: float(v) for k, v in zip(FEATURES, self.prior) if v},
                "weights": {"shared": _named(self.shared),
                            "tasks": {t: _named(w) for t, w in sorted(self.tasks.items())}},
                "decisions": self.decisions, "by_decision": dict(self.by_decision),
                "evidence": round(self.evidence, 6), "learning_rate": self.learning_rate, "l2": self.l2, "updated": self.updated}

    @classmethod
    def from_json(cls, data) -> "TasteModel":
        """Validate and read :meth:`to_json`'s format; :class:`TasteError` says what is wrong."""
        if not isinstance(data, dict) or data.get("format") != FORMAT:
            raise TasteError("it is not a taste profile (no \"format\": \"composer-app-taste\")")
        if data.get("version") != VERSION:
            raise TasteError(f"version {str(data.get('version'))[:20]} is not one this app reads ({VERSION})")
        m = cls()
        weights = data.get("weights")
        if not isinstance(weights, dict):
            raise TasteError("\"weights\" is missing")
        m.shared = _vector(weights.get("shared"), m.prior)
        tasks = weights.get("tasks") or {}
        if not isinstance(tasks, dict):
            raise TasteError("\"weights.tasks\" must be an object")
        m.tasks = {t: _vector(w, np.zeros(len(FEATURES))) for t, w in tasks.items() if t in TASKS}
        n = data.get("decisions", 0)
        if isinstance(n, bool) or not isinstance(n, int) or n < 0:
            raise TasteError("\"decisions\" must be a whole number")
        m.decisions = n
        by = data.get("by_decision") or {}
        if isinstance(by, dict):
            m.by_decision = {k: v for k, v in by.items() if k in SIGNALS and isinstance(v, int) and v >= 0}
        for attr, lo, hi in (("learning_rate", 1e-4, 10.0), ("l2", 0.0, 10.0)):
            v = data.get(attr, getattr(m, attr))
            if isinstance(v, (int, float)) and not isinstance(v, bool) and lo <= v <= hi:
                setattr(m, attr, float(v))
        ev = data.get("evidence")
        if ev is None:  # written before the test existed: its weights were in use, so they stay in use
            m.evidence = TRUST_MARGIN + 1.0 if m.decisions else 0.0
        elif isinstance(ev, bool) or not isinstance(ev, (int, float)) or not math.isfinite(ev):
            raise TasteError("\"evidence\" must be a finite number")
        else:
            m.evidence = max(-1e6, min(1e6, float(ev)))
        m.updated = str(data.get("updated") or "")[:40]
        return m


class TasteError(ComposerError):
    """A taste profile that cannot be read."""


def _log_sigmoid(x: float) -> float:
    """log(1 / (1 + e^-x)) without overflow."""
    return -math.log1p(math.exp(-x)) if x >= 0 else x - math.log1p(math.exp(x))


def _named(v: np.ndarray) -> dict[str, float]:
    return {k: round(float(x), 6) for k, x in zip(FEATURES, v)}


def _vector(data, default: np.ndarray) -> np.ndarray:
    out = default.copy()
    if data is None:
        return out
    if not isinstance(data, dict):
        raise TasteError("weights must be objects of feature names and numbers")
    for k, x in data.items():
        if k not in FEATURES:
            continue  # a newer app's feature: ignored
        if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
            raise TasteError(f"the weight of {k!r} is not a finite number")
        out[FEATURES.index(k)] = max(-MAX_WEIGHT, min(MAX_WEIGHT, float(x)))
    return out


def model_path(folder: str | Path) -> Path:
    return Path(folder) / FILE_NAME


def load(folder: str | Path) -> TasteModel:
    """The profile's ``taste.json``; without one, the model replayed from its decision log (empty
    when there is none). :class:`TasteError` names the file and the problem."""
    from . import decisions

    path = model_path(folder)
    if not path.exists():
        return replay(decisions.read(decisions.log_path(folder)))
    if not path.is_file():
        raise TasteError(f"{path}: not a regular file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise TasteError(f"{path}: too large for a taste profile ({size:,} bytes)")
        with path.open("rb") as f:
            raw = f.read(MAX_FILE_BYTES + 1)
        data = json.loads(raw.decode("utf-8"))
    except (OSError, UnicodeDecodeError, ValueError) as exc:
        raise TasteError(f"{path}: cannot be read ({type(exc).__name__}: {str(exc)[:120]})") from None
    try:
        return TasteModel.from_json(data)
    except TasteError as exc:
        raise TasteError(f"{path}: {exc}") from None


def save(model: TasteModel, folder: str | Path) -> Path:
    """Write ``taste.json`` atomically (a crash leaves the old file or the new one)."""
    from ..formats._atomic import atomic_write_bytes

    path = model_path(folder)
    path.parent.mkdir(parents=True, exist_ok=True)
    atomic_write_bytes(path, (json.dumps(model.to_json(), indent=1) + "\n").encode("utf-8"))
    return path


def replay(entries) -> TasteModel:
    """A model learned from decision-log entries (:mod:`.decisions`, version 2 lines with the
    candidates on screen; older lines hold one candidate and teach nothing)."""
    m = TasteModel()
    for e in entries:
        learn(m, e)
    return m


def learn(model: TasteModel, entry: dict) -> int:
    """Update ``model`` with one decision-log entry; returns the pairs learned (0 for an entry
    that carries no choice among candidates)."""
    shown = entry.get("shown")
    if entry.get("v") != 2 or entry.get("decision") not in SIGNALS or not isinstance(shown, list):
        return 0
    feats = [s.get("features") if isinstance(s, dict) and isinstance(s.get("features"), dict) else {}
             for s in shown]
    chosen = entry.get("chosen")
    chosen = chosen if isinstance(chosen, int) and not isinstance(chosen, bool) else None
    task = entry.get("task") if isinstance(entry.get("task"), str) else None
    return model.observe(entry["decision"], feats, chosen, task)


def forget(folder: str | Path) -> list[Path]:
    """Delete what was learned in the profile (``taste.json`` and the decision log); returns the
    files deleted."""
    from . import decisions

    gone = []
    for p in (model_path(folder), decisions.log_path(folder)):
        try:
            os.unlink(p)
            gone.append(p)
        except FileNotFoundError:
            pass
    return gone


class TasteProfile:
    """A profile folder's decision log and re-ranker together (the editor's is the user data
    folder): :meth:`decide` logs a decision and, when learning is on, updates and saves the model."""

    def __init__(self, folder: str | Path, learning: bool = True):
        self.folder = Path(folder)
        self.learning = learning
        #: Why the saved profile could not be read ("" when it could); the model then starts afresh.
        self.problem = ""
        try:
            self.model = load(self.folder)
        except TasteError as exc:
            self.problem = str(exc)
            self.model = TasteModel()

    def reranker(self) -> TasteModel | None:
        """A copy for one request (the worker thread reads it while decisions update this one), or
        None when learning is off."""
        if not self.learning:
            return None
        return copy.deepcopy(self.model)

    def decide(self, decision: str, candidate: Candidate | None, shown: list[Candidate], score: Score,
               region=None, kept_note_ids=None) -> dict:
        """Log the decision (always, as the log has always been kept) and learn from it (when on)."""
        from . import decisions

        line = decisions.record(decision, candidate, score, region, shown=shown, kept_note_ids=kept_note_ids,
                                path=decisions.log_path(self.folder))
        if self.learning:
            learn(self.model, line)
            save(self.model, self.folder)
        return line

    def describe(self, task: str | None = None) -> str:
        return self.model.describe(task)

    def forget(self) -> list[Path]:
        """Delete the log and the model; start afresh."""
        gone = forget(self.folder)
        self.model = TasteModel()
        self.problem = ""
        return gone
