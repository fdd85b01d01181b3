"""Training the harmonizer with the Hugging Face ``Trainer`` (``composer-app train --kind harmonizer``).

The data is read and split exactly as for the language model (:mod:`..corpus`: by title, cached
parses, POP909 song folders read whole); only pieces with chords are used. A further 6 % of the
training titles (``DEV_FRACTION``, seeded) is kept out of training as a *development* set: the
decoder's weights (:mod:`.decode`) are tuned on it, never on the held-out titles. The model is a
``BertForTokenClassification`` (bidirectional: every beat's chord sees the whole window of
melody) saved as a standard Hugging Face folder with ``harmonizer_vocab.json`` and
``transitions.json`` (chord-change statistics of the training pieces, :mod:`.decode`).
"""

from __future__ import annotations

import json
import time
from dataclasses import asdict, dataclass, field
from typing import Any
from pathlib import Path

from ...errors import DataError
from ..corpus import collect_files, is_validation, load_corpus, split_by_title
from .data import HarmPiece, harm_piece

DEV_FRACTION = 0.06
DEV_SEED = 7

#: name -> (hidden size, layers, heads, MLP size)
SIZES = {"tiny": (32, 2, 2, 64), "small": (128, 3, 4, 512), "default": (192, 4, 4, 768), "large": (256, 6, 4, 1024),
         "xl": (320, 6, 5, 1280)}


@dataclass
class HarmTrainOptions:
    data: list[str] = field(default_factory=list)
    out: str = "runs/harmonizer"
    from_dir: str | None = None
    size: str = "default"
    max_len: int = 512  # beats per window
    batch_size: int = 16
    lr: float = 1e-3
    warmup_steps: int = 100
    max_steps: int = 2000
    time_budget_min: float | None = None
    eval_steps: int = 200
    save_steps: int = 200
    valid_fraction: float = 0.1
    seed: int = 0  # the train / development / held-out split by title
    #: Seeds the initial weights and the order of the training windows (None: ``seed``); another
    #: value gives another model on the same split (an ensemble member, ``runtime.MEMBERS_FILE``).
    init_seed: int | None = None
    cache: str | None = None
    workers: int = 1
    reparse: bool = False
    resume: bool = False
    threads: int = 1
    progress: bool = True
    #: Absolute pitch classes (vocabulary version 3) instead of key-relative ones: a model that does
    #: not depend on the estimated key (e.g. an ensemble member, ``runtime.MEMBERS_FILE``).
    absolute: bool = False
    #: Self-training: melodies without chords (music21's folk collections with ``music21_corpus``,
    #: and any chordless piece in ``data``) from the *training* titles are harmonized by this
    #: harmonizer folder (rank 1, as the app would) and learned from beside the real chords.
    pseudo_teacher: str | None = None
    #: Share of training windows drawn from those pseudo-labelled pieces.
    pseudo_share: float = 0.35
    music21_corpus: bool = False
    #: Dropout of the hidden states and attention (a fresh model only).
    dropout: float = 0.1
    weight_decay: float = 0.01
    #: Export the folder only when the development loss improves (the best checkpoint, not the last).
    keep_best: bool = False
    #: Processes that draw training windows (0: in the training process; more keep a GPU busy).
    loader_workers: int = 0
    #: Write the final weights as float16 (half the size on disk; loaded as float32).
    float16: bool = False
    #: Collection -> how much more often its pieces are drawn (per beat; 1 for one not named).
    group_weights: dict[str, float] = field(default_factory=dict)


def load_harm_pieces(data, valid_fraction: float = 0.1, seed: int = 0, cache=None, workers: int = 1,
                     progress: bool = True, reparse: bool = False, music21_corpus: bool = False,
                     unlabelled: list | None = None):
    """(train, dev, held-out) lists of :class:`HarmPiece` (pieces with chords only) and a summary.

    When ``unlabelled`` is a list, the training titles' pieces that have a melody but no chords
    (neither development nor held-out titles) are appended to it as ``(group, Piece)``."""
    sources = collect_files(data, music21_corpus)
    pieces, errors = load_corpus(sources, cache, workers, progress, reparse)
    if not pieces:
        raise DataError(f"no readable pieces in {', '.join(map(str, data))}")
    group_of = {str(s.path): s.group for s in sources}
    train, valid = split_by_title(pieces, valid_fraction, seed)
    dev = [p for p in train if is_validation(p.title, DEV_FRACTION, DEV_SEED)]
    train = [p for p in train if not is_validation(p.title, DEV_FRACTION, DEV_SEED)]

    def convert(ps) -> list[HarmPiece]:
        out = []
        for p in ps:
            h = harm_piece(p.score, p.title, group_of.get(p.source.split("#")[0], "user"))
            if h is not None:
                out.append(h)
        return out

    tr, dv, va = convert(train), convert(dev), convert(valid)
    if unlabelled is not None:
        unlabelled += [(group_of.get(p.source.split("#")[0], "user"), p) for p in train
                       if not p.score.chords and p.score.tracks and p.score.melody.notes]
    if not tr:
        raise DataError("none of the pieces has both a melody and chord symbols to learn from")
    summary = {"source_files": len(sources), "pieces": len(pieces), "unreadable": len(errors),
               "train_pieces": len(tr), "dev_pieces": len(dv), "valid_pieces": len(va),
               "train_beats": sum(len(p.beats) for p in tr), "groups": _groups(tr)}
    return tr, dv, va, summary


def pseudo_label(teacher: str | Path, unlabelled: list, log=print) -> list[HarmPiece]:
    """Each ``(group, Piece)`` harmonized whole by the harmonizer folder ``teacher`` (rank 1, the
    app's own decoder), as a :class:`HarmPiece` of group ``pseudo-<group>`` (self-training)."""
    from .runtime import harmonize, load_harmonizer

    h = load_harmonizer(teacher)
    out: list[HarmPiece] = []
    t0 = time.time()
    for i, (group, p) in enumerate(unlabelled):
        score = p.score
        end = score.end_of_last_bar
        try:
            progs = harmonize(h, score, 0, end, candidates=1)
        except Exception as e:  # a piece the teacher cannot read is skipped, not fatal
            log(f"pseudo-labels: skipped {p.title!r}: {e}")
            continue
        if progs:
            piece = harm_piece(score.with_chords(progs[0].chords), p.title, f"pseudo-{group}")
            if piece is not None:
                out.append(piece)
        if (i + 1) % 500 == 0:
            log(f"pseudo-labels: {i + 1} of {len(unlabelled)} pieces in {time.time() - t0:.0f} s")
    return out


def _groups(pieces: list[HarmPiece]) -> dict:
    out: dict[str, int] = {}
    for p in pieces:
        out[p.group] = out.get(p.group, 0) + 1
    return out


def make_config(vocab, size: str = "default", max_len: int = 512, dropout: float = 0.1):
    from transformers import BertConfig

    from .labels import N_LABELS, symbol_of

    hidden, layers, heads, mlp = SIZES[size]
    labels = {i: str(symbol_of(i)) for i in range(N_LABELS)}
    return BertConfig(vocab_size=len(vocab), hidden_size=hidden, num_hidden_layers=layers, num_attention_heads=heads,
                      intermediate_size=mlp, max_position_embeddings=max_len, type_vocab_size=1,
                      num_labels=N_LABELS, id2label=labels, label2id={v: k for k, v in labels.items()},
                      pad_token_id=vocab.pad_id, hidden_dropout_prob=dropout, attention_probs_dropout_prob=dropout)


def save_harmonizer_dir(model, vocab, transitions: dict, out: str | Path, info: dict | None = None,
                        float16: bool = False) -> Path:
    """The folder; ``float16`` stores the weights at half the size (the app reads them back as float32:
    the rounding moves a chord's probability by far less than the models of an ensemble differ)."""
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    if float16:
        import copy

        copy.deepcopy(model).half().save_pretrained(out)
    else:
        model.save_pretrained(out)
    vocab.save(out)
    (out / "transitions.json").write_text(json.dumps(transitions), encoding="utf-8")
    if info is not None:
        (out / "training_info.json").write_text(json.dumps(info, indent=1, default=str), encoding="utf-8")
    return out


#: How far (as a ratio) the development pieces' chord entropy and distinct chords per piece may be
#: from the composers' own, in each collection, for a decoder setting to count as shaped like them
#: (the issue's 20 %). Measured 2026-12-05 on the small harmonizer alone: the held-out pieces come out
#: up to 14 points further from the composers' than the development pieces (distinct chords, POP909
#: 0.87 on development against 0.75 held out, OpenEWLD 0.83 against 0.69). Tuning with 0.1 instead
#: brought every held-out collection within 20 % (POP909 -12 %, OpenEWLD -17 %) but cost 1.6 points
#: of root accuracy on the folk tunes and lead sheets (0.668 against 0.684) and put their worst
#: tenth at 0.61: not the default (``train --tune-decoder --shape-tolerance 0.1``).
SHAPE_TOLERANCE = 0.2
GRID = {"w_change": (0.0, 0.25, 0.5, 1.0, 2.0), "w_bigram": (0.0, 0.25, 0.5, 1.0), "w_prior": (0.0, 0.25, 0.5, 1.0),
        "w_quality": (0.5, 1.0), "w_prior_silent": (None, 0.0, -0.5)}  # None: as w_prior
#: ``w_change_alternatives`` tried once rank 1's weights are chosen (None: as ``w_change``).
ALT_GRID = (None, 0.5, 1.0, 2.0)
ALT_CANDIDATES = 4


def _shape(labels) -> tuple[float, float]:
    """(entropy in bits of the per-beat chord classes, distinct classes) of one piece's chords."""
    import math
    from collections import Counter

    counts = Counter(labels)
    n = sum(counts.values())
    return (-sum(c / n * math.log2(c / n) for c in counts.values()) if n else 0.0), float(len(counts))


def choose_decoder(table: list[dict], tolerance: float = 0.2, tie: float = 0.01) -> tuple[dict, list[dict]]:
    """The row of ``table`` (decoder weights with their development accuracies and shape ratios)
    to use, and the rows shaped like the composers' chords (entropy and distinct chords within
    ``tolerance``, in every collection when a row has ``by_group`` ratios, else pooled). Among those,
    the settings within ``tie`` of the best mean of root and root + major/minor accuracy count as
    equally accurate (a point on a hundred pieces is noise) and the one whose progressions are
    shaped most like the composers' wins; with none shaped, the most accurate row."""
    def acc(row) -> float:
        return (row["root_acc"] + row["class_acc"]) / 2

    def ratios(row) -> list[dict]:
        return list(row["by_group"].values()) if row.get("by_group") else [row]

    def unlike(row) -> float:
        return max(abs(r["entropy_ratio"] - 1) + abs(r["coverage_ratio"] - 1) for r in ratios(row))

    shaped = [r for r in table if all(abs(g["entropy_ratio"] - 1) <= tolerance and abs(g["coverage_ratio"] - 1) <= tolerance
                                      for g in ratios(r))]
    if not shaped:
        return max(table, key=acc), shaped
    top = max(acc(r) for r in shaped)
    return min((r for r in shaped if acc(r) >= top - tie), key=unlike), shaped


def tune_decoder(folder: str | Path, dev: list[HarmPiece], log=print, tolerance: float = SHAPE_TOLERANCE) -> dict:
    """Choose the decoder weights (:data:`GRID`) for the development pieces (whole pieces, melody
    only, rank 1): among the settings whose progressions are shaped like the composers' own in
    every collection of them (mean chord entropy and distinct chords per piece within ``tolerance``
    of theirs, so the harmonizer neither holds one chord for bars nor flickers, in folk tunes as in
    pop songs), the most accurate one (:func:`choose_decoder`); then, rank 1 fixed, the harmonic
    rhythm the alternatives are sampled with (:data:`ALT_GRID`) whose K candidates are right most
    often. Writes ``decode_config.json`` into ``folder``; returns the choice with the whole grid."""
    import itertools

    from .decode import viterbi
    from .labels import IGNORE, is_minor_label, root_of
    from .encoding import silent_beats
    from .runtime import beat_logprobs, chain, load_harmonizer, ranked_paths

    h = load_harmonizer(folder)
    cached = []
    for p in dev:
        known: list[int | None] = [None] * len(p.beats)
        cached.append((p, known, beat_logprobs(h, p.beats, p.notes, known), silent_beats(p.notes)))
    groups = sorted({p.group for p in dev})

    def mean_shape(shapes: list[tuple[float, float]]) -> tuple[float, float]:
        return (sum(e for e, _ in shapes) / max(1, len(shapes)), sum(c for _, c in shapes) / max(1, len(shapes)))

    human = [_shape([lab for lab in p.labels if lab != IGNORE]) for p in dev]
    table = []
    for wc, wb, wp, wq, ws in itertools.product(GRID["w_change"], GRID["w_bigram"], GRID["w_prior"], GRID["w_quality"],
                                                GRID["w_prior_silent"]):
        cfg = {"w_emission": 1.0, "w_change": wc, "w_bigram": wb, "w_prior": wp, "w_quality": wq,
               "w_prior_silent": wp if ws is None else ws}
        if ws is not None and ws == wp:
            continue  # the same setting as "as w_prior"
        counts = {g: [0, 0, 0] for g in groups}  # beats, roots right, roots + major/minor right
        shapes = []
        for p, known, lp, silent in cached:
            emis, mats, allowed = chain(h, p.beats, 0, len(p.beats), lp, known, "all", cfg, silent)
            path, _ = viterbi(emis, mats, allowed)
            sung = []
            c = counts[p.group]
            for lab, pred in zip(p.labels, path):
                if lab == IGNORE:
                    continue
                sung.append(pred)
                c[0] += 1
                if root_of(lab) == root_of(pred):
                    c[1] += 1
                    c[2] += is_minor_label(lab) == is_minor_label(pred)
            shapes.append(_shape(sung))

        def summary(of: list[str]) -> dict:
            n, root, cls = (sum(counts[g][k] for g in of) for k in range(3))
            idx = [i for i, p in enumerate(dev) if p.group in of]
            (e, cov), (he, hc) = mean_shape([shapes[i] for i in idx]), mean_shape([human[i] for i in idx])
            return {"root_acc": round(root / max(1, n), 4), "class_acc": round(cls / max(1, n), 4),
                    "entropy_ratio": round(e / max(1e-9, he), 3), "coverage_ratio": round(cov / max(1e-9, hc), 3)}

        row = {**cfg, **summary(groups)}
        if len(groups) > 1:
            row["by_group"] = {g: summary([g]) for g in groups}
        table.append(row)

    row, shaped = choose_decoder(table, tolerance)
    best = {k: row[k] for k in ("w_emission", "w_change", "w_bigram", "w_prior", "w_quality", "w_prior_silent")}
    # The alternatives' harmonic rhythm: the setting whose K candidates are right most often (mean
    # and best of K together), rank 1 fixed.
    alternatives: list[dict[str, float]] = []
    for wa in ALT_GRID:
        w_alt: float = best["w_change"] if wa is None else wa
        cfg = {**best, "w_change_alternatives": w_alt}
        n = mean_right = best_right = 0.0
        for p, known, lp, silent in cached:
            paths = ranked_paths(h, (p.beats, 0, len(p.beats), lp, known, silent), ALT_CANDIDATES, decode=cfg)
            right = [sum(root_of(lab) == root_of(q) for lab, q in zip(p.labels, path) if lab != IGNORE)
                     for path in paths]
            n += p.labelled
            mean_right += sum(right) / len(right)
            best_right += max(right)
        alternatives.append({"w_change_alternatives": w_alt,
                             "mean_of_k_root_acc": round(mean_right / max(1.0, n), 4),
                             "best_of_k_root_acc": round(best_right / max(1.0, n), 4)})
    pick = max(alternatives, key=lambda r: r["mean_of_k_root_acc"] + r["best_of_k_root_acc"])
    best["w_change_alternatives"] = pick["w_change_alternatives"]
    log(f"decoder weights {best} (dev root accuracy {row['root_acc']:.3f}, entropy x{row['entropy_ratio']}, "
        f"coverage x{row['coverage_ratio']} of the human chords, over {len(dev)} pieces)")
    Path(folder, "decode_config.json").write_text(json.dumps(best, indent=1), encoding="utf-8")
    return {"chosen": best, "chosen_row": row, "alternatives": alternatives, "shaped_like_human": bool(shaped),
            "tolerance": tolerance,
            "best_accuracy_row": max(table, key=lambda r: r["root_acc"] + r["class_acc"]),
            "dev_pieces": len(dev), "dev_groups": {g: sum(p.group == g for p in dev) for g in groups}, "grid": table}


def retune_decoder(folder: str | Path, data, valid_fraction: float = 0.1, seed: int = 0, cache=None,
                   workers: int = 1, progress: bool = True, tolerance: float | None = None) -> dict:
    """:func:`tune_decoder` for an existing harmonizer folder (with its members), on the development
    pieces of ``data`` (the same split as training); the choice is also recorded in its
    ``training_info.json``."""
    _, dev, _, _ = load_harm_pieces(data, valid_fraction, seed, cache, workers, progress)
    if not dev:
        raise DataError("no development pieces with chords in the data to tune the decoder on")
    tuning = tune_decoder(folder, dev, log=lambda *a: None,
                          tolerance=SHAPE_TOLERANCE if tolerance is None else tolerance)
    info_path = Path(folder) / "training_info.json"
    try:
        info = json.loads(info_path.read_text(encoding="utf-8")) if info_path.is_file() else {}
    except ValueError:
        info = {}
    info["decoder_tuning"] = tuning
    info_path.write_text(json.dumps(info, indent=1), encoding="utf-8")
    return tuning


def train_harmonizer(opts: HarmTrainOptions) -> dict:
    from ..training import check_training_dependencies

    check_training_dependencies()
    import torch

    if opts.threads:
        torch.set_num_threads(opts.threads)
    from transformers import BertForTokenClassification, Trainer, TrainerCallback, TrainingArguments
    from transformers.utils import logging as hf_logging

    from ..training import _hardware, _progress_info, _time_schedule
    from .bags import BagModel
    from .data import FixedWindows, HarmCollator, TrainingWindows
    from .decode import fit_transitions
    from .encoding import HarmVocab

    hf_logging.set_verbosity_error()
    out = Path(opts.out)
    vocab = HarmVocab.load(opts.from_dir) if opts.from_dir else HarmVocab(relative=not opts.absolute)
    t0 = time.time()
    unlabelled: list | None = [] if opts.pseudo_teacher else None
    train, dev, valid, summary = load_harm_pieces(opts.data, opts.valid_fraction, opts.seed, opts.cache,
                                                  opts.workers, opts.progress, opts.reparse, opts.music21_corpus,
                                                  unlabelled)
    parse_s = time.time() - t0
    pseudo: list[HarmPiece] = []
    if opts.pseudo_teacher:
        t1 = time.time()
        pseudo = pseudo_label(opts.pseudo_teacher, unlabelled or [],
                              log=print if opts.progress else (lambda *a: None))
        summary["pseudo"] = {"teacher": str(opts.pseudo_teacher), "pieces": len(pseudo),
                             "beats": sum(len(p.beats) for p in pseudo), "groups": _groups(pseudo),
                             "share": opts.pseudo_share, "seconds": round(time.time() - t1, 1)}
    unknown = sorted(set(opts.group_weights) - {p.group for p in train})
    if unknown:
        raise DataError(f"--group-weights names {', '.join(unknown)}, but the training pieces come from "
                        f"{', '.join(sorted({p.group for p in train}))}")
    init_seed = opts.seed if opts.init_seed is None else opts.init_seed
    if opts.from_dir:
        from .runtime import load_harmonizer_model

        model = load_harmonizer_model(opts.from_dir, train=True)
    else:
        torch.manual_seed(init_seed)
        model = BertForTokenClassification(make_config(vocab, opts.size, opts.max_len, opts.dropout))
    inner = model
    model = BagModel(inner)
    transitions = fit_transitions(train)
    per_epoch = max(opts.batch_size, sum(len(p.beats) for p in train) // 100)
    train_ds = TrainingWindows(vocab, train, opts.max_len, per_epoch, seed=init_seed, group_weights=opts.group_weights,
                               extra=pseudo, extra_share=opts.pseudo_share)
    valid_ds = FixedWindows(vocab, dev or valid, opts.max_len) if (dev or valid) else None
    cuda = torch.cuda.is_available()
    args = TrainingArguments(
        output_dir=str(out / "checkpoints"), per_device_train_batch_size=opts.batch_size,
        per_device_eval_batch_size=opts.batch_size, learning_rate=opts.lr, weight_decay=opts.weight_decay,
        warmup_steps=opts.warmup_steps, lr_scheduler_type="cosine", max_steps=opts.max_steps,
        logging_steps=max(1, min(50, opts.eval_steps // 4)), eval_strategy="steps" if valid_ds is not None else "no",
        eval_steps=opts.eval_steps, save_strategy="steps", save_steps=opts.save_steps, save_total_limit=2,
        seed=init_seed, dataloader_num_workers=opts.loader_workers, remove_unused_columns=False, report_to="none",
        disable_tqdm=not opts.progress, use_cpu=not cuda, bf16=cuda and torch.cuda.is_bf16_supported(),
        max_grad_norm=1.0, adam_beta2=0.98, logging_first_step=True, prediction_loss_only=True,
    )
    info = {"kind": "harmonizer", "started": time.strftime("%Y-%m-%d %H:%M:%S"), "options": asdict(opts),
            "data": summary, "parameters": sum(p.numel() for p in model.parameters()),
            "hardware": _hardware(cuda, opts.threads), "parse_seconds": round(parse_s, 1)}
    state: dict[str, Any] = {"t_train": None, "best": None}

    class ExportAndBudget(TrainerCallback):
        def on_train_begin(self, args_, st, control, **kw):
            state["t_train"] = time.time()

        def on_step_end(self, args_, st, control, **kw):
            if opts.time_budget_min and time.time() - state["t_train"] > opts.time_budget_min * 60:
                control.should_training_stop = True
                control.should_save = True
            return control

        def on_save(self, args_, st, control, **kw):
            if not opts.keep_best:
                info.update(_progress_info(st, state["t_train"]))
                save_harmonizer_dir(inner, vocab, transitions, out, info)

        def on_evaluate(self, args_, st, control, metrics=None, **kw):
            loss = (metrics or {}).get("eval_loss")
            if opts.keep_best and loss is not None and (state["best"] is None or loss < state["best"]):
                state["best"] = loss
                info.update(_progress_info(st, state["t_train"]))
                info["best_step"], info["best_eval_loss"] = st.global_step, loss
                save_harmonizer_dir(inner, vocab, transitions, out, info)

    optimizers = _time_schedule(model, args, opts, state) if opts.time_budget_min else (None, None)
    trainer = Trainer(model=model, args=args, train_dataset=train_ds, eval_dataset=valid_ds,
                      data_collator=HarmCollator(vocab.pad_id), callbacks=[ExportAndBudget()], optimizers=optimizers)
    resume = opts.resume and any((out / "checkpoints").glob("checkpoint-*"))
    trainer.train(resume_from_checkpoint=True if resume else None)
    if valid_ds is not None:
        info["final_eval_loss"] = trainer.evaluate()["eval_loss"]  # exported when it is the best (keep_best)
    info.update(_progress_info(trainer.state, state["t_train"]))
    if opts.keep_best and state["best"] is not None:  # the folder holds the best model: keep its weights
        from .runtime import load_harmonizer_model

        inner = load_harmonizer_model(out)
        info.update(steps=info["best_step"], trained_steps=trainer.state.global_step, eval_loss=state["best"])
    save_harmonizer_dir(inner, vocab, transitions, out, info, opts.float16)
    if dev:
        info["decoder_tuning"] = tune_decoder(out, dev, log=lambda *a: None)
        save_harmonizer_dir(inner, vocab, transitions, out, info, opts.float16)
    return info
