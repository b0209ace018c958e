"""Shared fixtures: the shipped demo borough's config and register, and a period to work in."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.config import Config, load_config
from pipeline.periods import Period
from pipeline.records import Register
from pipeline.register import read_register

ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def config() -> Config:
    """The demo config (config.toml at the repository root). Frozen: tests replace paths with dataclasses.replace."""
    return load_config(ROOT / "config.toml")


@pytest.fixture(scope="session")
def register(config: Config) -> Register:
    """The demo register, read as the pipeline reads it."""
    register, _findings = read_register(config.paths.register)
    return register


@pytest.fixture
def period() -> Period:
    """2025-26 Q1, the demo's first quarter."""
    return Period(2025, 1)
