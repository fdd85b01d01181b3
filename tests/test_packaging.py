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
    assert "WITHOUT the bundled model" in warnings[0] and "holds no harmonizer" in warnings[1]


def test_release_build_refuses_an_incomplete_model(tmp_path):
    root = _resources(tmp_path, model_files=("config.json", "music_vocab.json"))
    with pytest.raises(cb.BundleError, match="missing model.safetensors"):
        cb.resource_datas(root, release=True)


def test_model_files_are_bundled_without_checkpoints(tmp_path):
    root = _resources(tmp_path, model_files=cb.MODEL_FILES + ("README.md",))
    with pytest.raises(cb.BundleError, match="holds no harmonizer"):
        cb.resource_datas(root, release=True)
    harmonizer = root / "resources" / "models" / "harmonizer"
    harmonizer.mkdir()
    for name in ("config.json", "model.safetensors", "harmonizer_vocab.json", "transitions.json"):
        (harmonizer / name).write_text("x")
    datas, warnings = cb.resource_datas(root, release=True)
    assert sorted(Path(src).name for src, dest in datas if dest == "resources/models/harmonizer") == \
        ["config.json", "harmonizer_vocab.json", "model.safetensors", "transitions.json"]
    model_datas = sorted(Path(src).name for src, dest in datas if dest == "resources/models/default")
    assert model_datas == sorted(cb.MODEL_FILES + ("README.md",))
    assert not any("checkpoint" in src for src, _ in datas)
    assert warnings == [f"left out of the bundle: subfolders checkpoints of {root / 'resources/models/default'}"]


def test_the_harmonizers_members_are_bundled_whole(tmp_path):
    """A harmonizer that mixes in another (``members.json``) is bundled with that subfolder; a listed
    member that is missing refuses the build rather than shipping a harmonizer that cannot load."""
    import json

    root = _resources(tmp_path, model_files=cb.MODEL_FILES)
    harmonizer = root / "resources" / "models" / "harmonizer"
    (harmonizer / "large").mkdir(parents=True)
    for name in ("config.json", "model.safetensors", "harmonizer_vocab.json", "transitions.json"):
        (harmonizer / name).write_text("x")
    (harmonizer / "members.json").write_text(json.dumps({"members": [{"folder": "large", "weight": 0.5}]}))
    with pytest.raises(cb.BundleError, match="lists large, but"):
        cb.resource_datas(root, release=True)
    for name in ("config.json", "model.safetensors", "harmonizer_vocab.json", "transitions.json"):
        (harmonizer / "large" / name).write_text("x")
    datas, _ = cb.resource_datas(root, release=True)
    assert sorted(Path(src).name for src, dest in datas if dest == "resources/models/harmonizer/large") == \
        ["config.json", "harmonizer_vocab.json", "model.safetensors", "transitions.json"]
    assert "members.json" in [Path(src).name for src, dest in datas if dest == "resources/models/harmonizer"]
    (harmonizer / "members.json").write_text(json.dumps({"members": [{"folder": "../elsewhere", "weight": 0.5}]}))
    with pytest.raises(cb.BundleError, match="plain subfolder names"):
        cb.resource_datas(root, release=True)


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
    (coll,) = made["COLLECT"]
    assert coll.kwargs["name"] == "composer-app"
    if sys.platform.startswith("linux"):  # one program; composer-app-gui is a link to it
        (cli_exe,) = made["EXE"]
        assert coll.args[:1] == (cli_exe,)
    else:
        gui, cli_exe = sorted(made["EXE"], key=lambda e: e.kwargs["name"] != "composer-app-gui")
        assert (gui.kwargs["name"], gui.kwargs["console"]) == ("composer-app-gui", False)
        assert [s[0] for s in gui.args[1]] == ["pyi_rth_inspect", "launch_gui"]  # runtime hooks + its script
        assert set(coll.args[:2]) == {gui, cli_exe}
    assert (cli_exe.kwargs["name"], cli_exe.kwargs["console"]) == ("composer-app", True)
    assert [s[0] for s in cli_exe.args[1]] == ["pyi_rth_inspect", "launch_cli"]
    assert ("BUNDLE" in made) == (sys.platform == "darwin")


def test_spec_on_windows_and_macos_builds_a_windowed_editor_program(monkeypatch):
    """The other platforms' branch of the spec (Windows needs console=False for the editor)."""
    monkeypatch.setattr(sys, "platform", "win32")
    test_spec_defines_a_gui_and_a_cli_program_in_one_folder(monkeypatch)


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


# ---- leaner bundle: Qt's GTK 3 theme and the libraries only it needs stay out ----

def test_drop_qt_plugins_removes_the_gtk_theme_and_only_its_own_libraries():
    theme = "PySide6/Qt/plugins/platformthemes/libqgtk3.so"
    binaries = [(d, f"/src/{Path(d).name}", "BINARY") for d in (
        theme, "PySide6/Qt/plugins/platforms/libqxcb.so", "PySide6/Qt/lib/libQt6Gui.so.6",
        "libgtk-3.so.0", "libpango-1.0.so.0", "libglib-2.0.so.0", "libX11.so.6", "libz.so.1",
        "PySide6/Qt/lib/libonly-theme.so")]
    links = {  # direct links only: the closure is followed through the bundle
        "libqgtk3.so": ["libgtk-3.so.0", "libQt6Gui.so.6", "libonly-theme.so"],
        "libgtk-3.so.0": ["libpango-1.0.so.0", "libglib-2.0.so.0", "libX11.so.6", "libc.so.6"],
        "libpango-1.0.so.0": ["libglib-2.0.so.0"],
        "libqxcb.so": ["libQt6Gui.so.6", "libX11.so.6"],
        "libQt6Gui.so.6": ["libglib-2.0.so.0", "libz.so.1"],
    }
    kept, dropped = cb.drop_qt_plugins(binaries, lambda src: links.get(Path(src).name, []))
    assert sorted(d for d, _, _ in dropped) == [theme, "libgtk-3.so.0", "libpango-1.0.so.0"]
    # still needed by Qt, or a package's own library, stays; order is kept
    assert [d for d, _, _ in kept] == [d for d, _, _ in binaries if d not in {x[0] for x in dropped}]
    # without the theme in the list, nothing is looked at or dropped
    assert cb.drop_qt_plugins(binaries[1:], lambda src: 1 / 0) == (binaries[1:], [])


def test_spec_runs_the_music21_runtime_hook():
    assert "pyi_rth_music21_quiet.py" in (PACKAGING / "composer-app.spec").read_text(encoding="utf-8")
    hook = PACKAGING / "rthooks" / "pyi_rth_music21_quiet.py"
    spec = importlib.util.spec_from_file_location("rth_probe", hook)
    module = importlib.util.module_from_spec(spec)
    before = list(sys.meta_path)
    try:
        spec.loader.exec_module(module)
    finally:
        sys.meta_path[:] = before  # the hook installs a finder; leave this process as it was
    from music21 import common

    note = common.formatStr("music21:", common.getMissingImportStr(["matplotlib"]))
    assert module._without_note(f"first\n{note}last\n") == "first\nlast\n"
    assert module._without_note("music21: something else\n  indented\n") == "music21: something else\n  indented\n"


# ---- packaging/linux/install.sh ----

def _fake_bundle(root: Path, marker: str) -> Path:
    bundle = root / "composer-app"
    (bundle / "_internal").mkdir(parents=True)
    (bundle / "_internal" / "marker").write_text(marker)
    for prog in ("composer-app", "composer-app-gui"):
        (bundle / prog).write_text(f'#!/bin/sh\necho "composer-app 9.9.9 {marker}"\n')
        (bundle / prog).chmod(0o755)
    return bundle


@pytest.mark.skipif(not sys.platform.startswith("linux"), reason="install.sh is for Linux")
def test_linux_install_script_installs_upgrades_and_removes(tmp_path):
    import subprocess

    script = PACKAGING / "linux" / "install.sh"
    prefix = tmp_path / "prefix"
    env = {"PATH": "/usr/bin:/bin", "HOME": str(tmp_path)}

    def install(*args):
        return subprocess.run(["sh", str(script), "--prefix", str(prefix), *map(str, args)], env=env,
                              capture_output=True, text=True, timeout=60)

    proc = install(tmp_path / "nothing")
    assert proc.returncode == 1 and "run packaging/build.sh first" in proc.stderr and not prefix.exists()

    proc = install(_fake_bundle(tmp_path / "v1", "one"))
    assert proc.returncode == 0, proc.stderr
    assert "Installed Composer Assistant 9.9.9" in proc.stdout and f"add {prefix}/bin to PATH" in proc.stdout
    app = prefix / "lib" / "composer-app"
    assert (app / "_internal" / "marker").read_text() == "one"
    for prog in ("composer-app", "composer-app-gui"):
        link = prefix / "bin" / prog
        assert link.is_symlink() and link.resolve() == (app / prog).resolve()
    run = subprocess.run(["composer-app"], env={"PATH": f"{prefix}/bin:/usr/bin:/bin"}, capture_output=True,
                         text=True, timeout=30)
    assert run.stdout.strip() == "composer-app 9.9.9 one"

    entry = configparser.ConfigParser(interpolation=None)
    entry.optionxform = str
    entry.read(prefix / "share" / "applications" / "composer-app.desktop", encoding="utf-8")
    assert entry["Desktop Entry"]["Exec"] == f"{prefix}/bin/composer-app-gui %f"
    assert entry["Desktop Entry"]["Icon"] == "composer-app"
    icon = prefix / "share" / "icons" / "hicolor" / "scalable" / "apps" / "composer-app.svg"
    assert icon.read_bytes() == (ROOT / "resources" / "icons" / "composer-app.svg").read_bytes()
    metainfo = prefix / "share" / "metainfo" / "org.composerassistant.ComposerAssistant.metainfo.xml"
    assert ET.parse(metainfo).getroot().findtext("id") == metainfo.name.removesuffix(".metainfo.xml")

    proc = install(_fake_bundle(tmp_path / "v2", "two"))  # an upgrade replaces the folder
    assert proc.returncode == 0, proc.stderr
    assert (app / "_internal" / "marker").read_text() == "two"
    assert sorted(p.name for p in (prefix / "lib").iterdir()) == ["composer-app"]

    (prefix / "bin" / "composer-app").unlink()  # someone else's composer-app (a pip install) stays
    (prefix / "bin" / "composer-app").symlink_to("/usr/bin/true")
    proc = install("--uninstall")
    assert proc.returncode == 0, proc.stderr
    assert not app.exists() and not (prefix / "bin" / "composer-app-gui").exists()
    assert (prefix / "bin" / "composer-app").is_symlink()
    assert not [p for p in (prefix / "share").rglob("*") if p.is_file()]


def test_the_user_guide_and_licence_go_into_the_bundle(tmp_path):
    assert cb.doc_datas() == [(str(cb.ROOT / "README.md"), "."), (str(cb.ROOT / "LICENSE"), ".")]
    with pytest.raises(cb.BundleError, match="README.md"):
        cb.doc_datas(tmp_path)
