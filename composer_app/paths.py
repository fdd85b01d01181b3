"""Where things live: bundled resources, the default model, user data and caches."""

from __future__ import annotations

import os
import sys
from pathlib import Path

from platformdirs import user_cache_dir, user_data_dir

APP_NAME = "ComposerAssistant"


def resources_dir() -> Path:
    """The bundled ``resources/`` folder (overridable with ``COMPOSER_APP_RESOURCES``).

    In a PyInstaller build (``sys.frozen``) it is ``resources/`` inside the bundle (``sys._MEIPASS``);
    installed from a wheel (``pip install .``) it is the package data ``composer_app/resources``;
    in a source checkout (and an editable install) it is ``resources/`` beside the package.
    """
    env = os.environ.get("COMPOSER_APP_RESOURCES")
    if env:
        return Path(env)
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):
        return Path(sys._MEIPASS) / "resources"
    here = Path(__file__).resolve().parent
    installed = here / "resources"
    return installed if installed.is_dir() else here.parent / "resources"


def doc_file(name: str) -> Path | None:
    """A document shipped with the app (``README.md``, ``LICENSE``): next to the package in a source
    checkout, at the top of the bundle in a PyInstaller build; None when it is not there."""
    places = [Path(__file__).resolve().parent.parent / name]
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):
        places.insert(0, Path(sys._MEIPASS) / name)
    return next((p for p in places if p.is_file()), None)


def default_model_dir() -> Path:
    return resources_dir() / "models" / "default"


def default_harmonizer_dir() -> Path:
    return resources_dir() / "models" / "harmonizer"


def user_data() -> Path:
    """Per-user data folder (decision logs, user soundfonts); ``COMPOSER_APP_DATA`` overrides it."""
    env = os.environ.get("COMPOSER_APP_DATA")
    p = Path(env) if env else Path(user_data_dir(APP_NAME, appauthor=False))
    p.mkdir(parents=True, exist_ok=True)
    return p


def cache_dir() -> Path:
    env = os.environ.get("COMPOSER_APP_CACHE")
    p = Path(env) if env else Path(user_cache_dir(APP_NAME, appauthor=False))
    p.mkdir(parents=True, exist_ok=True)
    return p


def shared_data_dir() -> Path:
    """The project's training data folder ``../shared/data`` next to the checkout."""
    return Path(__file__).resolve().parent.parent.parent / "shared" / "data"
