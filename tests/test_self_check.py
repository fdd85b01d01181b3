"""``composer-app self-check`` from the source tree: real models, the real engine, real FluidSynth.

The same command runs inside the PyInstaller bundle in ``tests/test_packaging_build.py``.
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

import pytest

from composer_app import cli, paths

ROOT = Path(__file__).resolve().parent.parent


def run_check(capsys, *args):
    rc = cli.main(["self-check", *args])
    out, err = capsys.readouterr()
    fields = {}
    for line in out.splitlines():
        name, sep, value = line.partition(":")
        if sep and " " not in name:
            fields.setdefault(name, value.strip())
    return rc, out, err, fields


def without_seconds(line: str) -> str:
    """A suggestion line without its timing (``in 0.07 s``), for comparing runs."""
    import re

    return re.sub(r"in \d+\.\d+ s", "in _ s", line)


def test_self_check_with_a_model_folder_reports_where_everything_comes_from(capsys, tiny_model_dir):
    rc, out, err, f = run_check(capsys, "--model", str(tiny_model_dir))
    assert rc == 0, err
    assert out.rstrip().endswith("self-check passed")
    assert f["version"] == "composer-app 0.1.0"
    assert f["bundle"].startswith("no")  # running from the checkout, not frozen
    assert f["code"] == str(ROOT / "composer_app")
    assert f["resources"] == str(paths.resources_dir())
    assert f["python"].startswith(sys.version.split()[0])
    assert f["qt"].startswith("PySide6 ")
    assert f["torch"].split()[0] == sys.modules["torch"].__version__
    assert str(tiny_model_dir) in f["model"] and "cpu/float32" in f["model"]
    assert f["suggestion"].startswith("1 candidate, 1 bar after bar 2, seed 1234")
    for name in ("fluidsynth", "soundfont", "midi"):  # information lines are always there
        assert f[name]
    # The same seed gives the same candidate.
    rc2, _, _, f2 = run_check(capsys, "--model", str(tiny_model_dir))
    assert rc2 == 0 and without_seconds(f2["suggestion"]) == without_seconds(f["suggestion"])


@pytest.mark.slow
def test_self_check_with_the_bundled_model_suggests_notes(capsys):
    model = paths.default_model_dir()
    if not (model / "model.safetensors").is_file():
        pytest.skip(f"no bundled model at {model}")
    rc, out, err, f = run_check(capsys)
    assert rc == 0, err
    assert str(model) in f["model"] and "2.46 M parameters" in f["model"]
    # The trained model continues a melody with notes, spelled and placed after the prompt (beat 8).
    notes = f["suggestion"].split(": notes ", 1)[1].split(";")[0].split()
    assert notes and notes != ["no", "notes"]
    assert all(8 <= float(n.split("@")[1]) < 12 for n in notes)


def test_missing_model_folder_is_one_line_naming_it_and_what_to_do(capsys, tmp_path):
    missing = tmp_path / "no-model-here"
    rc, out, err, f = run_check(capsys, "--model", str(missing))
    assert rc == 2
    assert "self-check passed" not in out
    assert "fluidsynth" in f  # the information came first
    lines = err.strip().splitlines()
    assert len(lines) == 1
    assert str(missing) in lines[0] and "no such folder" in lines[0] and "pass --model DIR" in lines[0]


def test_corrupt_weights_are_named(capsys, tmp_path, tiny_model_dir):
    broken = tmp_path / "broken"
    shutil.copytree(tiny_model_dir, broken)
    weights = broken / "model.safetensors"
    weights.write_bytes(weights.read_bytes()[:1000])  # truncated download
    rc, out, err, _ = run_check(capsys, "--model", str(broken))
    assert rc == 2
    (line,) = err.strip().splitlines()
    assert line.startswith("composer-app self-check: FAILED: model at ")
    assert str(broken) in line and "model.safetensors is not a safetensors file" in line


def test_missing_bundled_model_says_reinstall(capsys, tmp_path, monkeypatch):
    (tmp_path / "resources").mkdir()
    monkeypatch.setenv("COMPOSER_APP_RESOURCES", str(tmp_path / "resources"))
    rc, out, err, f = run_check(capsys)
    assert rc == 2
    assert str(tmp_path / "resources" / "models" / "default") in err and "reinstall the app" in err
    assert "(COMPOSER_APP_RESOURCES)" in f["resources"]


def test_absent_fluidsynth_and_soundfont_are_reported_not_failed(capsys, tiny_model_dir, monkeypatch, tmp_path):
    from composer_app.playback import outputs

    monkeypatch.setattr(outputs, "soundfont_dirs", lambda: [tmp_path / "no-soundfonts"])
    rc, _, err, f = run_check(capsys, "--model", str(tiny_model_dir))
    assert rc == 0, err
    if f["fluidsynth"].startswith("available"):  # libfluidsynth is installed here: the soundfont is missing
        assert f["soundfont"].startswith("none usable: no General MIDI soundfont found")
    monkeypatch.setitem(sys.modules, "fluidsynth", None)  # import fluidsynth now fails as without the library
    rc, _, err, f = run_check(capsys, "--model", str(tiny_model_dir))
    assert rc == 0, err
    assert f["fluidsynth"].startswith("NOT available") and "FluidSynth not found" in f["fluidsynth"]
    assert f["soundfont"] == "not checked (no FluidSynth)"


@pytest.mark.gui
def test_gui_option_builds_and_closes_the_main_window(capsys, qapp, tiny_model_dir):
    rc, out, err, f = run_check(capsys, "--model", str(tiny_model_dir), "--gui")
    assert rc == 0, err
    assert f["gui"].startswith("main window 'Untitled") and "built and closed" in f["gui"]
    assert not [w for w in qapp.topLevelWidgets() if w.isVisible()]
