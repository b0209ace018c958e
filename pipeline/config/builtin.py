"""Where the built-in Word, e-mail and web page templates are: inside the package, so an installed
`pipeline` has them (package data). In a clone, pipeline/templates is a link to the repository's
templates/ folder, which tools/build_word_templates.py writes and the demo uses."""

from __future__ import annotations

from pathlib import Path

BUILTIN_TEMPLATES = Path(__file__).resolve().parents[1] / "templates"
