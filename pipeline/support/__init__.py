"""Utilities every stage may import: atomic writes, the forked worker."""
