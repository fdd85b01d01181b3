"""The package installs as a working app: ``pip install .`` or the wheel carries the code and every
model folder under ``resources/`` (package data of ``composer_app.resources``).

The wheel test builds the real wheel from this checkout, installs it (without dependencies) into a
new virtual environment outside the checkout whose dependencies are this environment's (a ``.pth``
line: torch and the rest are not installed twice), and runs ``composer-app self-check`` there, in
an empty folder: the bundled model loads from the installed package and suggests.
"""

from __future__ import annotations

import json
import subprocess
import sys
import sysconfig
import tomllib
import zipfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def test_the_package_list_names_every_package_of_the_source_tree():
    """pyproject.toml lists the packages by hand (composer_app.resources lives in resources/): a new
    subpackage missing from the list would be left out of every installation."""
    listed = set(tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]["packages"])
    on_disk = {".".join(p.parent.relative_to(ROOT).parts) for p in (ROOT / "composer_app").rglob("__init__.py")}
    assert listed - {"composer_app.resources"} == on_disk


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q",
                        "-w", str(out), str(ROOT)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    (whl,) = out.glob("composer_app-*.whl")
    return whl


@pytest.mark.slow
def test_the_wheel_holds_every_model_folder_and_the_icons(wheel):
    names = set(zipfile.ZipFile(wheel).namelist())
    res = ROOT / "resources"
    expected = {f"composer_app/resources/{f.relative_to(res).as_posix()}" for f in res.rglob("*")
                if f.is_file() and "checkpoints" not in f.relative_to(res).parts}
    assert "composer_app/resources/models/default/model.safetensors" in expected
    for name in json.loads((res / "models" / "harmonizer" / "members.json").read_text())["members"]:
        assert f"composer_app/resources/models/harmonizer/{name['folder']}/model.safetensors" in expected
    assert expected <= names, sorted(expected - names)


@pytest.mark.slow
def test_the_installed_wheel_runs_self_check_outside_the_checkout(wheel, tmp_path):
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(venv)], check=True, timeout=120)
    py = venv / "bin" / "python"
    site = Path(subprocess.run([str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                               capture_output=True, text=True, check=True).stdout.strip())
    # The dependencies (torch, transformers, PySide6 ...) are this environment's, after the new one's own.
    (site / "_composer_app_test_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    r = subprocess.run([sys.executable, "-m", "pip", "--python", str(py), "install", "-q", "--no-deps",
                        "--no-index", str(wheel)], capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-3000:]
    work = tmp_path / "elsewhere"
    work.mkdir()
    env = {"PATH": f"{venv / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path), "QT_QPA_PLATFORM": "offscreen",
           "HF_HUB_OFFLINE": "1", "COMPOSER_APP_DATA": str(tmp_path / "data"),
           "COMPOSER_APP_CACHE": str(tmp_path / "cache"), "XDG_CONFIG_HOME": str(tmp_path / "config")}
    r = subprocess.run([str(venv / "bin" / "composer-app"), "self-check"], cwd=work, env=env,
                       capture_output=True, text=True, timeout=600)
    assert r.returncode == 0, r.stdout[-3000:] + r.stderr[-3000:]
    fields = dict(line.split(":", 1) for line in r.stdout.splitlines() if ":" in line and " " not in line.split(":")[0])
    installed = site / "composer_app"
    assert fields["code"].strip().startswith(str(installed)), fields["code"]
    assert fields["resources"].strip() == str(installed / "resources"), fields["resources"]
    assert str(installed / "resources" / "models" / "default") in fields["model"]
    assert "self-check passed" in r.stdout
    assert not any(str(ROOT) in line for line in (fields["code"], fields["resources"], fields["model"]))
