"""``composer-app learn``: learn a style from your own files (a short fine-tune of the current model).

Examples::

    composer-app learn ~/my-tunes --out ~/styles/mine
    composer-app learn a.mid b.musicxml reels.abc --out runs/mine --from runs/other --time-budget 5
    composer-app learn ~/my-tunes --out runs/mine --progress-json     # JSON lines, as the GUI reads them

See :mod:`composer_app.music_lm.learn` for the recipe.
"""

from __future__ import annotations

import json
import sys


def add_arguments(p) -> None:
    p.add_argument("files", nargs="+", metavar="FILES",
                   help="your MIDI / MusicXML / ABC / project files, or folders of them (recursive)")
    p.add_argument("--out", required=True, metavar="DIR", help="the model folder to write (new, empty or an earlier style)")
    p.add_argument("--from", dest="from_dir", metavar="MODEL", help="the model to start from (default: the bundled one)")
    p.add_argument("--name", help="the style's name on its model card (default: the folder's name)")
    p.add_argument("--time-budget", type=float, default=10.0, metavar="MIN", help="stop after MIN minutes (default 10)")
    p.add_argument("--max-steps", type=int, default=400, help="stop after this many steps (default 400)")
    p.add_argument("--lr", type=float, default=1e-4, help="peak learning rate (default 1e-4)")
    p.add_argument("--batch-size", type=int, default=8)
    p.add_argument("--max-len", type=int, default=512, help="tokens per training sequence")
    p.add_argument("--holdout", type=int, metavar="N", help="titles held out to measure (default 10%%, 1 to 12)")
    p.add_argument("--eval-every", type=int, default=5, metavar="STEPS", help="held-out measurement interval")
    p.add_argument("--patience", type=int, default=20,
                   help="measurements without improvement before stopping (default 20)")
    p.add_argument("--replay", nargs="+", default=[], metavar="PATH",
                   help="other music mixed into every batch (e.g. the base model's training data)")
    p.add_argument("--replay-share", type=float, default=0.5,
                   help="share of each batch that is replay: --replay, else sequences sampled from the base model")
    p.add_argument("--self-replay", type=int, default=96, metavar="N",
                   help="sequences sampled from the base model for replay when there is no --replay (0: none)")
    p.add_argument("--lead-sheet-share", type=float, default=0.5, metavar="S",
                   help="share of the base model's samples (replay and guard) that open as a lead sheet, with "
                        "the key's tonic chord, so lead sheets with chords are kept too (default 0.5)")
    p.add_argument("--guard", type=float, default=0.03,
                   help="largest rise of the base model's own samples' loss a kept step may have (default 0.03)")
    p.add_argument("--chord-guard", type=float, default=0.10,
                   help="the same for the chord symbols of those samples (default 0.10)")
    p.add_argument("--distill", type=float, default=2.0, metavar="W",
                   help="keep the model's distribution on the replayed sequences close to the base model's "
                        "(weight of the KL divergence, default 2; 0: learn their sampled tokens instead)")
    p.add_argument("--blend-keep", type=float, default=0.9, metavar="S",
                   help="blend the learned weights back towards the base model's as far as the held-out pieces "
                        "keep this share of their gain (default 0.9; 0: keep the learned weights as they are)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads (default 1)")
    p.add_argument("--cache", metavar="DIR", help="parsed-score cache (default: the user cache folder)")
    p.add_argument("--progress-json", action="store_true",
                   help="print progress as JSON lines on stdout (event, step, total, eta_s, loss)")


def run(args) -> int:
    from ..errors import DataError
    from ..music_lm.learn import LearnOptions, learn

    if args.max_steps < 1 or args.batch_size < 1 or args.eval_every < 1 or args.time_budget <= 0:
        raise DataError("--max-steps, --batch-size, --eval-every and --time-budget must be positive")
    if not 0 <= args.replay_share < 1:
        raise DataError("--replay-share must be at least 0 and below 1")
    if not 0 <= args.lead_sheet_share <= 1:
        raise DataError("--lead-sheet-share must be between 0 and 1")
    opts = LearnOptions(
        files=args.files, out=args.out, from_dir=args.from_dir, name=args.name, time_budget_min=args.time_budget,
        max_steps=args.max_steps, lr=args.lr, batch_size=args.batch_size, holdout=args.holdout,
        eval_every=args.eval_every, patience=args.patience, replay=args.replay, replay_share=args.replay_share,
        seed=args.seed, threads=args.threads, cache=args.cache, max_len=args.max_len,
        self_replay=args.self_replay, guard=args.guard, distill=args.distill, blend_keep=args.blend_keep,
        lead_sheet_share=args.lead_sheet_share, chord_guard=args.chord_guard,
    )
    report = _json_lines if args.progress_json else _human
    info = learn(opts, report)
    if not args.progress_json:
        h = info["held_out"]
        print(json.dumps({"out": args.out, "pieces": info["pieces"], "train_pieces": info["train_pieces"],
                          "steps": info["steps"], "seconds": info["seconds"],
                          "held_out_nll_per_note": {"before": h["before"]["nll_per_note"],
                                                    "after": h["after"]["nll_per_note"]}}))
    return 0


def _json_lines(event: dict) -> None:
    print(json.dumps(event), flush=True)


def _human(event: dict) -> None:
    kind = event.get("event")
    if kind == "start":
        text = (f"learning from {event['train_pieces']} pieces, {event['held_out_pieces']} held out to measure"
                + (f", {event['unreadable']} unreadable parts skipped" if event["unreadable"] else ""))
    elif kind == "eval":
        text = f"step {event['step']}: held-out loss {event['held_out_nll_per_note']:.3f} nats per note"
    elif kind == "step" and event["step"] % 10 == 0:
        text = f"step {event['step']}/{event['total']}: loss {event['loss']:.3f}, at most {event['eta_s']:.0f} s left"
    else:
        return
    print(text, file=sys.stderr, flush=True)
