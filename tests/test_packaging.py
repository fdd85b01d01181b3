"""The desktop bundle's recipe (packaging/), checked without running PyInstaller."""

from __future__ import annotations

import configparser
import importlib.util
import re
import sys
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest

from composer_app import cli, paths

ROOT = Path(__file__).resolve().parent.parent
PACKAGING = ROOT / "packaging"


def _bundle_config():
    spec = importlib.util.spec_from_file_location("composer_bundle", PACKAGING / "composer_bundle.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


cb = _bundle_config()


# ---- paths.resources_dir() inside a frozen app ----

def test_frozen_app_finds_resources_inside_the_bundle(tmp_path, monkeypatch):
    monkeypatch.delenv("COMPOSER_APP_RESOURCES", raising=False)
    assert paths.resources_dir() == ROOT / "resources"  # a checkout: next to the package
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(sys, "_MEIPASS", str(tmp_path), raising=False)
    assert paths.resources_dir() == tmp_path / "resources"
    assert paths.default_model_dir() == tmp_path / "resources" / "models" / "default"
    monkeypatch.setenv("COMPOSER_APP_RESOURCES", str(tmp_path / "elsewhere"))  # the override still wins
    assert paths.resources_dir() == tmp_path / "elsewhere"


# ---- what goes into the bundle ----

def test_every_hidden_import_exists():
    missing = [name for name in cb.hidden_imports() if importlib.util.find_spec(name) is None]
    assert missing == []
    assert "mido.backends.rtmidi" in cb.hidden_imports()


def test_every_subcommand_module_is_a_hidden_import():
    """cli imports composer_app.commands.<name> by name, which PyInstaller cannot see."""
    hidden = set(cb.hidden_imports())
    assert {f"composer_app.commands.{name.replace('-', '_')}" for name in cli.COMMANDS} <= hidden


def test_qt_modules_the_app_imports_are_kept_and_the_rest_excluded():
    used = set()
    for f in (ROOT / "composer_app").rglob("*.py"):
        used |= set(re.findall(r"PySide6\.(Qt\w+)", f.read_text(encoding="utf-8")))
    assert used and used <= set(cb.QT_MODULES), f"update QT_MODULES in packaging/composer_bundle.py: {used}"
    excluded = set(cb.excludes())
    assert not {f"PySide6.{m}" for m in used} & excluded
    assert {"PySide6.QtWebEngineCore", "PySide6.QtQml", "pytest", "pytestqt"} <= excluded


def test_music21_data_without_corpus_unless_asked():
    plain = cb.music21_datas()
    assert plain and not any("/corpus/" in src.replace("\\", "/") for src, _ in plain)
    assert all(dest.startswith("music21") for _, dest in plain)
    with_corpus = cb.music21_datas(with_corpus=True)
    assert any("/corpus/" in src.replace("\\", "/") for src, _ in with_corpus)


def _resources(root: Path, model_files=()):
    icons = root / "resources" / "icons"
    icons.mkdir(parents=True)
    (icons / "composer-app.svg").write_text("<svg/>")
    if model_files:
        model = root / "resources" / "models" / "default"
        (model / "checkpoints" / "checkpoint-150").mkdir(parents=True)
        for name in model_files:
            (model / name).write_text("x")
    return root


def test_release_build_refuses_without_the_model(tmp_path):
    root = _resources(tmp_path)
    with pytest.raises(cb.BundleError, match=r"release build refused: .*models[/\\]default does not exist"):
        cb.resource_datas(root, release=True)
    datas, warnings = cb.resource_datas(root, release=False)  # a dev build goes on, and says so
    assert datas == [(str(root / "resources" / "icons"), "resources/icons")]
    assert "WITHOUT the bundled model" in warnings[0]


def test_release_build_refuses_an_incomplete_model(tmp_path):
    root = _resources(tmp_path, model_files=("config.json", "music_vocab.json"))
    with pytest.raises(cb.BundleError, match="missing model.safetensors"):
        cb.resource_datas(root, release=True)


def test_model_files_are_bundled_without_checkpoints(tmp_path):
    root = _resources(tmp_path, model_files=cb.MODEL_FILES + ("README.md",))
    datas, warnings = cb.resource_datas(root, release=True)
    model_datas = sorted(Path(src).name for src, dest in datas if dest == "resources/models/default")
    assert model_datas == sorted(cb.MODEL_FILES + ("README.md",))
    assert not any("checkpoint" in src for src, _ in datas)
    assert warnings == [f"left out of the bundle: subfolders checkpoints of {root / 'resources/models/default'}"]


def test_spec_defines_a_gui_and_a_cli_program_in_one_folder(monkeypatch):
    """Execute the real spec with recording stand-ins for PyInstaller's build steps."""
    pytest.importorskip("PyInstaller", reason="PyInstaller is the 'package' extra: pip install -e .[package]")
    made = {}

    class Step:
        def __init__(self, *args, **kwargs):
            self.args, self.kwargs = args, kwargs
            made.setdefault(type(self).__name__, []).append(self)

    class Analysis(Step):
        def __init__(self, scripts, **kwargs):
            super().__init__(scripts, **kwargs)
            self.pure, self.binaries, self.datas = [], [], kwargs["datas"]
            self.scripts = [("pyi_rth_inspect", "rth.py", "PYSOURCE")] + [
                (Path(s).stem, s, "PYSOURCE") for s in scripts]

    names = {n: type(n, (Step,), {}) for n in ("PYZ", "EXE", "COLLECT", "BUNDLE")}
    monkeypatch.setattr(sys, "argv", ["composer-app.spec"])
    monkeypatch.setattr(sys, "path", list(sys.path))
    spec_file = PACKAGING / "composer-app.spec"
    code = compile(spec_file.read_text(encoding="utf-8"), str(spec_file), "exec")
    exec(code, {"SPECPATH": str(PACKAGING), "Analysis": Analysis, **names, "__name__": "__main__"})

    (a,) = made["Analysis"]
    assert [Path(s).name for s in a.args[0]] == ["launch_gui.py", "launch_cli.py"]
    assert all(Path(s).is_file() for s in a.args[0])
    assert "mido.backends.rtmidi" in a.kwargs["hiddenimports"]
    assert "PySide6.QtWebEngineCore" in a.kwargs["excludes"]
    assert any(dest == "resources/icons" for _, dest in a.kwargs["datas"])
    assert any(dest.startswith("mido-") and dest.endswith(".dist-info") for _, dest in a.kwargs["datas"])
    gui, cli_exe = made["EXE"]
    assert (gui.kwargs["name"], gui.kwargs["console"]) == ("composer-app-gui", False)
    assert (cli_exe.kwargs["name"], cli_exe.kwargs["console"]) == ("composer-app", True)
    assert [s[0] for s in gui.args[1]] == ["pyi_rth_inspect", "launch_gui"]  # runtime hooks + its own script
    assert [s[0] for s in cli_exe.args[1]] == ["pyi_rth_inspect", "launch_cli"]
    (coll,) = made["COLLECT"]
    assert coll.kwargs["name"] == "composer-app" and coll.args[:2] == (gui, cli_exe)
    assert ("BUNDLE" in made) == (sys.platform == "darwin")


# ---- Linux desktop integration ----

def test_metainfo_is_well_formed_and_names_the_desktop_file():
    root = ET.parse(PACKAGING / "linux" / "composer-app.metainfo.xml").getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    assert root.findtext("project_license") == "GPL-3.0-or-later"
    launchable = root.find("launchable")
    assert launchable.get("type") == "desktop-id"
    desktop_file = PACKAGING / "linux" / launchable.text
    assert desktop_file.is_file()
    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(desktop_file, encoding="utf-8")
    desktop = entry["Desktop Entry"]
    assert root.findtext("provides/binary") == desktop["Exec"].split()[0] == "composer-app"
    assert (ROOT / "resources" / "icons" / f"{desktop['Icon']}.svg").is_file()
    assert root.findtext("name") == desktop["Name"]
