"""Subcommands of ``composer-app``: one module each, with ``add_arguments(parser)`` and ``run(args)``."""
