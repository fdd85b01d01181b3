"""Build the real PyInstaller bundle and run it headless, outside the source tree, so packaging
cannot silently rot.

One build per test session (``packaging/build.sh`` into a temporary folder, a few minutes); the
folder is then moved to another temporary folder, away from the checkout and the build, and every
program runs with a clean environment (``env -i``-like: only PATH, HOME, QT_QPA_PLATFORM=offscreen
and HF_HUB_OFFLINE=1, in a temporary working folder), so nothing can come from the source tree or
the virtual environment.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from composer_app import __version__
from composer_app.formats import read

ROOT = Path(__file__).resolve().parent.parent

pytestmark = [
    pytest.mark.slow,
    pytest.mark.timeout(1800),  # the first test builds the bundle (about 4-6 minutes)
    pytest.mark.skipif(importlib.util.find_spec("PyInstaller") is None,
                       reason="PyInstaller is not installed (the 'package' extra: pip install -e .[package])"),
]

TUNE = """X:1
T:Self-check reel
M:4/4
L:1/8
K:G
"G"GABc dBGB|"C"c2ec "D7"BAFA|"G"G4 B4|]
"""


def _size(path: Path) -> int:
    return sum(f.stat().st_size for f in path.rglob("*") if f.is_file() and not f.is_symlink())


@pytest.fixture(scope="module")
def bundle(tmp_path_factory):
    """The built bundle, moved to a temporary folder outside the source tree.

    ``COMPOSER_APP_BUNDLE=DIR`` tests an already built bundle folder instead (a release build, or
    to rerun these tests without building again); it must be outside the checkout too.
    """
    given = os.environ.get("COMPOSER_APP_BUNDLE")
    if given:
        given = Path(given).resolve()
        assert (given / "composer-app").is_file(), f"COMPOSER_APP_BUNDLE={given} holds no composer-app program"
        assert not given.is_relative_to(ROOT.resolve()), "test a bundle outside the source tree"
        return given
    work = tmp_path_factory.mktemp("pyinstaller")
    env = dict(os.environ, PYTHON=sys.executable, DIST=str(work / "dist"), WORK=str(work / "build"))
    t0 = time.monotonic()
    proc = subprocess.run(["sh", str(ROOT / "packaging" / "build.sh")], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=1800)
    assert proc.returncode == 0, f"build failed:\n{proc.stdout[-4000:]}\n{proc.stderr[-6000:]}"
    built = work / "dist" / "composer-app"
    away = tmp_path_factory.mktemp("installed") / "composer-app"
    shutil.move(built, away)  # (a rename where it can: the bundle is over a gigabyte)
    shutil.rmtree(work, ignore_errors=True)  # nothing of the build is left to fall back on
    assert not away.resolve().is_relative_to(ROOT.resolve())
    print(f"\nbundle built in {time.monotonic() - t0:.0f} s, {_size(away) / 2**20:.0f} MiB")
    return away


@pytest.fixture
def clean_run(bundle, tmp_path):
    """Run a program of the bundle with a clean environment in an empty working folder."""
    home = tmp_path / "home"
    home.mkdir()
    env = {"PATH": "/usr/local/bin:/usr/bin:/bin", "HOME": str(home), "QT_QPA_PLATFORM": "offscreen",
           "HF_HUB_OFFLINE": "1"}

    def run(program, *args, timeout=300):
        return subprocess.run([str(bundle / program), *map(str, args)], cwd=tmp_path, env=env,
                              capture_output=True, text=True, timeout=timeout)

    run.env, run.cwd = env, tmp_path
    return run


def _fields(out: str) -> dict:
    fields = {}
    for line in out.splitlines():
        name, sep, value = line.partition(":")
        if sep and " " not in name:
            fields.setdefault(name, value.strip())
    return fields


def test_version(clean_run):
    proc = clean_run("composer-app", "--version")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == f"composer-app {__version__}"


def test_self_check_loads_the_bundled_model_and_suggests(clean_run, bundle):
    proc = clean_run("composer-app", "self-check", "--gui")
    assert proc.returncode == 0, f"{proc.stdout}\n{proc.stderr}"
    f = _fields(proc.stdout)
    inside = str(bundle / "_internal")
    assert f["bundle"] == f"frozen, {inside}"
    assert f["code"].startswith(inside) and f["resources"] == f"{inside}/resources"
    assert f["torch"].split()[0].startswith("2.") and inside in f["torch"]
    assert f["qt"].startswith("PySide6 ") and inside in f["qt"]
    assert f"{inside}/resources/models/default" in f["model"]
    assert f["suggestion"].startswith("1 candidate") and ": notes " in f["suggestion"]
    assert f["gui"].startswith("main window") and "platform offscreen" in f["gui"]
    assert str(ROOT) not in proc.stdout  # nothing comes from the checkout
    assert "self-check passed" in proc.stdout
    assert "matplotlib" not in proc.stderr  # the runtime hook keeps music21's note quiet


def test_a_missing_model_is_one_clear_line(clean_run):
    proc = clean_run("composer-app", "self-check", "--model", clean_run.cwd / "nowhere")
    assert proc.returncode == 2
    (line,) = [ln for ln in proc.stderr.splitlines() if "self-check" in ln]
    assert "nowhere" in line and "pass --model DIR" in line and "Traceback" not in proc.stderr


def test_convert_from_the_bundle_matches_the_source(clean_run):
    abc = clean_run.cwd / "reel.abc"
    abc.write_text(TUNE, encoding="utf-8")
    proc = clean_run("composer-app", "convert", "reel.abc", "reel.musicxml")
    assert proc.returncode == 0, proc.stderr
    proc = clean_run("composer-app", "convert", "reel.musicxml", "reel.mid")
    assert proc.returncode == 0, proc.stderr
    assert "matplotlib" not in proc.stderr
    want = read(abc)
    for name in ("reel.musicxml", "reel.mid"):
        got = read(clean_run.cwd / name)
        assert [(n.pitch, n.start, n.duration) for n in got.melody.notes] == \
            [(n.pitch, n.start, n.duration) for n in want.melody.notes]
        assert [str(c.symbol) for c in got.chords] == ["G", "C", "D7", "G"]


def test_the_bundle_suggests_what_the_source_tree_suggests(clean_run):
    """Same model, seed and torch: the frozen engine gives the very candidate the checkout gives."""
    frozen = clean_run("composer-app", "self-check")
    source = subprocess.run([sys.executable, "-m", "composer_app", "self-check"], cwd=ROOT, capture_output=True,
                            text=True, timeout=300, env=dict(os.environ, QT_QPA_PLATFORM="offscreen"))
    assert frozen.returncode == 0 and source.returncode == 0, frozen.stderr + source.stderr
    assert _fields(frozen.stdout)["suggestion"].split(": ", 1)[1] == \
        _fields(source.stdout)["suggestion"].split(": ", 1)[1]


def test_the_editor_program_starts_offscreen_and_quits_on_ctrl_c(bundle, clean_run):
    log = clean_run.cwd / "gui-stderr.txt"
    settings = clean_run.cwd / "home" / ".config" / "ComposerAssistant" / "settings.ini"
    with open(log, "w") as err_file:
        proc = subprocess.Popen([str(bundle / "composer-app-gui")], cwd=clean_run.cwd, env=clean_run.env,
                                stdout=subprocess.DEVNULL, stderr=err_file)
        try:
            # Up when the offscreen window has been shown (Qt's offscreen plugin says so on stderr)
            # or the settings file was written; Ctrl+C is handled from then on.
            deadline = time.monotonic() + 120
            while proc.poll() is None and time.monotonic() < deadline and not settings.exists() \
                    and "propagateSizeHints" not in log.read_text(errors="replace"):
                time.sleep(0.5)
            time.sleep(2)
            assert proc.poll() is None, f"the editor exited early ({proc.returncode}):\n{log.read_text()[-3000:]}"
            proc.send_signal(signal.SIGINT)  # Ctrl+C closes the window the normal way
            proc.wait(timeout=90)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    err = log.read_text(errors="replace")
    assert proc.returncode == 0, err[-3000:]
    assert "Traceback" not in err and "matplotlib" not in err
    assert settings.exists()  # it ran as the user of this clean HOME


def test_bundle_is_lean(bundle):
    internal = bundle / "_internal"
    assert not list(internal.rglob("libqgtk3.so")), "Qt's GTK 3 theme is in the bundle"
    assert not [p.name for p in internal.glob("libgtk-3*")] + [p.name for p in internal.glob("libgdk-3*")]
    assert not (internal / "music21" / "corpus").exists()
    assert not (internal / "hf_xet").exists() and not (internal / "PIL").exists()
    if sys.platform.startswith("linux"):  # one program; the editor's name is a link to it
        assert os.readlink(bundle / "composer-app-gui") == "composer-app"
    assert (internal / "resources" / "models" / "default" / "model.safetensors").is_file()
    assert (internal / "README.md").is_file() and (internal / "LICENSE").is_file()  # Help shows them


def test_linux_install_script_installs_the_real_bundle(bundle, tmp_path):
    if not sys.platform.startswith("linux"):
        pytest.skip("packaging/linux/install.sh is for Linux")
    prefix = tmp_path / "prefix"
    proc = subprocess.run(["sh", str(ROOT / "packaging" / "linux" / "install.sh"), "--prefix", str(prefix),
                           str(bundle)], capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    assert f"Installed Composer Assistant {__version__}" in proc.stdout
    env = {"PATH": f"{prefix}/bin:/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen"}
    run = subprocess.run(["composer-app", "--version"], cwd=tmp_path, env=env, capture_output=True, text=True,
                         timeout=120)
    assert run.stdout.strip() == f"composer-app {__version__}"
