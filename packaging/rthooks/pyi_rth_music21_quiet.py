"""PyInstaller runtime hook: no matplotlib note from music21 in the bundle.

The bundle leaves matplotlib out on purpose (nothing the app uses needs it), and music21 prints a
three-line note on stderr about it when ``music21.base`` is imported. This hook filters exactly
that note out of what ``music21.base`` writes to stderr while it is imported; everything else
passes through. It runs once and removes itself.
"""

import contextlib
import importlib.util
import io
import sys

_NOTE = "Certain music21 functions might need the optional package matplotlib"


class _QuietLoader:
    def __init__(self, loader):
        self._loader = loader

    def __getattr__(self, name):
        return getattr(self._loader, name)

    def create_module(self, spec):
        return self._loader.create_module(spec)

    def exec_module(self, module):
        buf = io.StringIO()
        try:
            with contextlib.redirect_stderr(buf):
                self._loader.exec_module(module)
        finally:
            text = _without_note(buf.getvalue())
            if text and sys.stderr is not None:
                sys.stderr.write(text)


def _without_note(text):
    """``text`` less the note: its first line and the indented lines that continue it."""
    kept, skipping = [], False
    for line in text.splitlines(keepends=True):
        if _NOTE in line:
            skipping = True
        elif skipping and line[:1].isspace() and line.strip():
            continue
        else:
            skipping = False
            kept.append(line)
    return "".join(kept)


class _Music21BaseFinder:
    def find_spec(self, name, path=None, target=None):
        if name != "music21.base":
            return None
        sys.meta_path.remove(self)  # once; and the lookup below must not find us again
        spec = importlib.util.find_spec(name)
        if spec is not None and spec.loader is not None:
            spec.loader = _QuietLoader(spec.loader)
        return spec


sys.meta_path.insert(0, _Music21BaseFinder())
