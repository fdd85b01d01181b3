"""What goes into the PyInstaller bundle; ``composer-app.spec`` reads it (and the tests do).

Plain Python with no PyInstaller import, so ``tests/test_packaging.py`` checks these lists without
building anything.
"""

from __future__ import annotations

import json
import importlib.util
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

#: Qt modules the app uses; every other PySide6 module is excluded from the bundle.
QT_MODULES = ("QtCore", "QtGui", "QtWidgets")

#: Large Qt modules excluded by name even when the installed PySide6 does not ship them.
QT_ALWAYS_EXCLUDED = (
    "QtWebEngineCore", "QtWebEngineWidgets", "QtWebEngineQuick", "QtWebChannel", "QtWebSockets",
    "QtQml", "QtQuick", "QtQuick3D", "QtQuickWidgets", "QtQuickControls2", "QtMultimedia",
    "QtMultimediaWidgets", "QtPdf", "QtPdfWidgets", "Qt3DCore", "Qt3DRender", "QtCharts",
    "QtDataVisualization", "QtGraphs", "QtDesigner", "QtTest", "QtSql", "QtNetwork",
)

#: Test and development packages (and optional extras of our dependencies the app never uses).
DEV_EXCLUDES = (
    "pytest", "_pytest", "pytestqt", "pytest_timeout", "pluggy", "iniconfig", "pyflakes",
    "IPython", "ipykernel", "jupyter_client", "notebook", "tkinter", "_tkinter", "matplotlib",
    "PyInstaller", "tests", "benchmarks",
    "hf_xet",  # huggingface_hub's Xet downloads (11 MB): the app never downloads anything
    "PIL",     # Pillow (20 MB): only transformers' image processors use it
)

#: Modules imported by name at run time, which PyInstaller's import analysis cannot see.
DYNAMIC_IMPORTS = (
    "mido.backends.rtmidi",                    # mido.Backend("mido.backends.rtmidi") -> importlib
    "mido.backends.rtmidi_utils",
    "rtmidi",
    "fluidsynth",                              # pyfluidsynth; loads the system libfluidsynth via ctypes
    "transformers.models.llama.configuration_llama",   # AutoModelForCausalLM's lazy model mapping
    "transformers.models.llama.modeling_llama",
)

#: Distributions whose metadata is read at run time (``mido.version`` calls importlib.metadata;
#: PyInstaller's transformers hook already copies the metadata of transformers' dependencies).
METADATA = ("mido", "transformers", "torch", "tokenizers", "safetensors", "huggingface_hub")

#: Packages whose data files (not Python) are read at run time and that PyInstaller has no hook
#: for: transformers (5.25 on) imports ``kernels``, which reads ``_internals/python_depends.json``
#: at import; without it every model load fails. Collected with ``collect_data_files``.
PACKAGE_DATA = ("kernels",)

#: music21 data left out: the corpus (only ``train --music21-corpus`` reads it) and Scala tunings.
MUSIC21_DATA_EXCLUDED = ("corpus", "scale/scala/scl")

#: Files a model folder needs (see composer_app.music_lm.loading.check_model_dir).
MODEL_FILES = ("config.json", "music_vocab.json", "model.safetensors")


#: Qt plugins left out (paths under Qt's ``plugins/``), and with them the system libraries that
#: only they need: the GTK 3 platform theme would bring the build machine's whole GTK 3 stack
#: (GTK, GDK, ATK, Pango, cairo ...) into ``_internal/``; Qt's own Fusion style is used instead.
QT_PLUGINS_EXCLUDED = ("platformthemes/libqgtk3.so",)


class BundleError(SystemExit):
    """The bundle cannot be built as asked (PyInstaller prints the message and stops)."""


def app_version(root: Path = ROOT) -> str:
    """``__version__`` of ``composer_app`` (read from its source, nothing imported)."""
    text = (root / "composer_app" / "__init__.py").read_text(encoding="utf-8")
    match = re.search(r"^__version__\s*=\s*[\"']([^\"']+)[\"']", text, re.M)
    if not match:
        raise BundleError("composer_app/__init__.py defines no __version__")
    return match.group(1)


def app_modules(root: Path = ROOT) -> list[str]:
    """Every module of ``composer_app`` (subcommands are imported by name, so list them all)."""
    pkg = root / "composer_app"
    mods = []
    for f in sorted(pkg.rglob("*.py")):
        parts = f.relative_to(root).with_suffix("").parts
        if "__pycache__" in parts:
            continue
        mods.append(".".join(parts[:-1] if parts[-1] == "__init__" else parts))
    return mods


def hidden_imports(root: Path = ROOT) -> list[str]:
    return app_modules(root) + list(DYNAMIC_IMPORTS)


def qt_excludes() -> list[str]:
    """``PySide6.<module>`` for every installed Qt module except :data:`QT_MODULES`."""
    names = set(QT_ALWAYS_EXCLUDED)
    spec = importlib.util.find_spec("PySide6")
    if spec and spec.submodule_search_locations:
        for loc in spec.submodule_search_locations:
            for f in Path(loc).glob("Qt*.*"):
                if f.suffix in (".so", ".pyd"):
                    names.add(f.name.split(".")[0])
    return sorted(f"PySide6.{n}" for n in names if n not in QT_MODULES)


def excludes() -> list[str]:
    return list(DEV_EXCLUDES) + qt_excludes()


def music21_datas(with_corpus: bool = False) -> list[tuple[str, str]]:
    """(source file, destination folder) for music21's non-Python files, corpus only if asked."""
    spec = importlib.util.find_spec("music21")
    if spec is None or not spec.submodule_search_locations:
        raise BundleError("music21 is not installed in this environment")
    base = Path(next(iter(spec.submodule_search_locations)))
    skip = tuple(s for s in MUSIC21_DATA_EXCLUDED if not (with_corpus and s == "corpus"))
    out = []
    for f in sorted(base.rglob("*")):
        rel = f.relative_to(base)
        if (not f.is_file() or f.suffix in (".py", ".pyc", ".pyi") or "__pycache__" in rel.parts
                or any(rel.as_posix().startswith(s + "/") for s in skip)):
            continue
        out.append((str(f), str(Path("music21") / rel.parent)))
    return out


def harmonizer_members(harmonizer: Path) -> list[str]:
    """The subfolders ``members.json`` of a harmonizer folder lists (plain names only), or []."""
    path = harmonizer / "members.json"
    if not path.is_file():
        return []
    try:
        names = [str(m["folder"]) for m in json.loads(path.read_text(encoding="utf-8"))["members"]]
    except (ValueError, KeyError, TypeError) as exc:
        raise BundleError(f"{path} is damaged ({exc})") from None
    bad = [n for n in names if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", n)]
    if bad:
        raise BundleError(f"{path} lists {', '.join(bad)}: members must be plain subfolder names")
    return names


def resource_datas(root: Path = ROOT, release: bool = False) -> tuple[list[tuple[str, str]], list[str]]:
    """(datas, warnings) for ``resources/``: icons always, the default model and the harmonizer when
    they are there.

    A release build without a complete ``resources/models/default`` raises :class:`BundleError`;
    any other build goes on without the model and says so.
    """
    res = root / "resources"
    icon = res / "icons" / "composer-app.svg"
    if not icon.is_file():
        raise BundleError(f"missing {icon}: the app icon must be in the bundle")
    datas = [(str(res / "icons"), "resources/icons")]
    model = res / "models" / "default"
    missing = [name for name in MODEL_FILES if not (model / name).is_file()]
    warnings = []
    if missing:
        what = f"{model} is missing {', '.join(missing)}" if model.is_dir() else f"{model} does not exist"
        if release:
            raise BundleError(f"release build refused: {what}. Train or copy the default model there first "
                              "(see resources/models/default/README.md and the README's 'train' section).")
        warnings.append(f"{what}: building WITHOUT the bundled model (the Assistant has none until "
                        "one is chosen with Assistant > Choose Model Folder)")
    else:  # the folder's files, not its subfolders (a training run leaves checkpoints/ there)
        datas += [(str(f), "resources/models/default") for f in sorted(model.iterdir()) if f.is_file()]
        skipped = sorted(p.name for p in model.iterdir() if p.is_dir())
        if skipped:
            warnings.append(f"left out of the bundle: subfolders {', '.join(skipped)} of {model}")
    # The harmonizer (Ctrl+H and the chords of every continuation): its files, when it is there.
    harmonizer = res / "models" / "harmonizer"
    if (harmonizer / "model.safetensors").is_file():
        datas += [(str(f), "resources/models/harmonizer") for f in sorted(harmonizer.iterdir()) if f.is_file()]
        for name in harmonizer_members(harmonizer):  # the models it mixes in (members.json), each whole
            member = harmonizer / name
            if not (member / "model.safetensors").is_file():
                raise BundleError(f"{harmonizer / 'members.json'} lists {name}, but {member} holds no model")
            datas += [(str(f), f"resources/models/harmonizer/{name}") for f in sorted(member.iterdir()) if f.is_file()]
    elif release:
        raise BundleError(f"release build refused: {harmonizer} holds no harmonizer (model.safetensors). "
                          "Train or copy it there first (see resources/models/harmonizer/README.md).")
    else:
        warnings.append(f"{harmonizer} holds no harmonizer: building without it (harmonizing falls back on "
                        "the language model)")
    for extra in sorted(p for p in res.iterdir() if p.name not in ("icons", "models")):
        datas.append((str(extra), f"resources/{extra.name}"))
    return datas, warnings


def doc_datas(root: Path = ROOT) -> list[tuple[str, str]]:
    """The user guide and the licence, at the top of the bundle: Help > User Guide and F1 show the
    README, About shows the licence (``composer_app.paths.doc_file``)."""
    docs = [root / "README.md", root / "LICENSE"]
    for d in docs:
        if not d.is_file():
            raise BundleError(f"missing {d}: Help shows it, so it must be in the bundle")
    return [(str(d), ".") for d in docs]


def drop_qt_plugins(binaries, imports, excluded=QT_PLUGINS_EXCLUDED):
    """``(kept, dropped)``: PyInstaller's ``a.binaries`` without the excluded Qt plugins and the
    libraries that nothing else in the bundle needs any more.

    ``binaries``: ``(dest, src, typecode)`` entries; ``imports(src)``: the names of the shared
    libraries ``src`` links against (``PyInstaller.depend.bindepend.get_imports``). A library is
    dropped only if an excluded plugin needs it and no kept binary does (directly or through
    other bundled libraries).
    """
    def is_excluded(dest):
        d = dest.replace("\\", "/")
        return any(d.endswith("/plugins/" + e) for e in excluded)

    plugins = [b for b in binaries if is_excluded(b[0])]
    if not plugins:
        return list(binaries), []
    by_name = {}
    for b in binaries:
        by_name.setdefault(Path(b[0]).name, b)

    def reach(starts):
        seen, todo = set(), [b[1] for b in starts]
        while todo:
            src = todo.pop()
            for name in imports(src):
                base = Path(name).name
                if base in by_name and base not in seen:
                    seen.add(base)
                    todo.append(by_name[base][1])
        return seen

    needed_by_plugins = reach(plugins)
    others = [b for b in binaries if not is_excluded(b[0]) and Path(b[0]).name not in needed_by_plugins]
    still_needed = reach(others)
    drop = {Path(b[0]).name for b in plugins} | (needed_by_plugins - still_needed)
    # Only libraries at the top of the bundle (the system libraries PyInstaller collected as
    # dependencies); the Python packages' own libraries stay.
    dropped = [b for b in binaries if is_excluded(b[0])
               or (Path(b[0]).name in drop and "/" not in b[0].replace("\\", "/"))]
    kept = [b for b in binaries if b not in dropped]
    return kept, dropped
