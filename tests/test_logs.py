"""The log file: in the user data folder (the test's own, never the real one), rotated, written by
the command line and the worker, and named in the About box and in error messages."""

from __future__ import annotations

import logging
import os
from pathlib import Path

import pytest

from composer_app import logs
from composer_app.cli import main


@pytest.fixture(autouse=True)
def _detach():
    yield
    if logs._handler is not None:  # leave no handler on a test's temporary folder
        logging.getLogger("composer_app").removeHandler(logs._handler)
        logs._handler.close()
        logs._handler = None


def test_the_log_lives_in_the_data_folder_of_this_test(tmp_path):
    path = logs.setup_logging()
    assert path == Path(os.environ["COMPOSER_APP_DATA"]) / "logs" / "composer-app.log"
    assert path.is_relative_to(tmp_path)
    logging.getLogger("composer_app.something").warning("hello from a test")
    logs._handler.flush()
    text = path.read_text()
    assert "started" in text and "WARNING composer_app.something" in text and "hello from a test" in text


def test_the_command_line_logs_its_start_and_rotation_keeps_it_small(tmp_path, capsys, monkeypatch):
    assert main(["convert", str(tmp_path / "missing.mid"), str(tmp_path / "out.mid")]) == 2
    path = logs.log_file()
    assert "composer-app" in path.read_text() and "started" in path.read_text()
    monkeypatch.setattr(logs._handler, "maxBytes", 2000)
    log = logging.getLogger("composer_app.test")
    for i in range(200):
        log.info("line %d %s", i, "x" * 40)
    files = sorted(p.name for p in path.parent.iterdir())
    assert files == ["composer-app.log", "composer-app.log.1", "composer-app.log.2", "composer-app.log.3"]
    assert all(p.stat().st_size <= 2100 for p in path.parent.iterdir())


def test_a_worker_failure_is_logged_with_its_traceback_and_the_message_names_the_log(qtbot, tmp_path):
    from composer_app.generation.worker import SuggestionService

    logs.setup_logging()
    service = SuggestionService()
    bad = tmp_path / "model"
    bad.mkdir()
    (bad / "config.json").write_text("{}")  # no weights: a clear ModelError, logged as a warning
    try:
        with qtbot.waitSignal(service.modelFailed, timeout=60000) as blocker:
            service.load_model(str(bad), "cpu")
        assert str(bad) in blocker.args[0]
    finally:
        service.shutdown()
    logs._handler.flush()
    assert f"model {bad} not loaded" in logs.log_file().read_text()


def test_the_about_box_names_the_log_file(qtbot):
    from composer_app.gui.help import AboutDialog

    box = AboutDialog("Model: test")
    qtbot.addWidget(box)
    assert str(logs.log_file()) in box.label.text()
