"""Reads a screened workbook in a child process with limits."""
