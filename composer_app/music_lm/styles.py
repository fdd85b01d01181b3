"""The composer's learned styles: model folders in the user data folder, ``styles/NAME``.

Each style is a complete model folder written by ``composer-app learn`` (see :mod:`.learn`): the
weights, the vocabulary, a model card ``README.md`` and ``learn_info.json``. A folder whose name
starts with a dot is a run in progress (or one that was stopped) and is never listed. Deleting a
style is deleting its folder. Pure Python (no Qt, no torch): the GUI lists, names and deletes
styles through here and runs the learning as a separate process with :func:`learn_command`.
"""

from __future__ import annotations

import json
import re
import shutil
import sys
from dataclasses import dataclass
from pathlib import Path

from ..errors import DataError
from .learn import LEARN_INFO, remove_partials

STYLES_FOLDER = "styles"


@dataclass(frozen=True)
class Style:
    name: str  # as shown (the model card's name)
    path: Path


def styles_dir() -> Path:
    from ..paths import user_data

    return user_data() / STYLES_FOLDER


def list_styles(folder: Path | None = None) -> list[Style]:
    """The finished styles, by name."""
    folder = folder or styles_dir()
    if not folder.is_dir():
        return []
    out = []
    for d in folder.iterdir():
        if d.name.startswith(".") or not d.is_dir():
            continue
        if not all((d / f).is_file() for f in ("config.json", "model.safetensors", LEARN_INFO)):
            continue
        try:
            name = str(json.loads((d / LEARN_INFO).read_text(encoding="utf-8")).get("name") or d.name)
        except (OSError, ValueError, AttributeError):
            name = d.name
        out.append(Style(name, d))
    return sorted(out, key=lambda s: s.name.lower())


def folder_for(name: str, folder: Path | None = None) -> Path:
    """The folder a style called ``name`` is written to (letters, digits, spaces, ``-`` and ``_``)."""
    clean = re.sub(r"[^\w \-]+", "", name, flags=re.UNICODE).strip()[:60].strip()
    if not clean or clean.startswith("."):
        raise DataError("give the style a name (letters, digits, spaces, - or _)")
    return (folder or styles_dir()) / clean


def delete_style(style: Style) -> None:
    shutil.rmtree(style.path)
    remove_partials(style.path)


def learn_command(files: list[str], out: Path, base: str | None, name: str, time_budget_min: float,
                  extra: list[str] | tuple[str, ...] = ()) -> tuple[str, list[str]]:
    """(program, arguments) that run ``composer-app learn ... --progress-json`` in a new process:
    this Python with ``-m composer_app``, or the app itself when it is a frozen bundle."""
    args = ["learn", *files, "--out", str(out), "--name", name, "--time-budget", f"{time_budget_min:g}",
            "--progress-json", *extra]
    if base:
        args += ["--from", base]
    if getattr(sys, "frozen", False):
        return sys.executable, args
    return sys.executable, ["-m", "composer_app", *args]


def parse_progress(line: str) -> dict | None:
    """One JSON line of ``learn --progress-json`` as a dict, or None for anything else."""
    line = line.strip()
    if not line.startswith("{"):
        return None
    try:
        event = json.loads(line)
    except ValueError:
        return None
    return event if isinstance(event, dict) and "event" in event else None


def describe_time(seconds: float) -> str:
    seconds = max(0, int(round(seconds)))
    if seconds < 60:
        return f"{seconds} s"
    return f"{seconds // 60} min {seconds % 60:02d} s"
