"""``composer-app convert IN OUT [--tune N]``: convert between file formats by extension.

Reads ``.composer``, ``.mid``/``.midi``, ``.musicxml``/``.xml``/``.mxl`` and ``.abc``; writes all
of them except ABC. Bad input raises :class:`~composer_app.errors.FileFormatError`, which the CLI
prints as one line naming the file and the reason (exit status 2, no traceback).
"""

from __future__ import annotations

import argparse
import os
from pathlib import Path

from ..errors import FileFormatError


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("input", metavar="IN", help="file to read (.composer, .mid, .midi, .musicxml, .xml, .mxl, .abc)")
    parser.add_argument("output", metavar="OUT", nargs="?", default=None,
                        help="file to write (.composer, .mid, .midi, .musicxml, .xml, .mxl)")
    parser.add_argument("--tune", type=int, default=None, metavar="N",
                        help="for a multi-tune ABC file: the tune's X: number (default: the first tune)")
    parser.add_argument("--list-tunes", action="store_true",
                        help="for an ABC file: list its tunes (X: number and title) and exit")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing on success")


def run(args: argparse.Namespace) -> int:
    from .. import formats

    src = Path(args.input)
    if args.list_tunes:
        if src.suffix.lower() != ".abc":
            raise FileFormatError(src, "--list-tunes needs an ABC file")
        from ..formats.abc import list_tunes

        for info in list_tunes(src):
            print(f"{info.number}\t{info.title}")
        return 0
    if args.output is None:
        raise FileFormatError(src, "no output file given (composer-app convert IN OUT)")
    dst = Path(args.output)
    if args.tune is not None and src.suffix.lower() != ".abc":
        raise FileFormatError(src, "--tune applies to ABC files only")
    # Refuse a bad output before reading (reading can take a while); never touch the output.
    formats.check_extension(dst, for_write=True)
    formats.check_readable(src)
    target = formats.check_writable(dst)
    if target.exists() and os.path.samefile(src, target):
        raise FileFormatError(dst, "the output file is the input file; choose another name")
    score = formats.read(src, tune=args.tune)
    formats.write(score, dst)
    if not args.quiet:
        n = sum(len(t.notes) for t in score.tracks)
        print(f"{src} -> {dst}: {n} notes, {len(score.chords)} chords, {len(score.tracks)} "
              f"track{'s' if len(score.tracks) != 1 else ''}")
    return 0
