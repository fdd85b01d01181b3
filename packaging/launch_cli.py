"""Frozen-app entry point of the command line (``composer-app``); see composer-app.spec."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # training's ProcessPoolExecutor re-enters here on spawn platforms
    from composer_app.cli import main

    sys.exit(main())
