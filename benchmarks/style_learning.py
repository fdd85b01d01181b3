"""Learning a style from 100 of a composer's pieces: does the own style get likelier, and do the others survive?

    python -m benchmarks.style_learning [--styles oneills pop909 openewld] [--time-budget 10]
        [--split report|tune] [--json runs/style_learning.json] [--shared ../shared]

Three styles, each a pool of pieces the bundled model never trained on where that is possible:

* ``oneills``: O'Neill's Irish tunes (music21's ``oneills1850``), titles on the validation side of
  the bundled model's own title split (it trained on the others);
* ``pop909``: POP909 pop songs (``../shared/pop909``; the language model never saw any);
* ``openewld``: OpenEWLD standards (``../shared/data/openewld-pd``): only about 19 titles are on the
  validation side, so the 100 pieces learned from are training-side titles and the pieces
  measured are the validation-side ones (unseen by the base model and by the fine-tune);
* ``bach``: Bach's chorales from music21's corpus (the soprano as the melody, no chord symbols):
  a fourth style, new to the model like POP909 (some chorale tunes recur under several BWV numbers);
* ``han``: Chinese folk songs of the Essen collection (music21's ``essenFolksong/han*.abc``):
  a fifth, new to the model (largely pentatonic).

Each pool is ordered by a hash of the title and cut into ``learn`` (100 pieces, written as project
files and given to ``composer-app learn`` exactly as a composer would), ``tune`` (20: the split the
recipe was tuned on, ``--split tune``) and ``report`` (up to 30: the figures reported, never used
for tuning). For every style, ``learn`` runs with one torch thread and ``--time-budget`` minutes,
then the negative log-likelihood per note (``evaluate``'s metric) is measured on the chosen split
of every style, before (the bundled model) and after. Styles run one at a time. Prints a Markdown
table and writes the JSON.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import time
from pathlib import Path

STYLES = ("oneills", "pop909", "openewld", "bach", "han")
N_LEARN, N_TUNE, N_REPORT = 100, 20, 30


def _key(title: str, numbers: bool = False) -> str:
    """One key per tune (settings of a tune are one); ``numbers``: "BWV 10.7" and "BWV 101.7" differ."""
    from composer_app.music_lm.corpus import title_key
    from composer_app.music_lm.learn import piece_key

    return piece_key(title) if numbers else title_key(title)


def _order(title: str, numbers: bool = False) -> str:
    return hashlib.sha1(f"style-bench:{_key(title, numbers)}".encode()).hexdigest()


def _unique(pieces, numbers: bool = False):
    seen, out = set(), []
    for p in sorted(pieces, key=lambda p: _order(p.title, numbers)):
        k = _key(p.title, numbers)
        if k not in seen and p.score.tracks and p.score.tracks[0].notes:
            seen.add(k)
            out.append(p)
    return out


def pools(style: str, shared: Path) -> dict[str, list]:
    """{"learn": [...], "tune": [...], "report": [...]} pieces of one style."""
    from music21 import corpus

    from composer_app.music_lm.corpus import SourceFile, collect_files, is_validation, load_corpus

    if style == "oneills":
        sources = [SourceFile(Path(f), True, "oneills1850") for f in sorted(corpus.getComposer("oneills1850"))]
        pieces = _unique(load_corpus(sources, progress=False)[0])
        unseen = [p for p in pieces if is_validation(p.title)]
        return {"learn": unseen[:N_LEARN], "tune": unseen[N_LEARN:N_LEARN + N_TUNE],
                "report": unseen[N_LEARN + N_TUNE:N_LEARN + N_TUNE + N_REPORT]}
    if style == "pop909":
        songs = sorted(collect_files([shared / "pop909"]), key=lambda s: _order(f"POP909 {s.path.name}"))
        pieces = _unique(load_corpus(songs[:N_LEARN + N_TUNE + N_REPORT + 10], progress=False)[0])
        return {"learn": pieces[:N_LEARN], "tune": pieces[N_LEARN:N_LEARN + N_TUNE],
                "report": pieces[N_LEARN + N_TUNE:N_LEARN + N_TUNE + N_REPORT]}
    if style == "openewld":
        pieces = _unique(load_corpus(collect_files([shared / "data" / "openewld-pd"]), progress=False)[0])
        seen = [p for p in pieces if not is_validation(p.title)]
        unseen = [p for p in pieces if is_validation(p.title)]
        return {"learn": seen[:N_LEARN], "tune": seen[N_LEARN:N_LEARN + N_TUNE], "report": unseen[:N_REPORT]}
    if style == "bach":
        sources = [SourceFile(Path(f), True, "bach") for f in sorted(corpus.getComposer("bach"))
                   if str(f).endswith(".mxl")]
        pieces = _unique(load_corpus(sources, progress=False)[0], numbers=True)
        return {"learn": pieces[:N_LEARN], "tune": pieces[N_LEARN:N_LEARN + N_TUNE],
                "report": pieces[N_LEARN + N_TUNE:N_LEARN + N_TUNE + N_REPORT]}
    if style == "han":
        sources = [SourceFile(Path(f), True, "essen-han") for f in sorted(corpus.getPaths())
                   if "essenFolksong" in str(f) and Path(f).name.startswith("han")]
        pieces = _unique(load_corpus(sources, progress=False)[0], numbers=True)
        return {"learn": pieces[:N_LEARN], "tune": pieces[N_LEARN:N_LEARN + N_TUNE],
                "report": pieces[N_LEARN + N_TUNE:N_LEARN + N_TUNE + N_REPORT]}
    raise SystemExit(f"unknown style {style!r}; choose from {', '.join(STYLES)}")


def write_pieces(pieces, folder: Path) -> None:
    from composer_app import formats

    folder.mkdir(parents=True, exist_ok=True)
    for i, p in enumerate(pieces):
        formats.write(p.score, folder / f"{i:03d}.composer")


def nll(model_dir, pieces) -> float:
    from composer_app.music_lm.learn import _encode, held_out_nll
    from composer_app.music_lm.loading import load_model

    lm = load_model(model_dir, device="cpu", threads=1)
    return held_out_nll(lm, _encode(lm.tokenizer, pieces))["nll_per_note"]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--styles", nargs="+", default=list(STYLES[:3]), choices=STYLES)
    ap.add_argument("--shared", default=str(Path(__file__).resolve().parents[2] / "shared"))
    ap.add_argument("--split", choices=("report", "tune"), default="report")
    ap.add_argument("--learn-only", nargs="+", choices=STYLES, default=None,
                    help="learn only these of --styles (all of them are still measured)")
    ap.add_argument("--time-budget", type=float, default=10.0)
    ap.add_argument("--work", default="runs/style_learning", help="learned models and the pieces given to learn")
    ap.add_argument("--json", default="runs/style_learning.json")
    ap.add_argument("learn_args", nargs="*", help="extra options for learn, after --, e.g. -- --lr 5e-4")
    args = ap.parse_args(argv)
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    import torch

    torch.set_num_threads(1)
    shared, work = Path(args.shared), Path(args.work)
    t0 = time.time()
    data = {s: pools(s, shared) for s in args.styles}
    print(f"pieces ({args.split} split): " + ", ".join(f"{s} learn {len(d['learn'])} / measure {len(d[args.split])}"
                                                      for s, d in data.items()), file=sys.stderr)
    before = {s: nll(None, d[args.split]) for s, d in data.items()}
    rows: dict[str, dict] = {}
    for s, d in data.items():
        if args.learn_only and s not in args.learn_only:
            continue
        folder, out = work / s / "pieces", work / s / "model"
        write_pieces(d["learn"], folder)
        cmd = [sys.executable, "-m", "composer_app", "learn", str(folder), "--out", str(out), "--name", f"Style: {s}",
               "--time-budget", str(args.time_budget), "--threads", "1", *args.learn_args]
        t = time.time()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        learn_s = time.time() - t
        info = json.loads((out / "learn_info.json").read_text())
        after = {o: nll(out, data[o][args.split]) for o in data}
        rows[s] = {"learn_seconds": round(learn_s, 1), "steps": info["steps"], "best_step": info["best_step"],
                   "stopped_by": info["stopped_by"], "own_held_out_in_learn": info["held_out"],
                   "nll_after": after,
                   "change": {o: round(after[o] / before[o] - 1, 4) for o in data}}
        print(f"{s}: {json.dumps(rows[s]['change'])} in {learn_s:.0f} s", file=sys.stderr)
    result = {"split": args.split, "time_budget_min": args.time_budget, "learn_args": args.learn_args,
              "pieces": {s: {k: len(v) for k, v in d.items()} for s, d in data.items()},
              "nll_before": before, "styles": rows, "seconds": round(time.time() - t0, 1)}
    Path(args.json).parent.mkdir(parents=True, exist_ok=True)
    Path(args.json).write_text(json.dumps(result, indent=1))
    print(table(result))
    return 0


def table(result: dict) -> str:
    styles = list(result["nll_before"])
    lines = ["| learned from (100 pieces) | minutes | steps | " + " | ".join(f"{o}: NLL/note before → after" for o in styles)
             + " | own change | others' largest rise |",
             "|---" * (len(styles) + 5) + "|"]
    for s, r in result["styles"].items():
        cells = []
        for o in styles:
            cells.append(f"{result['nll_before'][o]:.3f} → {r['nll_after'][o]:.3f} ({100 * r['change'][o]:+.1f} %)")
        others = [r["change"][o] for o in styles if o != s]
        rise = f"{100 * max(others):+.1f} %" if others else "-"
        lines.append(f"| {s} | {r['learn_seconds'] / 60:.1f} | {r['steps']} | " + " | ".join(cells)
                     + f" | {100 * r['change'][s]:+.1f} % | {rise} |")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
