"""The app's log file: ``<user data>/logs/composer-app.log``, rotated (``RotatingFileHandler``).

A bundled GUI app has no terminal, so what went wrong must land in a file the composer can find:
the About box and the error messages name it. :func:`setup_logging` is called once at start (the
editor's and the command line's ``main``); modules log with ``logging.getLogger(__name__)``. The
folder follows ``COMPOSER_APP_DATA`` like every user file, so tests never touch the real one. No Qt.
"""

from __future__ import annotations

import logging
import logging.handlers
from pathlib import Path

from . import __version__, paths

LOG_NAME = "composer-app.log"
MAX_BYTES = 1_000_000  # per file; with BACKUPS old files at most 4 MB in all
BACKUPS = 3
_FORMAT = "%(asctime)s %(levelname)s %(name)s [%(threadName)s]: %(message)s"

_handler: logging.handlers.RotatingFileHandler | None = None


def log_file() -> Path:
    """Where the log is written (the folder is created on demand)."""
    return paths.user_data() / "logs" / LOG_NAME


def setup_logging(level: int = logging.INFO) -> Path | None:
    """Send the ``composer_app`` loggers to the rotating log file; returns its path, or None when
    the file cannot be opened (a read-only data folder must not stop the app). Calling it again
    (another data folder) moves the log there."""
    global _handler
    path = log_file()
    logger = logging.getLogger("composer_app")
    if _handler is not None:
        if Path(_handler.baseFilename) == path.resolve():
            return path
        logger.removeHandler(_handler)
        _handler.close()
        _handler = None
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handler = logging.handlers.RotatingFileHandler(path, maxBytes=MAX_BYTES, backupCount=BACKUPS,
                                                       encoding="utf-8", delay=True)
    except OSError:
        return None
    handler.setFormatter(logging.Formatter(_FORMAT))
    logger.addHandler(handler)
    logger.setLevel(level)
    _handler = handler
    logger.info("composer-app %s started", __version__)
    return path


def where_text() -> str:
    """A sentence for error messages and the About box: where the details are."""
    return f"Details are in the log file {log_file()}"
