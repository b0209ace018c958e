"""Quarterly performance-management pipeline for a local strategic partnership."""

__version__ = "0.1.0"
