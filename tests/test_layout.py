"""The import contracts in pyproject.toml hold, and a forbidden import breaks them: so CI fails on one."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def lint_imports(package_parent: Path) -> subprocess.CompletedProcess:
    """lint-imports with the project's contracts on the `pipeline` package found under `package_parent`."""
    script = Path(sys.executable).parent / "lint-imports"
    command = [str(script)] if script.exists() else [shutil.which("lint-imports") or "lint-imports"]
    env = {**os.environ, "PYTHONPATH": str(package_parent)}
    return subprocess.run(
        [*command, "--no-cache", "--config", str(ROOT / "pyproject.toml")],
        cwd=package_parent,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def package_copy(tmp_path: Path) -> Path:
    """A copy of the package to spoil, under tmp_path."""
    shutil.copytree(ROOT / "pipeline", tmp_path / "pipeline", ignore=shutil.ignore_patterns("__pycache__"))
    return tmp_path


def add_import(package_copy: Path, module: str, line: str) -> None:
    path = package_copy / "pipeline" / module
    path.write_text(path.read_text(encoding="utf-8") + f"\n{line}  # added by the test\n", encoding="utf-8")


def test_the_package_keeps_its_import_contracts(package_copy):
    result = lint_imports(package_copy)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 broken" in result.stdout


@pytest.mark.parametrize(
    ("module", "line", "contract"),
    [
        ("outputs/master.py", "import sqlite3", "Only the store knows SQL BROKEN"),
        ("runtime/lock.py", "import psycopg", "Only the store knows SQL BROKEN"),
        (
            "outputs/master.py",
            "from pipeline.intake import ingest",
            "Outputs and chasing never import intake: they read what the store holds BROKEN",
        ),
        (
            "domain/periods.py",
            "from pipeline.config import load",
            "The domain imports nothing else of the package BROKEN",
        ),
        (
            "rating/rag.py",
            "from pipeline.store import sqlite",
            "Rating is pure: no store, outputs, intake or I/O helpers BROKEN",
        ),
        ("outputs/master.py", "from pipeline.chasing import status", "in the order data moves BROKEN"),
    ],
    ids=[
        "sqlite3-in-outputs",
        "psycopg-in-runtime",
        "outputs-imports-intake",
        "domain-imports-config",
        "rating-imports-store",
        "outputs-imports-chasing",
    ],
)
def test_a_forbidden_import_breaks_a_contract_and_fails(package_copy, module, line, contract):
    add_import(package_copy, module, line)
    result = lint_imports(package_copy)
    assert result.returncode != 0
    assert contract in result.stdout
