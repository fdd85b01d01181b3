"""Composer Assistant: a local composition assistant with a piano roll and a music language model."""

__version__ = "0.1.0"
