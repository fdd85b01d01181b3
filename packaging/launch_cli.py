"""Frozen-app entry point of the command line (``composer-app``); see composer-app.spec.

On Linux the bundle has one program: ``composer-app-gui`` is a link to ``composer-app`` (each
PyInstaller program carries its own 70 MB copy of the Python modules), so started under that name
it opens the editor.
"""

import multiprocessing
import os
import sys

if __name__ == "__main__":
    multiprocessing.freeze_support()  # training's ProcessPoolExecutor re-enters here on spawn platforms
    if os.path.basename(sys.argv[0]).lower().startswith("composer-app-gui"):
        from composer_app.app import main
    else:
        from composer_app.cli import main

    sys.exit(main())
