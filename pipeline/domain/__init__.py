"""Periods, the calendar, records, findings, errors and wording: imports nothing else of the package."""
