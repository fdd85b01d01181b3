"""Does the assistant learn a composer's taste? Simulated composers with a hidden preference.

    python -m benchmarks.taste [--data ../shared/data] [--train 30] [--test 30] [--orders 5]

Held-out tunes (the validation side of the training split, by title) are cut after 4 bars (and at
one later bar line); for each cut the real engine (the bundled model, one torch thread) samples
its whole pool of two-bar continuations (16, in its own order, each with the harmonizer's chords),
the app's defaults otherwise. The pools are generated once and cached for the run. A learned taste
chooses the K=4 shown from the pool (``engine.generate`` calls ``TasteModel.rerank`` on the pool
and shows its first K; with nothing learned, the engine's first K); a few requests are checked
through ``engine.generate`` with the learned taste to show they are the ones the app shows.

Each simulated composer has a hidden utility and always picks its favourite of the four shown
(*accept*; the re-ranker learns from that choice among the four): ``stepwise`` (share of steps of 1-2 semitones), ``leaps`` (mean interval size),
``dense`` (notes per beat), ``sevenths`` (share of seventh chords), ``real`` (pitch-class overlap
with what the tune really does next). The re-ranker learns from ``--train`` decisions (one per
cut, in a shuffled order), then on ``--test`` other cuts we count how often rank 1 is that
composer's pick (a tie counts when rank 1 is among the favourites), against chance (1/K, and the
expected rate of a random order given the ties) and against the base ranking alone (the engine's
first K). Also: how often the composer's favourite of the whole pool is among the K shown, learned
against base. Averaged over ``--orders`` shuffles of which cuts train and which test.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import random
import sys
import time

import numpy as np


def utilities(cands, score, real) -> dict[str, list[float]]:
    from composer_app.generation.ranking import overlap, pc_histogram
    from composer_app.generation.taste import _is_seventh
    from composer_app.score.time import TPQ

    out: dict[str, list[float]] = {"stepwise": [], "leaps": [], "dense": [], "sevenths": [], "real": []}
    truth = pc_histogram(real)
    for c in cands:
        p = [n.pitch for n in sorted(c.notes, key=lambda n: (n.start, n.pitch))]
        iv = [abs(b - a) for a, b in zip(p, p[1:])]
        out["stepwise"].append(sum(1 for x in iv if 1 <= x <= 2) / len(iv) if iv else 0.0)
        out["leaps"].append(float(np.mean(iv)) if iv else 0.0)
        out["dense"].append(len(p) / max(1.0, (c.region[1] - c.region[0]) / TPQ))
        out["sevenths"].append(sum(map(_is_seventh, (x.symbol for x in c.chords))) / len(c.chords)
                               if c.chords else 0.0)
        out["real"].append(overlap(pc_histogram(c.notes), truth))
    return out


def favourites(u: list[float]) -> set[int]:
    best = max(u)
    return {i for i, x in enumerate(u) if x >= best - 1e-9}


def generate_sets(engine, settings, args) -> list[dict]:
    """The engine's whole pool for each held-out cut (its order), with features and utilities."""
    from dataclasses import replace

    from composer_app.generation.evaluation import continuation_cases
    from composer_app.generation.taste import features_of
    from composer_app.generation.types import SuggestionRequest
    from composer_app.music_lm.corpus import collect_files, load_corpus, split_by_title

    sources = collect_files(args.data)
    pieces, _ = load_corpus(sources, progress=False)
    _, valid = split_by_title(pieces)
    rng = random.Random(args.seed)
    chosen = [(p.score, "held-out") for p in valid if p.score.melody.notes]
    rng.shuffle(chosen)
    need = args.train + args.test
    cases = continuation_cases(chosen[:need], rng, per_piece=1)[:need]
    if len(cases) < need:
        cases += continuation_cases(chosen[need:need * 2], rng, per_piece=1)[:need - len(cases)]
    sets = []
    whole = replace(settings, candidates=max(settings.candidates, engine.pool))
    for i, (score, cut, real, _group) in enumerate(cases):
        cands = engine.generate(SuggestionRequest(i, score, whole, (0, cut)))
        if len(cands) <= settings.candidates:
            continue
        sets.append({"score": score, "cut": cut, "cands": cands, "feats": features_of(cands, score),
                     "util": utilities(cands, score, real)})
    return sets


def on_screen_feats(s, idx: list[int]) -> list[dict]:
    """Features of the shown candidates as the app logs them: each stamped with its place in the pool."""
    from dataclasses import replace

    from composer_app.generation.taste import features_of

    cands = [replace(s["cands"][j], provenance={**s["cands"][j].provenance, "base_rank": j + 1}) for j in idx]
    return features_of(cands, s["score"])


CHOICE: int | None = None  # the taste chooses among the engine's first CHOICE (None: engine.TASTE_CHOICE)


def shown(model, s, k: int) -> list[int]:
    """Indices (in the pool) of the K the app shows with this taste, best first."""
    from composer_app.generation.engine import TASTE_CHOICE
    from composer_app.generation.taste import features_of

    if not model.active:
        return list(range(k))
    n = max(k, CHOICE or TASTE_CHOICE)
    return model.order(features_of(s["cands"][:n], s["score"]), "continue")[:k]


def main(argv=None) -> int:
    import torch

    from composer_app.generation.engine import SuggestionEngine
    from composer_app.generation.taste import TasteModel, features_of
    from composer_app.generation.types import SuggestionRequest, SuggestionSettings
    from composer_app.music_lm.loading import load_model

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", nargs="+", default=["../shared/data"])
    ap.add_argument("--model", default=None)
    ap.add_argument("--train", type=int, default=30, help="decisions the re-ranker learns from")
    ap.add_argument("--test", type=int, default=30, help="other cuts it is measured on")
    ap.add_argument("--orders", type=int, default=5, help="shuffles of the train/test cuts")
    ap.add_argument("--k", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    ap.add_argument("--choice", type=int, default=None,
                    help="the taste chooses among the engine's first N of the pool (default: the engine's)")
    ap.add_argument("--sets", help="pickle of the candidate sets: reused when it exists, else written")
    args = ap.parse_args(argv)
    torch.set_num_threads(1)
    global CHOICE
    CHOICE = args.choice

    t0 = time.time()
    engine = SuggestionEngine(load_model(args.model, "cpu"))
    settings = SuggestionSettings(task="continue", candidates=args.k, seed=args.seed)
    if args.sets and os.path.exists(args.sets):
        with open(args.sets, "rb") as f:
            sets = pickle.load(f)
    else:
        sets = generate_sets(engine, settings, args)
        if args.sets:
            with open(args.sets, "wb") as f:
                pickle.dump(sets, f)
    for s in sets:  # features as the re-ranker sees them now (the pickle may be older than the code)
        s["feats"] = features_of(s["cands"], s["score"])
    gen_s = time.time() - t0
    print(f"{len(sets)} pools of {engine.pool} in {gen_s:.0f} s", file=sys.stderr)
    n_train = min(args.train, len(sets) // 2)
    report: dict = {"k": args.k, "train_decisions": n_train, "sets": len(sets), "orders": args.orders,
                    "generate_seconds": round(gen_s, 1), "composers": {}}
    for who in ("stepwise", "leaps", "dense", "sevenths", "real"):
        learned, base, chance, words, decidable, covered, covered_base = [], [], [], [], [], [], []
        trusted_after: list[int] = []  # decisions before the taste was first trusted (taste.TasteModel.active)
        for order in range(args.orders):
            idx = list(range(len(sets)))
            random.Random(1000 + order).shuffle(idx)
            train, test = idx[:n_train], idx[n_train:n_train + args.test]
            model = TasteModel()
            first_trusted = None
            for n, i in enumerate(train):
                s = sets[i]
                on_screen = shown(model, s, args.k)
                u = [s["util"][who][j] for j in on_screen]
                pick = min(favourites(u))  # the first of its favourites as shown
                model.observe("accept", on_screen_feats(s, on_screen), pick, "continue")
                if model.active and first_trusted is None:
                    first_trusted = n + 1
            if first_trusted is not None:  # (once per order: an order where it never was is left out)
                trusted_after.append(first_trusted)
            for i in test:
                s = sets[i]
                on_screen = shown(model, s, args.k)
                fav = favourites([s["util"][who][j] for j in on_screen])
                fav_base = favourites(s["util"][who][:args.k])
                decidable.append(len(fav) < args.k)
                learned.append(0 in fav)
                base.append(0 in fav_base)
                chance.append(len(fav) / args.k)
                pool_fav = favourites(s["util"][who])
                covered.append(bool(pool_fav & set(on_screen)))
                covered_base.append(bool(pool_fav & set(range(args.k))))
            words.append(model.describe("continue"))
        report["composers"][who] = {
            "learned_rank1": round(float(np.mean(learned)), 3), "base_rank1": round(float(np.mean(base)), 3),
            "chance": round(float(np.mean(chance)), 3), "one_over_k": round(1 / args.k, 3),
            "ratio_to_one_over_k": round(float(np.mean(learned)) * args.k, 2),
            "pool_favourite_shown": round(float(np.mean(covered)), 3),
            "pool_favourite_shown_base": round(float(np.mean(covered_base)), 3),
            "decidable_share": round(float(np.mean(decidable)), 3),
            "trusted_in_orders": f"{len(trusted_after)} of {args.orders}",
            "trusted_after_median": float(np.median(trusted_after)) if trusted_after else None,
            "says": words[0]}
    # The app's own path: engine.generate with the learned taste shows the taste's first K of the pool.
    model = TasteModel()
    for s in sets[:n_train]:
        on_screen = shown(model, s, args.k)
        pick = min(favourites([s["util"]["stepwise"][j] for j in on_screen]))
        model.observe("accept", on_screen_feats(s, on_screen), pick, "continue")
    same = 0
    for j, s in enumerate(sets[n_train:n_train + 3]):
        got = engine.generate(SuggestionRequest(9000 + j, s["score"], settings, (0, s["cut"]), taste=model))
        want = [s["cands"][i] for i in shown(model, s, args.k)]
        same += [c.fingerprint() for c in got] == [c.fingerprint() for c in want]
    report["engine_path_checked"] = f"{same} of {len(sets[n_train:n_train + 3])} identical"
    report["seconds"] = round(time.time() - t0, 1)
    if args.json:
        print(json.dumps(report, indent=1))
    else:
        print(f"K={args.k}, {n_train} decisions, then rank 1 on {args.test} other cuts, {args.orders} orders")
        print(f"{'composer':<10} {'learned':>8} {'base':>6} {'chance':>7} {'1/K':>5} {'x 1/K':>6} "
              f"{'pool fav shown':>15} {'trusted':>8}  says")
        for who, r in report["composers"].items():
            print(f"{who:<10} {r['learned_rank1']:>8.3f} {r['base_rank1']:>6.3f} {r['chance']:>7.3f} "
                  f"{r['one_over_k']:>5.2f} {r['ratio_to_one_over_k']:>6.2f} "
                  f"{r['pool_favourite_shown']:>6.3f} / {r['pool_favourite_shown_base']:.3f} "
                  f"{r['trusted_in_orders']:>8}  {r['says']}")
        print(f"engine path: {report['engine_path_checked']}; {report['seconds']} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
