"""``composer-app evaluate``: the model against an n-gram and a template harmonizer on held-out titles.

    composer-app evaluate --data ../shared/data [--model DIR] [--json]

The held-out split is the one training used (titles hashed with ``--seed``/``--valid-fraction``),
so the numbers are on music the model never saw, in any transposition.
"""

from __future__ import annotations

import json
import random
import sys
import time

METRICS = [
    ("nll_per_note", "NLL / note (nats)", "lower"),
    ("nll_per_chord", "NLL / chord (nats)", "lower"),
    ("next_chord_acc", "next chord (root+quality)", "higher"),
    ("harm_root_acc", "harmonize: root / beat", "higher"),
    ("harm_class_acc", "harmonize: root+maj/min / beat", "higher"),
    ("joint_root_acc", "harmonize (joint likelihood): root / beat", "higher"),
    ("joint_class_acc", "harmonize (joint likelihood): root+maj/min / beat", "higher"),
    ("fused_root_acc", "harmonize (model + melody fit, as in the app): root / beat", "higher"),
    ("fused_class_acc", "harmonize (model + melody fit, as in the app): root+maj/min / beat", "higher"),
]
#: the template harmonizer has one answer; it is the baseline for both harmonization methods.
TEMPLATE_SAME = {"joint_root_acc": "harm_root_acc", "joint_class_acc": "harm_class_acc",
                 "fused_root_acc": "harm_root_acc", "fused_class_acc": "harm_class_acc"}


def add_arguments(p) -> None:
    p.add_argument("--data", nargs="+", metavar="PATH", default=[], help="files or folders (as for train)")
    p.add_argument("--model", metavar="DIR", help="model folder (default: the bundled model)")
    p.add_argument("--music21-corpus", action="store_true", help="add music21's folk collections")
    p.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    p.add_argument("--valid-fraction", type=float, default=0.1)
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--max-pieces", type=int, default=0,
                   help="evaluate a fixed-seed sample of this many held-out pieces (0: all)")
    p.add_argument("--ngram-order", type=int, default=7,
                   help="n-gram order (7 was best on held-out NLL among 3-8)")
    p.add_argument("--ngram-music21-corpus", action="store_true",
                   help="also train the n-gram on music21's folk collections (their training split), "
                        "as the bundled model was; the held-out pieces stay those of --data")
    p.add_argument("--max-len", type=int, default=512)
    p.add_argument("--device", default="auto", choices=["auto", "cpu", "cuda"])
    p.add_argument("--cache", metavar="DIR")
    p.add_argument("--workers", type=int, default=1)


def run(args) -> int:
    from ..errors import DataError
    from ..music_lm.corpus import collect_files, load_corpus, split_by_title
    from ..music_lm.evaluation import EvalPiece, evaluate
    from ..music_lm.loading import load_model
    from ..music_lm.training import encode_pieces

    t0 = time.time()
    log = (lambda *a: print(*a, file=sys.stderr)) if not args.json else (lambda *a: None)
    lm = load_model(args.model, args.device)
    tok = lm.tokenizer
    pieces, errors = load_corpus(collect_files(args.data, args.music21_corpus), args.cache, args.workers,
                                 progress=not args.json)
    train, valid = split_by_title(pieces, args.valid_fraction, args.seed)
    if args.ngram_music21_corpus and not args.music21_corpus:
        folk, _ = load_corpus(collect_files([], True), args.cache, args.workers, progress=not args.json)
        train += split_by_title(folk, args.valid_fraction, args.seed)[0]
    valid = [p for p in valid if p.score.tracks and p.score.tracks[0].notes]
    if not valid:
        raise DataError("no held-out pieces to evaluate (give more data or a larger --valid-fraction)")
    if args.max_pieces and len(valid) > args.max_pieces:
        valid = random.Random(args.seed).sample(valid, args.max_pieces)
    enc_valid = []
    for p in valid:
        enc = tok.encode_piece(p.score)
        if not any("not in vocabulary" in i for i in enc.issues):
            enc_valid.append(EvalPiece(p.score, enc))
    results = evaluate(lm, encode_pieces(tok, train), enc_valid, max_len=args.max_len,
                       ngram_order=args.ngram_order, seed=args.seed, log=log)
    ahead = {}
    for key, _, better in METRICS:
        base = [results[b][key] for b in ("ngram", "template") if key in results[b]]
        if key in TEMPLATE_SAME:
            base.append(results["template"][TEMPLATE_SAME[key]])
        m = results["model"][key]
        ahead[key] = all(m < b if better == "lower" else m > b for b in base)
    report = {
        "model": str(lm.path), "device": lm.device, "held_out_pieces": len(enc_valid),
        "train_pieces_for_ngram": len(train), "unreadable": len(errors), "seconds": round(time.time() - t0, 1),
        "results": results, "model_ahead": ahead,
    }
    if args.json:
        print(json.dumps(report))
    else:
        print(format_table(results))
        print(f"\n{len(enc_valid)} held-out pieces; model ahead of both baselines on "
              f"{sum(ahead.values())}/{len(ahead)} metrics; {report['seconds']} s")
    return 0


def format_table(results: dict) -> str:
    rows = ["| metric | model | n-gram | template |", "|---|---|---|---|"]
    for key, label, _ in METRICS:
        cells = []
        for name in ("model", "ngram", "template"):
            v = results.get(name, {}).get(key)
            if v is None and name == "template":
                v = results["template"].get(TEMPLATE_SAME.get(key, key))
            cells.append("–" if v is None else (f"{v:.3f}" if "nll" in key else f"{100 * v:.1f} %"))
        rows.append(f"| {label} | " + " | ".join(cells) + " |")
    return "\n".join(rows)
