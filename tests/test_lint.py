"""Lint is part of the test suite: ruff over the whole tree and mypy over the pure packages
(configured in pyproject.toml; the versions are pinned in requirements.lock)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def _run(*cmd: str) -> subprocess.CompletedProcess:
    return subprocess.run([str(BIN / cmd[0]), *cmd[1:]], cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_ruff():
    r = _run("ruff", "check", "--no-cache", ".")
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]


def test_mypy_on_the_pure_packages():
    r = _run("mypy", "--cache-dir", "/dev/null")
    assert r.returncode == 0, r.stdout[-6000:] + r.stderr[-2000:]
