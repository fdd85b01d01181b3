"""The long-lived Qt worker with a real model: loading in the background, results as signals,
stale requests dropped, errors as messages."""

import pytest


from composer_app.generation.types import SuggestionSettings  # noqa: E402
from composer_app.generation.worker import SuggestionService  # noqa: E402


@pytest.fixture
def service(qtbot):
    svc = SuggestionService()
    yield svc
    svc.shutdown()


def test_load_and_generate_off_the_gui_thread(qtbot, service, tiny_model_dir, lead_sheet):
    with qtbot.waitSignal(service.modelLoaded, timeout=60000) as loaded:
        service.load_model(str(tiny_model_dir), "cpu")
    assert loaded.args[0]["device"] == "cpu" and loaded.args[0]["params"] > 0
    streamed = []
    service.candidateFound.connect(lambda rid, c: streamed.append(c))
    with qtbot.waitSignal(service.finished, timeout=60000) as done:
        rid = service.request(lead_sheet, SuggestionSettings(candidates=3))
    assert done.args[0] == rid
    assert len(done.args[1]) >= 1 and len(streamed) == len(done.args[1])


def test_stale_results_are_dropped(qtbot, service, tiny_model_dir, lead_sheet):
    with qtbot.waitSignal(service.modelLoaded, timeout=60000):
        service.load_model(str(tiny_model_dir), "cpu")
    finished = []
    service.finished.connect(lambda rid, c: finished.append(rid))
    first = service.request(lead_sheet, SuggestionSettings(candidates=4, bars=8))
    second = service.request(lead_sheet, SuggestionSettings(candidates=2, bars=1))
    qtbot.waitUntil(lambda: second in finished, timeout=60000)
    qtbot.wait(200)
    assert first not in finished


def test_missing_model_is_a_message(qtbot, service, tmp_path):
    with qtbot.waitSignal(service.modelFailed, timeout=30000) as failed:
        service.load_model(str(tmp_path / "missing"), "cpu")
    assert "missing" in failed.args[0]


def test_request_before_model_is_a_message(qtbot, service, lead_sheet):
    with qtbot.waitSignal(service.failed, timeout=10000) as failed:
        service.request(lead_sheet, SuggestionSettings())
    assert "model" in failed.args[1].lower()


def test_cancelled_before_the_worker_starts_still_ends_the_request(qtbot, service, tiny_model_dir, lead_sheet):
    """Esc pressed before the worker picked the request up must not leave the service 'busy'."""
    with qtbot.waitSignal(service.modelLoaded, timeout=60000):
        service.load_model(str(tiny_model_dir), "cpu")
    blocker = service.request(lead_sheet, SuggestionSettings(candidates=16, bars=16))  # keeps the worker busy
    queued = service.request(lead_sheet, SuggestionSettings(candidates=1))  # waits in the queue
    service.cancel()
    qtbot.waitUntil(lambda: not service.busy, timeout=30000)
    assert blocker != queued
