"""The PDF step's own behaviour, with a stand-in for LibreOffice where the real one is not the point:
documents shared out between LibreOffices side by side, and one that hangs stopped whole."""

from __future__ import annotations

import os
import stat
import time
from pathlib import Path

import pytest

from pipeline.domain.errors import OutputError
from pipeline.outputs import pdf


def fake_soffice(tmp_path: Path, body: str) -> str:
    """An executable that takes LibreOffice's arguments and runs `body` (sh), with $OUT the --outdir."""
    script = tmp_path / "soffice"
    script.write_text(
        '#!/bin/sh\nOUT=""\nprev=""\nfor a in "$@"; do [ "$prev" = "--outdir" ] && OUT="$a"; prev="$a"; done\n' + body
    )
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    return str(script)


def test_the_documents_are_shared_out_largest_first_in_groups_of_about_the_same_size(tmp_path):
    sizes = {"a": 900, "b": 500, "c": 400, "d": 100, "e": 100}
    for name, size in sizes.items():
        (tmp_path / f"{name}.docx").write_bytes(b"x" * size)
    groups = pdf._share_out(sorted(tmp_path.glob("*.docx")), 2)
    assert [[p.stem for p in g] for g in groups] == [["a", "d"], ["b", "c", "e"]]
    assert [sum(sizes[p.stem] for p in g) for g in groups] == [1000, 1000]
    assert pdf._share_out([tmp_path / "a.docx"], 4) == [[tmp_path / "a.docx"]]


def test_every_document_gets_its_pdf_from_libreoffices_side_by_side(tmp_path, monkeypatch):
    monkeypatch.setattr(os, "cpu_count", lambda: 2)
    log = tmp_path / "calls"
    soffice = fake_soffice(
        tmp_path,
        f'echo "$$" >> {log}\nfor a in "$@"; do case "$a" in /*.pptx) b=$(basename "$a" .pptx); '
        'echo "%PDF-1.4" > "$OUT/$b.pdf";; esac; done\n',
    )
    documents = []
    for n in range(5):
        documents.append(tmp_path / f"board-{n}.pptx")  # not a .docx: no alt text to put back
        documents[-1].write_bytes(b"x" * (n + 1))
    out = tmp_path / "out"
    out.mkdir()
    made = pdf.convert_to_pdf(documents, out, soffice=soffice)
    assert sorted(p.name for p in made) == [f"board-{n}.pdf" for n in range(5)]
    assert len(log.read_text().split()) == 2  # two LibreOffices, one for each processor


def test_a_libreoffice_that_hangs_is_stopped_with_a_plain_message(tmp_path):
    started = tmp_path / "started"
    soffice = fake_soffice(tmp_path, f"echo $$ > {started}\nsleep 300\n")
    document = tmp_path / "report.docx"
    document.write_bytes(b"x")
    with pytest.raises(OutputError) as caught:
        pdf.convert_to_pdf([document], tmp_path, soffice=soffice, timeout=1)
    assert "took more than 1 seconds" in caught.value.message
    pid = int(started.read_text())
    for _ in range(50):  # stopped, not left running
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            break
        time.sleep(0.1)
    else:
        pytest.fail("the stand-in LibreOffice is still running")
