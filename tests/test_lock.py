"""requirements.lock belongs to pyproject.toml, and this environment was installed from it.

``make lock`` regenerates the lock (packaging/lock.py); these tests fail while pyproject.toml and the
lock disagree, so a changed dependency cannot slip into CI unlocked.
"""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
spec = importlib.util.spec_from_file_location("lock", ROOT / "packaging" / "lock.py")
lock = importlib.util.module_from_spec(spec)
spec.loader.exec_module(lock)


def test_the_lock_matches_pyproject():
    assert lock.problems() == []


def test_this_environment_is_the_locked_one():
    """make run, make test and CI install exactly the lock (and the torch it was resolved for)."""
    assert lock.environment_problems() == []


def test_the_lock_pins_the_main_dependencies_with_hashes():
    pins = lock.pins()
    for name in ("transformers", "pyside6-essentials", "music21", "mido", "numpy", "kernels", "accelerate",
                 "pytest", "pyinstaller", "ruff", "mypy"):
        assert name in pins, name
    assert "torch" not in pins  # installed first: the locked install never replaces the CPU build
    text = lock.LOCK.read_text()
    assert text.count("--hash=sha256:") >= len(pins)
    assert not any(name.startswith("nvidia-") for name in pins)  # resolved for a CPU torch


def test_a_changed_dependency_is_caught(tmp_path):
    py, lk = tmp_path / "pyproject.toml", tmp_path / "requirements.lock"
    shutil.copy(lock.PYPROJECT, py)
    shutil.copy(lock.LOCK, lk)
    assert lock.problems(py, lk) == []
    py.write_text(py.read_text().replace('"transformers>=5.0,<5.40"', '"transformers>=5.0,<5.20"'))
    found = lock.problems(py, lk)
    assert any("changed since" in p for p in found)
    assert any("transformers==" in p and "<5.20" in p for p in found)
    py.write_text(py.read_text().replace('"mido>=1.3,<2"', '"mido>=1.3,<2", "rich>=13"'))
    assert lock.problems(py, lk)  # a new dependency needs a new lock even when its pin is there
