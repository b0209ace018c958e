"""The hostile corpus beside the project (../shared/corpus, or $PIPELINE_CORPUS) and its manifest."""

from __future__ import annotations

import csv
import os
from pathlib import Path


def _corpus() -> Path | None:
    for candidate in (
        Path(__file__).resolve().parents[2] / "shared" / "corpus",
        Path(os.environ.get("PIPELINE_CORPUS", "")),
    ):
        if (candidate / "MANIFEST.tsv").is_file():
            return candidate
    return None


CORPUS = _corpus()
MANIFEST: list[dict[str, str]] = []
if CORPUS is not None:
    with open(CORPUS / "MANIFEST.tsv", encoding="utf-8", newline="") as handle:
        MANIFEST = list(csv.DictReader(handle, delimiter="\t"))

# Manifest wording of a rejection -> the finding codes that say the same thing to the submitter.
REASONS = [
    ("encrypted", {"encrypted"}),
    ("not a spreadsheet", {"not-a-spreadsheet"}),
    ("not a real excel file", {"not-a-spreadsheet", "old-format"}),
    ("corrupt", {"corrupt"}),
    ("exceeds size limit", {"too-large"}),
    ("too many archive entries", {"too-large", "unsafe-archive"}),
    ("sheet extent far beyond", {"too-large"}),
    ("xml entity attack", {"xml-attack"}),
    ("unsafe entry names", {"unsafe-archive"}),
    ("ambiguous archive", {"unsafe-archive"}),
    ("empty file", {"empty-file"}),
    ("no data", {"no-data"}),
    ("name each error cell", {"formula-error"}),
    ("formulas not calculated", {"formulas-not-calculated"}),
    ("excel 2.x", {"old-format"}),
]
