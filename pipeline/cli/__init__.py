"""The `pipeline` command: argument parsing, exit codes, the one place errors are printed."""

from pipeline.cli.app import main

__all__ = ["main"]
