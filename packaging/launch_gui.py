"""Frozen-app entry point of the editor (``composer-app-gui``); see composer-app.spec."""

import multiprocessing
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # training's ProcessPoolExecutor re-enters here on spawn platforms
    from composer_app.app import main

    sys.exit(main())
