"""Learning a style from a composer's own files: a short, careful fine-tune of the current model.

``learn(LearnOptions(files=[...], out=DIR), report=print_json)``:

1. reads the files and folders (MIDI, MusicXML, ABC, projects; parsed once, cached like
   ``train``), and holds out a few of the composer's own pieces **by title** (every setting of a
   tune on one side) to measure;
2. measures the base model's negative log-likelihood per note on those held-out pieces;
3. fine-tunes *all* the weights (2.5 M parameters: an adapter would save at most half of a step's
   time and 9 MB of disk, and forgetting, not time, is what limits a run; see the README) with a
   low learning rate (1e-4), warm-up and a cosine decay over the time budget or the step limit.
   What keeps the model's other styles: half of every batch is *replay*, sequences sampled from
   the base model itself (what it knows, in its own words; no training data needed), or other
   music given with ``replay``. On the replayed sequences the fine-tuned model is
   *distilled* (``distill``, weight 2): its whole next-token distribution is kept close to the
   base model's (KL divergence) instead of being trained on the one token sampled, which holds
   the other styles far better for the same progress (on tuning pieces, with weights 1 to 3,
   Bach's chorales 8.5 to 9 % likelier and Chinese folk songs 6 to 8 %, the other styles at most
   about 2 % less likely; the forgetting guard stopped the sampled-token recipe at about 2 %).
   Half of the sampled sequences open as a lead sheet (the key's tonic chord in the first bar,
   then the model's own chords and melody, :func:`base_samples`): left alone the bundled model
   almost never writes chords, and replay without chords let 100 pop songs make lead sheets 5 %
   less likely. Every ``eval_every`` steps the held-out pieces are measured and so are 16 other
   samples of the base model (the *forgetting guard*): the melodies' notes, the lead sheets'
   notes and the lead sheets' chords, each apart; the kept weights are the best on the held-out
   pieces among the steps where neither kind's notes rose more than ``guard`` (3 %) and the
   chords not more than ``chord_guard`` (10 %, a safety net that no tuning run reached), and the
   run stops when the guard passes twice that, the held-out pieces stop improving
   (``patience``), or the time budget ends. A run that never improves gives the base model's
   weights back. The kept weights are then *blended back* towards the base model's (a weight
   average on the straight line between them, as in WiSE-FT, Wortsman et al. 2022): the smallest
   factor of :data:`BLEND_GRID` at which the held-out pieces keep ``blend_keep`` (90 %) of what
   the run gained on them. Most of the gain comes early on that line and most of the forgetting
   late: on the tuning pieces POP909's run kept 91 % of its gain at 0.8 while its cost to the other
   styles fell from up to 2.6 % to 1.2 %;
4. writes a complete model folder (loadable offline by :func:`.loading.load_model`) with a model
   card ``README.md`` (files used, before/after held-out loss, base model, time, options) and
   ``learn_info.json``. The folder is built beside ``out`` under a hidden name and renamed at the
   end, so a run that is stopped or killed never leaves a half-written model under ``out``.

``report`` receives plain dicts (``{"event": "step", "step", "total", "eta_s", "loss"}``, ``"eval"``,
``"start"``, ``"done"``); the ``learn`` command prints them as JSON lines for the GUI. torch is
imported inside the functions: importing this module is cheap.
"""

from __future__ import annotations

import copy
import hashlib
import json
import math
import os
import random
import re
import shutil
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable

from ..errors import ComposerError, DataError
from .corpus import Piece, collect_files, load_corpus, title_key
from .tokenizer import EncodedPiece, MusicTokenizer

#: The fewest pieces (with different titles) a style can be learned from: some to learn, one to measure.
MIN_PIECES = 3
#: Blend factors tried, in this order, once a run has improved (``LearnOptions.blend_keep``).
BLEND_GRID = (0.9, 0.8, 0.7, 0.6, 0.5)
#: Layout shares: mostly continuations (what the held-out loss measures and what the composer
#: asks for most), with harmonize and infill examples so the other tasks keep up with the style.
LEARN_TASK_MIX = {"continue": 0.6, "harmonize": 0.2, "chords": 0.05, "infill": 0.15}
LEARN_INFO = "learn_info.json"

Report = Callable[[dict], None]


@dataclass
class LearnOptions:
    files: list[str] = field(default_factory=list)
    out: str = "runs/style"
    from_dir: str | None = None  # the model to start from (None: the bundled one)
    name: str | None = None  # the style's name on the model card (default: the folder's name)
    time_budget_min: float = 10.0
    max_steps: int = 400
    lr: float = 1e-4
    batch_size: int = 8
    warmup_steps: int = 10
    max_len: int = 512
    holdout: int | None = None  # titles held out to measure (default: 10 %, 1 to 12)
    eval_every: int = 5  # steps between held-out measurements
    patience: int = 20  # measurements without improvement before stopping
    replay: list[str] = field(default_factory=list)  # other music mixed in (files or folders)
    replay_share: float = 0.5  # share of each batch that is replay (of ``replay``, else the base's own samples)
    self_replay: int = 96  # sequences sampled from the base model to replay when ``replay`` is empty (0: none)
    #: Share of those samples (and of the guard's) that open as a lead sheet (:func:`base_samples`).
    lead_sheet_share: float = 0.5
    guard: float = 0.03  # largest rise allowed in the base model's held-out samples' loss on their notes (forgetting)
    chord_guard: float = 0.10  # ... and on their chord symbols (a safety net: never reached on the tuning runs)
    #: Weight of the replay rows' distillation loss: the fine-tuned model's next-token distribution
    #: kept close (KL divergence) to the base model's on them, instead of their sampled tokens (0: off).
    distill: float = 2.0
    #: After the run, the kept weights are blended back towards the base model's (``base + a x
    #: (learned - base)``, a weight average as in WiSE-FT) with the smallest ``a`` of
    #: :data:`BLEND_GRID` whose held-out pieces keep at least this share of what the run gained on
    #: them (0 or 1: no blending). See the module docstring.
    blend_keep: float = 0.9
    seed: int = 0
    threads: int = 1
    cache: str | None = None  # parsed-score cache (default: the user cache folder)


# ---- data ------------------------------------------------------------------------------------
def _encode(tok: MusicTokenizer, pieces: list[Piece]) -> list[tuple[Piece, EncodedPiece]]:
    out = []
    for p in pieces:
        if not p.score.tracks or not p.score.tracks[0].notes:
            continue
        enc = tok.encode_piece(p.score)
        if any("not in vocabulary" in i or "beyond the longest bar" in i for i in enc.issues) or not enc.n_bars:
            continue
        enc.title = p.title
        out.append((p, enc))
    return out


_NUMBERS = re.compile(r"\d+")
_ORDINALS = re.compile(r"\(.*?\)|\[.*?\]|\b\d+(st|nd|rd|th)\b")


def piece_key(title: str) -> str:
    """Which pieces are one piece: :func:`.corpus.title_key` (settings of a tune are one), but
    numbers count, so "Song 1" and "Song 2", or files called take1.mid and take2.mid, differ."""
    return title_key(title) + ":" + ",".join(_NUMBERS.findall(_ORDINALS.sub(" ", title.lower())))


def split_held_out(titles: list[str], holdout: int | None, seed: int = 0) -> set[str]:
    """The piece keys held out: ``holdout`` of the distinct titles (default 10 %, at least 1, at
    most 12), chosen by a hash of the title so that the same files give the same split."""
    keys = sorted({piece_key(t) for t in titles})
    n = holdout if holdout is not None else min(12, max(1, round(0.1 * len(keys))))
    n = max(1, min(n, len(keys) - 1))
    ranked = sorted(keys, key=lambda k: hashlib.sha1(f"{seed}:{k}".encode()).hexdigest())
    return set(ranked[:n])


def read_pieces(paths: list[str], tok: MusicTokenizer, cache: str | None) -> tuple[list, list[str], dict]:
    """(encoded pieces as (Piece, EncodedPiece), error messages, {file name: pieces})."""
    sources = collect_files(paths)
    pieces, errors = load_corpus(sources, cache, 1, False)
    encoded = _encode(tok, pieces)
    per_file: dict[str, int] = {}
    for p, _ in encoded:
        name = Path(p.source.split("#X")[0]).name
        per_file[name] = per_file.get(name, 0) + 1
    return encoded, errors, per_file


# ---- the output folder ---------------------------------------------------------------------
def check_out_folder(out: Path) -> None:
    """``out`` must be a new or empty folder, or one an earlier ``learn`` wrote; its parent writable."""
    if out.exists() and not out.is_dir():
        raise ComposerError(f"{out}: exists and is not a folder; choose another --out")
    if out.is_dir() and any(out.iterdir()) and not (out / LEARN_INFO).is_file():
        raise ComposerError(f"{out}: the folder is not empty and is not a learned style; choose a new or empty folder")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        probe = out.parent / f".{out.name}.probe-{os.getpid()}"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as exc:
        raise ComposerError(f"{out}: cannot write the model there ({exc.strerror or exc})") from None


def partial_dir(out: Path) -> Path:
    """Where a run builds the folder before renaming it to ``out`` (hidden, beside it)."""
    return out.parent / f".{out.name}.partial-{os.getpid()}"


def remove_partials(out: Path) -> None:
    """Delete what stopped runs for ``out`` left behind (the GUI calls this after Cancel)."""
    for p in out.parent.glob(f".{out.name}.partial-*"):
        shutil.rmtree(p, ignore_errors=True)


def _publish(tmp: Path, out: Path) -> None:
    old = None
    if out.exists():
        old = out.parent / f".{out.name}.old-{os.getpid()}"
        os.replace(out, old)
    os.replace(tmp, out)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


# ---- held-out loss -------------------------------------------------------------------------
def held_out_nll(loaded, pieces: list[tuple[Piece, EncodedPiece]], max_len: int = 512) -> dict:
    """Negative log-likelihood per note (nats) and per chord of ``pieces`` (continue layout),
    exactly as ``composer-app evaluate`` measures it."""
    from .evaluation import EvalPiece, ModelScorer, likelihood_metrics

    was_training = loaded.model.training
    loaded.model.eval()
    try:
        r = likelihood_metrics(loaded.tokenizer, ModelScorer(loaded), [EvalPiece(p.score, e) for p, e in pieces],
                               max_len)
    finally:
        loaded.model.train(was_training)
    return {"nll_per_note": round(r["nll_per_note"], 4), "nll_per_chord": round(r["nll_per_chord"], 4),
            "notes": r["notes"], "chords": r["chords"]}


# ---- learning --------------------------------------------------------------------------------
def learn(opts: LearnOptions, report: Report | None = None) -> dict:
    """Learn a style; returns the summary written to ``learn_info.json``. Raises
    :class:`~composer_app.errors.ComposerError` subclasses for bad input."""
    say: Report = report or (lambda event: None)
    t_start = time.time()
    out = Path(opts.out).expanduser()
    check_out_folder(out)
    from ..paths import default_model_dir
    from .loading import check_model_dir, load_model

    base_dir = Path(opts.from_dir) if opts.from_dir else default_model_dir()
    tok = MusicTokenizer(check_model_dir(base_dir))
    if not opts.files:
        raise DataError("no files given: name your MIDI, MusicXML, ABC or project files, or folders of them")
    encoded, errors, per_file = read_pieces(opts.files, tok, opts.cache)
    if not encoded:
        first = f" (first problem: {errors[0]})" if errors else ""
        raise DataError(f"none of the files holds a melody that can be learned from{first}")
    titles = [p.title for p, _ in encoded]
    n_titles = len({piece_key(t) for t in titles})
    if n_titles < MIN_PIECES:
        raise DataError(f"too few pieces: {len(encoded)} readable piece(s) with {n_titles} "
                        f"different title(s); learning a style needs at least {MIN_PIECES} pieces with different titles")
    held = split_held_out(titles, opts.holdout, opts.seed)
    train_set = [(p, e) for p, e in encoded if piece_key(p.title) not in held]
    test_set = [(p, e) for p, e in encoded if piece_key(p.title) in held]
    replay: list[EncodedPiece] = []
    if opts.replay and opts.replay_share > 0:
        replay = [e for _, e in read_pieces(opts.replay, tok, opts.cache)[0]]
    say({"event": "start", "pieces": len(encoded), "train_pieces": len(train_set), "held_out_pieces": len(test_set),
         "unreadable": len(errors), "replay_pieces": len(replay)})

    import torch

    if opts.threads:
        torch.set_num_threads(opts.threads)
    loaded = load_model(base_dir, device="cpu" if not torch.cuda.is_available() else "auto", threads=opts.threads)
    loaded.model.float()
    opts.max_len = min(opts.max_len, loaded.max_len)  # never longer than the base model was trained on
    # What the base model knows, in its own words: sequences sampled from it. Some are replayed
    # (when no other music is given), 16 others measure forgetting (the guard).
    samples = base_samples(loaded, opts.self_replay * (not replay) + 16, min(opts.max_len, 384), opts.seed,
                           chord_share=opts.lead_sheet_share)
    guard_set, replay_ids = samples[:16], [s for s in samples[16:]] if not replay else []
    before = held_out_nll(loaded, test_set, opts.max_len)
    say({"event": "eval", "step": 0, "held_out_nll_per_note": before["nll_per_note"]})
    run = _fine_tune(loaded, [e for _, e in train_set], test_set, replay, replay_ids, guard_set, opts, before, say,
                     t_start)
    after = held_out_nll(loaded, test_set, opts.max_len)

    info: dict[str, Any] = {
        "kind": "learned style", "name": opts.name or out.name, "base_model": str(base_dir),
        "base_model_name": loaded.name, "files": per_file, "unreadable": len(errors),
        "pieces": len(encoded), "train_pieces": len(train_set), "replay_pieces": len(replay),
        "self_replay_samples": len(replay_ids),
        "held_out_titles": sorted({p.title for p, _ in test_set}),
        "held_out": {"before": before, "after": after,
                     "change_per_note": round(after["nll_per_note"] / before["nll_per_note"] - 1, 4)},
        **run, "seconds": round(time.time() - t_start, 1),
        "options": {**asdict(opts), "max_len": opts.max_len}, "finished": time.strftime("%Y-%m-%d %H:%M:%S"),
    }
    _write(loaded, tok, out, info)
    say({"event": "done", "out": str(out), "held_out_nll_per_note_before": before["nll_per_note"],
         "held_out_nll_per_note_after": after["nll_per_note"], "steps": run["steps"], "seconds": info["seconds"]})
    return info


def base_samples(loaded, n: int, length: int, seed: int = 0, batch: int = 16,
                 chord_share: float = 0.5) -> list[list[int]]:
    """``n`` sequences sampled from the model (temperature 1, from ``<bos>`` and the continue task:
    it chooses the meter, key and music), each up to ``length`` tokens, cut after ``<eos>``.

    Left alone, the bundled model almost never writes chord symbols from ``<bos>`` (30 of 32
    samples had none: most of what it learned from are fiddle tunes), so replaying and guarding
    with such samples alone protects melodies without chords and nothing else: learning 100 pop
    songs made lead sheets 5 % less likely while the guard saw 2 %. A ``chord_share`` of the
    sequences therefore starts as a lead sheet: after the meter and key the model chose, the
    first bar opens with the key's tonic chord, and the model goes on in its own words, chords
    and melody (a lead-sheet opening is the only thing given)."""
    import torch

    tok = loaded.tokenizer
    gen = torch.Generator().manual_seed(seed)
    share = chord_share if "root" in tok.kinds else 0.0
    out: list[list[int]] = []
    while len(out) < n:
        b = min(batch, n - len(out))
        heads = _sample(loaded, [[tok.bos_id, tok.task_ids["continue"]]] * b, 4, gen)  # + meter and key
        for i, h in enumerate(heads):  # rows i with floor((i+1)s) > floor(is): spread evenly, guard included
            j = len(out) + i
            if math.floor((j + 1) * share) > math.floor(j * share):
                h += _tonic_opening(tok, h)
        by_len: dict[int, list[int]] = {}
        for i, h in enumerate(heads):
            by_len.setdefault(len(h), []).append(i)
        done: dict[int, list[int]] = {}
        for idx in by_len.values():
            for i, row in zip(idx, _sample(loaded, [heads[i] for i in idx], length, gen)):
                done[i] = row
        out += [done[i] for i in range(len(heads))]
    return out


def _tonic_opening(tok: MusicTokenizer, head: list[int]) -> list[int]:
    """``Bar Pos_0 Root Q`` of the tonic triad of the key that ``head`` (bos, task, meter, key) chose;
    [] when the model did not write a key there."""
    if len(head) < 4 or head[-1] not in tok.id_key:
        return []
    tonic, mode = tok.id_key[head[-1]]
    return [tok.bar_id, tok.position_ids[0], tok.root_ids[tonic], tok.quality_ids["m" if mode == "minor" else ""]]


def _sample(loaded, prompts: list[list[int]], length: int, gen) -> list[list[int]]:
    """Continue each prompt (all of one length) by sampling at temperature 1 until ``<eos>`` or
    ``length`` tokens."""
    import torch

    from .step import step

    tok, model = loaded.tokenizer, loaded.model
    rows = [list(p) for p in prompts]
    done = [r[-1] == tok.eos_id for r in rows]
    if all(done) or len(rows[0]) >= length:
        return rows
    model.eval()
    with torch.inference_mode():
        logits, cache = step(model, torch.tensor(rows, device=loaded.device))
        while len(rows[0]) < length:
            probs = torch.softmax(logits[:, -1].float(), -1).cpu()
            nxt = torch.multinomial(probs, 1, generator=gen)
            for r, row in enumerate(rows):
                if not done[r]:
                    row.append(int(nxt[r, 0]))
                    done[r] = row[-1] == tok.eos_id
                else:
                    row.append(tok.pad_id)  # keeps the rows one length; removed below
            if all(done):
                break
            logits, cache = step(model, nxt.to(loaded.device), cache)
    return [_unpad(r, tok) for r in rows]


def _unpad(row: list[int], tok: MusicTokenizer) -> list[int]:
    if tok.eos_id in row:
        return row[:row.index(tok.eos_id) + 1]
    return row


def _guard_nll(loaded, seqs: list[list[int]]) -> tuple[float, float, float]:
    """Mean negative log-likelihood per token of ``seqs``, as :func:`.evaluation.attribute` groups
    them: of the melody tokens (pitch, duration, their positions, bar lines: what ``nll_per_note``
    sums) of the sequences without chords, of the melody tokens of the lead sheets (sequences with
    chords), and of the lead sheets' chord tokens; ``nan`` where there are none."""
    import numpy as np

    from .evaluation import ModelScorer, attribute

    loaded.model.eval()
    lps = ModelScorer(loaded).score(seqs)
    loaded.model.train()
    sums, counts = [0.0, 0.0, 0.0], [0, 0, 0]
    for ids, lp in zip(seqs, lps):
        group = attribute(loaded.tokenizer, ids, 1)
        scored = -lp[:len(group)]
        sheet = 1 if np.any(group == 1) else 0
        for g, slot in ((0, sheet), (1, 2)):
            sums[slot] += float(scored[group == g].sum())
            counts[slot] += int(np.sum(group == g))
    plain, sheets, chords = (sums[i] / counts[i] if counts[i] else float("nan") for i in range(3))
    return plain, sheets, chords


def _rise(now: float, then: float) -> float:
    return now / then - 1 if math.isfinite(now) and math.isfinite(then) and then > 0 else 0.0


def _distill_loss(model, teacher, batch: dict, n_own: int, weight: float):
    """Cross-entropy of the composer's rows (the first ``n_own``) plus ``weight`` x the KL divergence
    from the base model's next-token distribution to the fine-tuned model's on the replay rows: the
    whole distribution the base model gives each replayed position is kept, not one sampled token."""
    import torch
    import torch.nn.functional as F

    logits = model(input_ids=batch["input_ids"], attention_mask=batch["attention_mask"]).logits
    labels = batch["labels"]
    own_logits, own_labels = logits[:n_own, :-1], labels[:n_own, 1:]
    ce = F.cross_entropy(own_logits.reshape(-1, own_logits.shape[-1]), own_labels.reshape(-1), ignore_index=-100)
    with torch.no_grad():
        t_logits = teacher(input_ids=batch["input_ids"][n_own:], attention_mask=batch["attention_mask"][n_own:]).logits
    keep = batch["attention_mask"][n_own:, 1:].bool()  # positions with a next token
    s_logp = F.log_softmax(logits[n_own:, :-1].float(), -1)[keep]
    t_logp = F.log_softmax(t_logits[:, :-1].float(), -1)[keep]
    kl = (t_logp.exp() * (t_logp - s_logp)).sum(-1).mean() if keep.any() else logits.sum() * 0
    return ce + weight * kl


def _fine_tune(loaded, train: list[EncodedPiece], test_set, replay: list[EncodedPiece], replay_ids: list[list[int]],
               guard_set: list[list[int]], opts: LearnOptions, before: dict, say: Report,
               started: float | None = None) -> dict:
    """The training loop; the time budget counts from ``started`` (reading the files and sampling
    the base model are part of it)."""
    import torch

    from .dataset import Collator, TrainingSequences

    model, tok = loaded.model, loaded.tokenizer
    torch.manual_seed(opts.seed)
    own = TrainingSequences(tok, train, opts.max_len, seed=opts.seed, task_mix=LEARN_TASK_MIX)
    other = TrainingSequences(tok, replay, opts.max_len, seed=opts.seed + 1) if replay else None
    n_replay = round(opts.batch_size * opts.replay_share) if (other is not None or replay_ids) else 0
    rng = random.Random(opts.seed)

    def replay_item() -> dict:
        return other[0] if other is not None else {"input_ids": rng.choice(replay_ids)}
    collate = Collator(tok.pad_id)
    decay = [p for p in model.parameters() if p.ndim >= 2]
    rest = [p for p in model.parameters() if p.ndim < 2]
    optim = torch.optim.AdamW([{"params": decay, "weight_decay": 0.01}, {"params": rest, "weight_decay": 0.0}],
                              lr=opts.lr, betas=(0.9, 0.98))
    t0 = time.time()
    budget = max(1.0, (opts.time_budget_min or 1e9) * 60 - (t0 - (started or t0)))  # what is left of it

    def lr_factor(step: int) -> float:
        if step < opts.warmup_steps:
            return (step + 1) / opts.warmup_steps
        frac = max(step / max(1, opts.max_steps), (time.time() - t0) / budget)
        return 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * min(1.0, frac)))

    # The best weights so far, starting with the base model's: a run that never improves on the
    # held-out pieces gives the base model back rather than its last, worse, weights.
    best: dict[str, Any] = {"nll": before["nll_per_note"], "step": 0, "improved": False,
                            "state": {k: v.detach().clone() for k, v in model.state_dict().items()}}
    base_state = best["state"]  # (best["state"] is replaced, never changed in place)
    guard0 = _guard_nll(loaded, guard_set)
    teacher = None
    if opts.distill > 0 and n_replay:
        teacher = copy.deepcopy(model).eval()
        for p in teacher.parameters():
            p.requires_grad_(False)
    since_best, step, stop, loss_v = 0, 0, "steps", float("nan")
    history = [{"step": 0, "held_out_nll_per_note": before["nll_per_note"],
                "base_samples_nll": [round(x, 4) if math.isfinite(x) else None for x in guard0]}]
    model.train()
    while step < opts.max_steps:
        if time.time() - t0 > budget:
            stop = "time budget"
            break
        for g in optim.param_groups:
            g["lr"] = opts.lr * lr_factor(step)
        items = [own[0] for _ in range(opts.batch_size - n_replay)] + [replay_item() for _ in range(n_replay)]
        batch = {k: v.to(loaded.device) for k, v in collate(items).items()}
        if teacher is not None and n_replay:
            loss = _distill_loss(model, teacher, batch, opts.batch_size - n_replay, opts.distill)
        else:
            loss = model(**batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optim.step()
        optim.zero_grad(set_to_none=True)
        step += 1
        loss_v = float(loss.detach())
        elapsed = time.time() - t0
        eta = min(elapsed / step * (opts.max_steps - step), max(0.0, budget - elapsed))
        say({"event": "step", "step": step, "total": opts.max_steps, "eta_s": round(eta, 1), "loss": round(loss_v, 4)})
        if step % opts.eval_every == 0 or step == opts.max_steps:
            nll = held_out_nll(loaded, test_set, opts.max_len)["nll_per_note"]
            plain, sheets, chords = _guard_nll(loaded, guard_set)
            # each kind of music the model knew is guarded on its own: neither may get more than
            # ``guard`` less likely (a rise in one must not hide behind the other's average)
            rise = max(_rise(plain, guard0[0]), _rise(sheets, guard0[1]))
            rise_chords = _rise(chords, guard0[2])
            history.append({"step": step, "held_out_nll_per_note": nll, "loss": round(loss_v, 4),
                            "base_samples_rise": round(rise, 4), "melodies_rise": round(_rise(plain, guard0[0]), 4),
                            "lead_sheets_rise": round(_rise(sheets, guard0[1]), 4),
                            "base_samples_chord_rise": round(rise_chords, 4)})
            say({"event": "eval", "step": step, "held_out_nll_per_note": nll, "forgetting": round(rise, 4),
                 "forgetting_chords": round(rise_chords, 4)})
            if rise > 2 * opts.guard or rise_chords > 2 * opts.chord_guard:
                stop = "forgetting guard (the base model's own samples got less likely)"
                break
            kept = rise <= opts.guard and rise_chords <= opts.chord_guard
            if nll < best["nll"] - 1e-4 and kept:
                best.update(nll=nll, step=step, improved=True,
                            state={k: v.detach().clone() for k, v in model.state_dict().items()})
                since_best = 0
            else:
                since_best += 1
                if since_best >= opts.patience:
                    stop = ("forgetting guard (the base model's own samples got less likely)" if not kept
                            else "early stop (held-out loss stopped improving)")
                    break
    else:
        stop = "step limit"
    model.load_state_dict(best["state"])
    model.eval()
    blend = None
    if best["improved"] and 0 < opts.blend_keep < 1:
        blend = _blend_back(loaded, history[0]["held_out_nll_per_note"], best["nll"], test_set, guard_set, guard0,
                            base_state, opts)
        say({"event": "eval", "step": step, "held_out_nll_per_note": blend["held_out_nll_per_note"],
             "forgetting": blend["base_samples_rise"], "blend": blend["factor"]})
    return {"steps": step, "best_step": best["step"], "stopped_by": stop, "last_train_loss": round(loss_v, 4),
            "train_seconds": round(time.time() - t0, 1), "eval_history": history, "blend": blend,
            "kept": ("fine-tuned weights" + (", blended back towards the base model's"
                                              if blend and blend["factor"] < 1 else ""))
            if best["improved"] else "the base model's weights (no step improved the held-out loss)"}


def _blend_back(loaded, nll_base: float, nll_best: float, test_set, guard_set, guard0, base_state: dict,
                opts: LearnOptions) -> dict:
    """Blend the kept weights back towards the base model's as far as the held-out pieces keep
    ``opts.blend_keep`` of the gain (``LearnOptions.blend_keep``). Most of what a style run learns
    comes in its first stretch of the straight line from the base weights to the learned ones,
    and most of what it forgets in the last: on the tuning pieces, POP909's run blended at 0.8
    kept 91 % of its gain (-39.2 % NLL per note against -43.0 %) and its cost to the other styles
    fell from up to 2.6 % to 1.2 %; Bach's at 0.9 kept 95 % (-8.6 % against -9.1 %)."""
    import torch

    model = loaded.model
    learned = {k: v.detach().clone() for k, v in model.state_dict().items()}

    def blended(a: float) -> dict:
        return {k: base_state[k].to(v.device) + a * (v - base_state[k].to(v.device)) if v.is_floating_point() else v
                for k, v in learned.items()}

    need = nll_base - opts.blend_keep * (nll_base - nll_best)  # the held-out NLL to stay at or under
    factor, nll = 1.0, nll_best
    with torch.no_grad():
        for a in BLEND_GRID:
            model.load_state_dict(blended(a))
            got = held_out_nll(loaded, test_set, opts.max_len)["nll_per_note"]
            if got > need:
                break
            factor, nll = a, got
        model.load_state_dict(blended(factor))
    model.eval()
    plain, sheets, _chords = _guard_nll(loaded, guard_set)
    rise = max(_rise(plain, guard0[0]), _rise(sheets, guard0[1]))
    return {"factor": factor, "held_out_nll_per_note": nll, "unblended_nll_per_note": nll_best,
            "base_samples_rise": round(rise, 4), "keep": opts.blend_keep}


def _write(loaded, tok: MusicTokenizer, out: Path, info: dict) -> None:
    from .model import save_model_dir

    tmp = partial_dir(out)
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        save_model_dir(loaded.model, tok, tmp, {"options": {"max_len": info["options"]["max_len"]}, "learn": info})
        (tmp / LEARN_INFO).write_text(json.dumps(info, indent=1, default=str), encoding="utf-8")
        (tmp / "README.md").write_text(model_card(info), encoding="utf-8")
        _publish(tmp, out)
    except OSError as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        raise ComposerError(f"{out}: cannot write the model there ({exc.strerror or exc})") from None


def _blended(info: dict) -> str:
    b = info.get("blend")
    if not b:
        return ""
    if b["factor"] >= 1:
        return (f" Blending back towards the base model's weights would have kept less than {100 * b['keep']:.0f} % "
                "of the held-out gain, so the learned weights are kept as they are.")
    return (f" The learned weights were then blended back towards the base model's: base + {b['factor']:g} x "
            f"(learned - base), the smallest factor that keeps {100 * b['keep']:.0f} % of the held-out gain "
            f"(held-out NLL per note {b['unblended_nll_per_note']:.3f} unblended, {b['held_out_nll_per_note']:.3f} "
            f"blended; the base model's samples {100 * b['base_samples_rise']:+.1f} %).")


def _distilled(o: dict) -> str:
    w = float(o.get("distill") or 0.0)
    if w <= 0:
        return ""
    return (f" (distilled: on them the model's whole next-token distribution is kept close to the base "
            f"model's, KL divergence with weight {w:g})")


def _lead_sheets(o: dict) -> str:
    share = o.get("lead_sheet_share")
    if not share:
        return ""
    return f"; {100 * share:.0f} % of those samples open as a lead sheet (the key's tonic chord), so chords are kept too"


def model_card(info: dict) -> str:
    """The learned style's model card (Markdown; its first heading is the name the app shows)."""
    h = info["held_out"]
    b, a = h["before"], h["after"]
    files = sorted(info["files"].items())
    shown = ", ".join(f"`{name}`" + (f" ({n} pieces)" if n != 1 else "") for name, n in files[:60])
    if len(files) > 60:
        shown += f" and {len(files) - 60} more files"
    o = info["options"]
    return f"""---
library_name: transformers
pipeline_tag: text-generation
tags: [music, symbolic-music, lead-sheet, learned-style]
---

# {info['name']}

A style learned by Composer Assistant (`composer-app learn`) from the composer's own files: the model
**{info['base_model_name']}** (`{info['base_model']}`) fine-tuned on {info['train_pieces']} of {info['pieces']}
pieces, {len(info['held_out_titles'])} held out by title to measure. It loads like any model folder
(Assistant > Model, or `--model` on the command line), offline.

## Held-out pieces (the composer's own, not learned from)

| | before | after | change |
|---|---|---|---|
| NLL per note (nats) | {b['nll_per_note']:.3f} | {a['nll_per_note']:.3f} | {100 * h['change_per_note']:+.1f} % |
| NLL per chord (nats) | {b['nll_per_chord']:.3f} | {a['nll_per_chord']:.3f} | |

Lower is better: the model finds the composer's unseen pieces more likely. The same held-out pieces
also chose when to stop (the best of the measurements every {o['eval_every']} steps is kept), so
the "after" figure is slightly optimistic. Held out: {', '.join(info['held_out_titles'][:12])}.

## Files used ({len(files)} files, {info['pieces']} pieces, {info['unreadable']} unreadable parts skipped)

{shown}

## Training

Full fine-tune of all weights, learning rate {o['lr']}, batch {o['batch_size']}, {info['steps']}
steps ({info['stopped_by']}; kept: {info['kept']}, step {info['best_step']}), {info['train_seconds']} s of
training, {info['seconds']} s in all; time budget {o['time_budget_min']} min, step limit
{o['max_steps']}, {o['threads']} CPU thread(s). Replay, {100 * o['replay_share']:.0f} % of each batch:
{info['replay_pieces']} pieces of other music, {info['self_replay_samples']} sequences sampled from the base
model{_distilled(o)}{_lead_sheets(o)}. A step is kept only if the base model's own held-out samples got at most
{100 * o['guard']:.0f} % less likely on their notes and {100 * o.get('chord_guard', 0.1):.0f} % on their chords
(forgetting guard).{_blended(info)} Finished {info['finished']}.
Details: `learn_info.json`.
"""
