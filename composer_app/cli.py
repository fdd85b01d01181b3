"""Command-line entry point: ``composer-app`` opens the GUI; subcommands work headless.

Each subcommand lives in ``composer_app/commands/<name>.py`` (``self-check``: ``self_check.py``) with
``add_arguments(parser)`` and ``run(args) -> int``; modules are imported only when their command runs, so ``convert`` never
loads torch and ``suggest`` never loads Qt. A :class:`~composer_app.errors.ComposerError`
becomes one line on stderr and exit status 2; nothing prints a traceback for bad input.
"""

from __future__ import annotations

import argparse
import importlib
import sys

from . import __version__
from .errors import ComposerError

#: name -> one-line help. The module ``composer_app.commands.<name>`` implements it.
COMMANDS = {
    "convert": "convert between MIDI, MusicXML, ABC and project files (by extension)",
    "suggest": "print ranked continuations or harmonizations as JSON Lines",
    "train": "train or fine-tune a music language model",
    "learn": "learn a style from your own files (a short fine-tune of the current model)",
    "evaluate": "evaluate a model against n-gram and template baselines",
    "render": "render a score to a WAV file with FluidSynth",
    "ports": "list MIDI input and output ports",
    "play": "play a score to a MIDI port in real time",
    "self-check": "check this installation: versions, model, one real suggestion, sound and MIDI",
}


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="composer-app",
        description="Composer Assistant. With no command (or a file) it opens the editor.",
    )
    parser.add_argument("--version", action="version", version=f"composer-app {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name, help_text in COMMANDS.items():
        p = sub.add_parser(name, help=help_text, description=help_text)
        module = _command_module(name)
        if module is not None:
            module.add_arguments(p)
    return parser


def _command_module(name: str):
    try:
        module = f"composer_app.commands.{name.replace('-', '_')}"
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        if exc.name == module:
            return None  # not built yet
        raise


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    # No command, or a single file path: open the GUI.
    if not argv or (len(argv) == 1 and not argv[0].startswith("-") and argv[0] not in COMMANDS):
        from .app import main as gui_main

        return gui_main(argv)
    parser = build_parser()
    args = parser.parse_args(argv)
    from .logs import setup_logging

    setup_logging()
    module = _command_module(args.command)
    if module is None:
        print(f"composer-app: the '{args.command}' command is not available in this build", file=sys.stderr)
        return 2
    try:
        return int(module.run(args) or 0)
    except ComposerError as exc:
        print(f"composer-app {args.command}: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"composer-app {args.command}: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
