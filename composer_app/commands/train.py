"""``composer-app train``: train a music language model, or fine-tune one on your own files.

Examples::

    composer-app train --data ../shared/data --music21-corpus --out resources/models/default
    composer-app train --data ~/my-tunes --from resources/models/default --out ~/models/mine --max-steps 300
    composer-app train --kind harmonizer --data ../shared/data ../shared/pop909 --out resources/models/harmonizer

Several GPUs or machines: ``accelerate launch -m composer_app train ...`` (or ``torchrun``).
"""

from __future__ import annotations

import json


def add_arguments(p) -> None:
    from ..music_lm.harmonizer.training import SIZES as HARM_SIZES
    from ..music_lm.model import SIZES

    p.add_argument("--kind", choices=("lm", "harmonizer"), default="lm",
                   help="lm: the language model that continues melody and chords (default); harmonizer: the "
                        "bidirectional chord model that harmonizes melodies (learns from pieces with chords)")
    p.add_argument("--data", nargs="+", metavar="PATH", default=[],
                   help="files or folders of MIDI / MusicXML / ABC / project files (recursive)")
    p.add_argument("--out", required=True, metavar="DIR", help="where the model folder is written")
    p.add_argument("--from", dest="from_dir", metavar="DIR", help="fine-tune this model instead of starting fresh")
    p.add_argument("--music21-corpus", action="store_true",
                   help="add music21's folk collections (oneills1850, ryansMammoth, airdsAirs)")
    p.add_argument("--size", choices=list(dict.fromkeys([*SIZES, *HARM_SIZES])), default="default",
                   help="model shape for a fresh model (xl: harmonizer only)")
    p.add_argument("--tune-decoder", action="store_true",
                   help="harmonizer only: do not train; choose the decoder weights of the harmonizer in --out "
                        "(with the members its members.json lists) on the development pieces of --data")
    p.add_argument("--shape-tolerance", type=float, default=None, metavar="R",
                   help="harmonizer only: how far (a ratio, default 0.2) the chosen decoder's chord entropy and "
                        "distinct chords per piece may be from the composers' own, in every collection of the "
                        "development pieces")
    p.add_argument("--absolute", action="store_true",
                   help="harmonizer only: absolute pitch classes instead of scale degrees (vocabulary 3: does "
                        "not depend on the estimated key; e.g. a member of an ensemble, see members.json)")
    p.add_argument("--pseudo-labels", metavar="HARMONIZER", dest="pseudo_teacher",
                   help="harmonizer only, self-training: harmonize the training titles' melodies that have no "
                        "chords (with --music21-corpus, its folk collections) with this harmonizer folder and "
                        "learn from its rank 1 beside the real chords")
    p.add_argument("--pseudo-share", type=float, default=0.35, metavar="S",
                   help="harmonizer only: share of training windows from the pseudo-labelled melodies (0.35)")
    p.add_argument("--dropout", type=float, default=0.1, metavar="P",
                   help="harmonizer only: dropout of a fresh model's hidden states and attention (0.1)")
    p.add_argument("--weight-decay", type=float, default=0.01, metavar="W", help="harmonizer only: AdamW's (0.01)")
    p.add_argument("--keep-best", action="store_true",
                   help="harmonizer only: write the model at its lowest development loss, not at its last step")
    p.add_argument("--loader-workers", type=int, default=0, metavar="N",
                   help="harmonizer only: processes that draw the training windows (0; a few keep a GPU busy)")
    p.add_argument("--group-weights", metavar="SPEC",
                   help="harmonizer only: draw some collections' pieces more (or less) often, e.g. "
                        "openewld=4,nottingham=2 (collections: nottingham, openewld, pop909, oneills1850, "
                        "ryansmammoth, airdsairs, and user for any other file; 1 for one not named)")
    p.add_argument("--float16", action="store_true",
                   help="harmonizer only: write the weights as float16 (half the size; the app reads them as float32)")
    p.add_argument("--max-steps", type=int, default=None,
                   help="stop after N optimizer steps (default: 2000, or no limit with --time-budget, whose "
                        "learning-rate schedule then runs to its end)")
    p.add_argument("--time-budget", type=float, metavar="MIN", help="stop and save after MIN minutes")
    p.add_argument("--batch-size", type=int, default=16)
    p.add_argument("--grad-accum", type=int, default=1)
    p.add_argument("--lr", type=float, default=2e-3)
    p.add_argument("--warmup-steps", type=int, default=100)
    p.add_argument("--max-len", type=int, default=512, help="tokens per training sequence")
    p.add_argument("--eval-steps", type=int, default=200, help="validation loss every N steps")
    p.add_argument("--save-steps", type=int, default=200, help="checkpoint (and loadable model) every N steps")
    p.add_argument("--valid-fraction", type=float, default=0.1, help="share of titles held out")
    p.add_argument("--seed", type=int, default=0, help="seeds the split by title (and, unless --init-seed, the rest)")
    p.add_argument("--init-seed", type=int, default=None, metavar="N",
                   help="harmonizer: seed of the initial weights and data order, on the --seed split (another "
                        "model for an ensemble)")
    p.add_argument("--cache", metavar="DIR", help="parsed-score cache (default: the user cache folder)")
    p.add_argument("--reparse", action="store_true", help="ignore cached parses")
    p.add_argument("--workers", type=int, default=1, help="processes used to parse files")
    p.add_argument("--threads", type=int, default=1, help="torch CPU threads")
    p.add_argument("--resume", action="store_true", help="continue from the last checkpoint in OUT/checkpoints")
    p.add_argument("--task-mix", metavar="SPEC",
                   help="layout shares, e.g. continue=0.45,harmonize=0.35,chords=0.1,infill=0.1 (the default)")
    p.add_argument("--harmonize-answer-loss", action="store_true",
                   help="harmonize examples learn only their chord answer (focus a fine-tuning phase on harmonization)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")


def _named_numbers(spec: str, option: str, what: str, names=None) -> dict[str, float]:
    """``a=1,b=0.5`` as a dict; each name among ``names`` (when given), each number 0 or more."""
    from ..errors import DataError

    out = {}
    for part in spec.split(","):
        name, _, value = part.partition("=")
        name = name.strip()
        try:
            number = float(value)
        except ValueError:
            number = -1.0
        if not name or (names is not None and name not in names) or not number >= 0:
            among = f" with {what.split('=')[0]} one of {', '.join(names)}" if names is not None else ""
            raise DataError(f"{option}: '{part}' is not {what}{among}")
        out[name] = number
    return out


def parse_task_mix(spec: str | None) -> dict[str, float] | None:
    from ..errors import DataError
    from ..music_lm.vocab import TASK_NAMES

    if not spec:
        return None
    mix = _named_numbers(spec, "--task-mix", "TASK=SHARE", TASK_NAMES)
    if sum(mix.values()) <= 0:
        raise DataError("--task-mix: the shares add up to zero")
    return mix


def parse_group_weights(spec: str | None) -> dict[str, float]:
    """``--group-weights openewld=4,pop909=0.5``: how much more often each collection is drawn."""
    from ..errors import DataError

    weights = _named_numbers(spec, "--group-weights", "COLLECTION=WEIGHT") if spec else {}
    if weights and not any(weights.values()):
        raise DataError("--group-weights: every weight is zero")
    return weights


def _max_steps(args) -> int:
    """``--max-steps``, else 2000 steps, or no step limit when a time budget decides."""
    if args.max_steps is not None:
        return args.max_steps
    return 1_000_000 if args.time_budget else 2000


def run(args) -> int:
    if args.kind == "harmonizer":
        return _run_harmonizer(args)
    from ..music_lm.model import SIZES
    from ..music_lm.training import TrainOptions, train

    if args.size not in SIZES:
        from ..errors import DataError

        raise DataError(f"--size {args.size}: the language model comes in {', '.join(SIZES)}")

    opts = TrainOptions(
        data=args.data, out=args.out, from_dir=args.from_dir, music21_corpus=args.music21_corpus,
        size=args.size, max_len=args.max_len, batch_size=args.batch_size, grad_accum=args.grad_accum,
        lr=args.lr, warmup_steps=args.warmup_steps, max_steps=_max_steps(args), time_budget_min=args.time_budget,
        eval_steps=args.eval_steps, save_steps=args.save_steps, valid_fraction=args.valid_fraction,
        seed=args.seed, cache=args.cache, workers=args.workers, reparse=args.reparse, resume=args.resume,
        threads=args.threads, progress=not args.no_progress, task_mix=parse_task_mix(args.task_mix),
        harmonize_answer_loss=args.harmonize_answer_loss,
    )
    info = train(opts)
    keys = ("steps", "train_seconds", "eval_loss", "parameters")
    print(json.dumps({"out": str(args.out), **{k: info.get(k) for k in keys}, "data": info["data"]}))
    return 0


def _run_harmonizer(args) -> int:
    from ..music_lm.harmonizer.training import HarmTrainOptions, retune_decoder, train_harmonizer

    if args.tune_decoder:
        tuning = retune_decoder(args.out, args.data, args.valid_fraction, args.seed, args.cache, args.workers,
                                progress=not args.no_progress, tolerance=args.shape_tolerance)
        print(json.dumps({"out": str(args.out), "decoder": tuning["chosen"], "dev_pieces": tuning["dev_pieces"],
                          "dev_root_accuracy": tuning["chosen_row"]["root_acc"],
                          "dev_class_accuracy": tuning["chosen_row"]["class_acc"]}))
        return 0

    if args.pseudo_teacher and not 0.0 < args.pseudo_share < 1.0:
        from ..errors import DataError

        raise DataError(f"--pseudo-share {args.pseudo_share}: give a share between 0 and 1 (e.g. 0.35)")
    from ..music_lm.harmonizer.training import SIZES as HARM_SIZES

    if args.size not in HARM_SIZES:
        from ..errors import DataError

        raise DataError(f"--size {args.size}: the harmonizer comes in {', '.join(HARM_SIZES)}")
    size = args.size
    opts = HarmTrainOptions(
        data=args.data, out=args.out, from_dir=args.from_dir, size=size, max_len=args.max_len,
        batch_size=args.batch_size, lr=args.lr, warmup_steps=args.warmup_steps, max_steps=_max_steps(args),
        time_budget_min=args.time_budget, eval_steps=args.eval_steps, save_steps=args.save_steps,
        valid_fraction=args.valid_fraction, seed=args.seed, init_seed=args.init_seed, cache=args.cache,
        workers=args.workers, reparse=args.reparse, resume=args.resume, threads=args.threads,
        progress=not args.no_progress, absolute=args.absolute, music21_corpus=args.music21_corpus,
        pseudo_teacher=args.pseudo_teacher, pseudo_share=args.pseudo_share, dropout=args.dropout,
        weight_decay=args.weight_decay, keep_best=args.keep_best, loader_workers=args.loader_workers,
        float16=args.float16, group_weights=parse_group_weights(args.group_weights),
    )
    info = train_harmonizer(opts)
    keys = ("steps", "train_seconds", "eval_loss", "parameters")
    print(json.dumps({"out": str(args.out), **{k: info.get(k) for k in keys}, "data": info["data"]}))
    return 0
