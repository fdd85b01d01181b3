"""``composer-app evaluate``: the composer's tasks on held-out titles, through the app's own engine.

    composer-app evaluate --data ../shared/data ../shared/pop909 [--model DIR] [--json]

The held-out split is the one training used (titles hashed with ``--seed``/``--valid-fraction``),
so the numbers are on music neither model saw, in any transposition.

* ``harmonize`` (:mod:`composer_app.generation.evaluation`): every held-out piece with chords,
  stripped of all its chords, harmonized whole and in a 4- and an 8-bar region exactly as Ctrl+H
  and ``suggest --task harmonize`` do (``SuggestionEngine``, default settings), against its own
  chords, next to the rule harmonizer and the n-gram model.
* ``continue``: each held-out piece cut after 4 bars (and at one later bar line) and continued by
  2 bars with the app's defaults; the pitch-class overlap of rank 1, of the average and of the
  best of the K shown with what the composer wrote next, for the app's ranking and for the
  engine's earlier order (mean log-probability).
* ``lm``: the language model's teacher-forced metrics (negative log-likelihood per note and per
  chord, next-chord accuracy given the true chords before it) next to the n-gram's. These measure
  the model, not a task.
"""

from __future__ import annotations

import json
import random
import sys
import time


def add_arguments(p) -> None:
    p.add_argument("--data", nargs="+", metavar="PATH", default=[], help="files or folders (as for train)")
    p.add_argument("--model", metavar="DIR", help="model folder (default: the bundled model)")
    p.add_argument("--what", choices=("all", "harmonize", "continue", "lm"), default="all", help="which measurements")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of tables")
    p.add_argument("--valid-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-pieces", type=int, default=0,
                   help="a fixed-seed sample of this many held-out pieces per collection (0: all)")
    p.add_argument("--candidates", type=int, default=None, metavar="K",
                   help="candidates per request (default: the app's default)")
    p.add_argument("--repeats", type=int, default=1, metavar="N",
                   help="continue: sample every request's pool with seeds 0 (the app's default) to N-1 and "
                        "report the mean (and each run)")
    p.add_argument("--keys", choices=("notated", "none"), default="notated",
                   help="harmonize and continue: give the app each piece with its notated keys, or with none set "
                        "(as a MIDI file from a DAW or a new document gives a melody: the app reads the key from "
                        "the notes)")
    p.add_argument("--no-ngram", action="store_true", help="leave out the n-gram baseline (it takes minutes to fit)")
    p.add_argument("--ngram-order", type=int, default=7, help="n-gram order (7 was best on held-out NLL among 3-8)")
    p.add_argument("--max-len", type=int, default=512)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--cache", metavar="DIR")
    p.add_argument("--workers", type=int, default=1)


def held_out(args, log):
    """(training pieces, held-out pieces with a melody, group of each, unreadable count)."""
    from ..errors import DataError
    from ..music_lm.corpus import collect_files, load_corpus, split_by_title

    sources = collect_files(args.data)
    group_of = {str(s.path): s.group for s in sources}
    pieces, errors = load_corpus(sources, args.cache, args.workers, progress=not args.json)
    train, valid = split_by_title(pieces, args.valid_fraction, args.seed)
    valid = [p for p in valid if p.score.tracks and p.score.melody.notes]
    if not valid:
        raise DataError("no held-out pieces to evaluate (give more data or a larger --valid-fraction)")
    groups = {id(p): group_of.get(p.source.split("#")[0], "user") for p in valid}
    if args.max_pieces:
        rng = random.Random(args.seed)
        by: dict[str, list] = {}
        for p in valid:
            by.setdefault(groups[id(p)], []).append(p)
        valid = [p for g in sorted(by) for p in (rng.sample(by[g], args.max_pieces)
                                                 if len(by[g]) > args.max_pieces else by[g])]
    log(f"{len(valid)} held-out pieces, {len(train)} training pieces")
    return train, valid, groups, len(errors)


def _trained_groups(model_dir) -> set[str] | None:
    """The collections the language model was trained on (its ``training_info.json``), if recorded."""
    from pathlib import Path

    info = Path(model_dir) / "training_info.json"
    try:
        groups = json.loads(info.read_text(encoding="utf-8")).get("data", {}).get("groups")
    except (OSError, ValueError, AttributeError):
        return None
    return set(groups) if isinstance(groups, dict) and groups else None


def run(args) -> int:
    from dataclasses import replace

    from ..score import KeySignature
    from ..generation.engine import SuggestionEngine
    from ..generation.evaluation import harmonization_report
    from ..generation.types import SuggestionSettings
    from ..music_lm.evaluation import EvalPiece, evaluate, fit_ngram
    from ..music_lm.loading import load_model
    from ..music_lm.training import encode_pieces

    t0 = time.time()
    log = (lambda *a: print(*a, file=sys.stderr)) if not args.json else (lambda *a: None)
    lm = load_model(args.model, args.device)
    tok = lm.tokenizer
    train, valid, groups, unreadable = held_out(args, log)
    ngram = None
    if not args.no_ngram:
        t = time.time()
        ngram = fit_ngram(tok, encode_pieces(tok, train), args.ngram_order, args.seed)
        log(f"n-gram (order {args.ngram_order}) fitted in {time.time() - t:.0f} s")
    report: dict = {"model": str(lm.path), "device": lm.device,
                    "harmonizer": str(lm.harmonizer.path) if lm.harmonizer else None,
                    "held_out_pieces": len(valid), "unreadable": unreadable}
    if args.what in ("all", "harmonize"):
        settings = SuggestionSettings(task="harmonize")
        if args.candidates:
            settings = SuggestionSettings(task="harmonize", candidates=args.candidates)
        chorded = [(p.score, groups[id(p)]) for p in valid if p.score.chords]
        report["harmonize"] = harmonization_report(SuggestionEngine(lm), chorded, settings=settings, ngram=ngram,
                                                   log=log, seed=args.seed, without_keys=args.keys == "none")
        report["harmonize_settings"] = settings.to_dict()
    report["keys"] = args.keys
    if args.what in ("all", "continue"):
        from ..generation.evaluation import continuation_cases, ranking_report

        from ..generation.ranking import FIT_HALF_SEED
        from ..music_lm.corpus import is_validation

        # The ranker was fitted on the other half of the held-out titles (benchmarks/ranking.py).
        pieces = [(p.score, groups[id(p)]) for p in valid if is_validation(p.title, 0.5, FIT_HALF_SEED)]
        if args.keys == "none":  # as a MIDI file from a DAW gives them: no key set
            pieces = [(replace(s, key_signatures=(KeySignature(assumed=True),)), g) for s, g in pieces]
        report["continue"] = ranking_report(SuggestionEngine(lm), continuation_cases(pieces, random.Random(args.seed)),
                                            log=log, repeats=args.repeats)
    if args.what in ("all", "lm"):
        # Teacher-forced metrics only mean something on music of the kinds the model learned from.
        known = _trained_groups(lm.path)
        lm_valid = [p for p in valid if known is None or groups[id(p)] in known]
        report["lm_collections"] = sorted({groups[id(p)] for p in lm_valid})
        enc = []
        for p in lm_valid:
            e = tok.encode_piece(p.score)
            if not any("not in vocabulary" in i for i in e.issues):
                enc.append(EvalPiece(p.score, e))
        if ngram is None:
            ngram = fit_ngram(tok, encode_pieces(tok, train), args.ngram_order, args.seed)
        report["lm"] = evaluate(lm, ngram, enc, max_len=min(args.max_len, lm.max_len), seed=args.seed, log=log)
    report["seconds"] = round(time.time() - t0, 1)
    if args.json:
        print(json.dumps(report))
    else:
        print(format_report(report))
    return 0


HARM_ROWS = [("root_acc", "root / beat"), ("class_acc", "root + maj/min / beat"),
             ("chord_tone_ratio", "chord-tone ratio"), ("entropy_bits", "chord entropy (bits)"),
             ("coverage", "distinct chords / piece"), ("changes_per_bar", "chord changes / bar")]
WHO = ("rank1", "mean_of_k", "best_of_k", "rule", "ngram", "human")


def format_report(report: dict) -> str:
    out = []
    for scope, by in report.get("harmonize", {}).items():
        if scope == "skipped_requests":
            out.append(f"\nrequests the app refused (no melody in the region): {by}")
            continue
        who = [w for w in WHO if w in by]
        out.append(f"\nharmonize {scope} ({by['rank1']['pieces']} pieces, {int(by['rank1']['beats'])} beats)")
        out.append("| metric | " + " | ".join(who) + " |")
        out.append("|---" * (len(who) + 1) + "|")
        for key, label in HARM_ROWS:
            cells = []
            for w in who:
                v = by[w].get(key)
                cells.append("–" if v is None else (f"{100 * v:.1f} %" if key.endswith(("acc", "ratio")) else f"{v:.2f}"))
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        tenths = by["rank1"]["root_acc_by_tenth"]
        out.append("rank 1 root accuracy by tenth: " + " ".join("–" if v is None else f"{v:.2f}" for v in tenths))
    if "continue" in report:
        c = report["continue"]
        out.append(f"\ncontinue K=4 x 2 bars after 4 bars (and one later bar line): pitch-class overlap with what "
                   f"came next, {c['app']['cases']} requests")
        out.append("| | rank 1 | mean of K | best of K |\n|---|---|---|---|")
        for name, label in (("app", f"ranked (best 4 of {c['pool']})"), ("before", "model's log-probability")):
            r = c[name]
            if not r["cases"]:
                continue
            out.append(f"| {label} | {r['rank1']:.3f} | {r['mean_of_k']:.3f} | {r['best_of_k']:.3f} |")
        if c.get("repeats"):
            out.append(f"(means of {len(c['repeats'])} runs, seeds 0 to {len(c['repeats']) - 1}; ranked, best of K - rank 1 per run: "
                       + ", ".join(f"{r['best_minus_rank1']:.3f}" for r in c["repeats"]) + ")")
    if "lm" in report:
        out.append(f"\nlanguage model (teacher-forced, not a task; held-out pieces of "
                   f"{', '.join(report['lm_collections'])}: the collections it was trained on)")
        out.append("| metric | model | n-gram |\n|---|---|---|")
        for key, label in (("nll_per_note", "NLL / note (nats)"), ("nll_per_chord", "NLL / chord (nats)"),
                           ("next_chord_acc", "next chord, root+quality, true chords before")):
            m, g = report["lm"]["model"][key], report["lm"]["ngram"][key]
            fmt = (lambda v: f"{v:.3f}") if "nll" in key else (lambda v: f"{100 * v:.1f} %")
            out.append(f"| {label} | {fmt(m)} | {fmt(g)} |")
    out.append(f"\n{report['held_out_pieces']} held-out pieces; {report['seconds']} s")
    return "\n".join(out)
