"""Test-wide set-up: offline model hub, offscreen Qt, and settings/data isolated per test."""

from __future__ import annotations

import os

os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

import pytest  # noqa: E402

from composer_app.paths import shared_data_dir  # noqa: E402


@pytest.fixture(autouse=True)
def _isolated_user_dirs(tmp_path, monkeypatch):
    """Never touch the user's real settings, data or cache."""
    monkeypatch.setenv("COMPOSER_APP_DATA", str(tmp_path / "userdata"))
    monkeypatch.setenv("COMPOSER_APP_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "config"))
    monkeypatch.setenv("COMPOSER_APP_CONFIG", str(tmp_path / "config" / "composer-app-settings.ini"))
    yield


@pytest.fixture(scope="session")
def shared_data():
    """Path to ../shared/data, or skip with a reason."""
    p = shared_data_dir()
    if not p.is_dir():
        pytest.skip(f"shared training data not found at {p}")
    return p


@pytest.fixture(scope="session")
def tiny_model_dir(tmp_path_factory):
    """A real (untrained, seeded) Llama model directory in the project's format, built in the test."""
    import torch
    from transformers import LlamaForCausalLM

    from composer_app.music_lm.model import make_config, save_model_dir
    from composer_app.music_lm.tokenizer import MusicTokenizer

    torch.manual_seed(1234)
    tok = MusicTokenizer()
    model = LlamaForCausalLM(make_config(tok, "tiny"))
    out = tmp_path_factory.mktemp("tiny_model")
    save_model_dir(model, tok, out)
    return out


#: A reel with a two-eighth pickup (FE) and a repeat: issue 14's ABC import case.
SILVER_SPEAR = """X:1
T:The Silver Spear
M:4/4
L:1/8
K:D
FE|"D"D2 FA dAFA|"G"B2 GB "A7"AFEF|"D"D2 FA dAFA|"A7"BcdB AFEF:|
"""


@pytest.fixture
def silver_spear(tmp_path):
    """``reels.abc`` holding :data:`SILVER_SPEAR` (31 notes as notated, the pickup a quarter note long)."""
    path = tmp_path / "reels.abc"
    path.write_text(SILVER_SPEAR)
    return path
