"""A broken installation is named as such, never blamed on the model's weights.

The real case (issue 11): transformers 5.25 imports ``kernels``, whose ``python_depends.json`` a
bundle left out; loading failed with "the weights could not be loaded ... reinstall the app".
Here a real copy of ``kernels`` without that file is put first on the path of a fresh interpreter.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = pytest.mark.slow

LOAD = """
import sys
from composer_app.errors import InstallError
from composer_app.music_lm.loading import load_model
try:
    load_model(sys.argv[1], "cpu")
except InstallError as exc:
    print("INSTALL:", exc)
else:
    print("LOADED")
"""


def test_a_package_missing_its_data_file_is_named_not_the_weights(tiny_model_dir, tmp_path):
    spec = importlib.util.find_spec("kernels")
    if spec is None:
        pytest.skip("this transformers does not use the kernels package")
    broken = tmp_path / "site"
    shutil.copytree(Path(spec.origin).parent, broken / "kernels")
    data = broken / "kernels" / "_internals" / "python_depends.json"
    assert data.is_file()
    data.unlink()
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(broken), os.environ.get("PYTHONPATH", "")]))
    r = subprocess.run([sys.executable, "-c", LOAD, str(tiny_model_dir)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    out = r.stdout.strip()
    assert out.startswith("INSTALL:"), out
    assert "'kernels'" in out
    assert "weights could not be loaded" not in out
    assert "the model files are not the problem" in out and str(tiny_model_dir) in out


def test_the_complete_installation_loads_the_same_folder(tiny_model_dir):
    r = subprocess.run([sys.executable, "-c", LOAD, str(tiny_model_dir)], capture_output=True, text=True,
                       timeout=300)
    assert r.stdout.strip() == "LOADED", r.stdout + r.stderr
