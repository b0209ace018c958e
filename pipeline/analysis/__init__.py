"""Judgement beside the ratings: year-end forecasts, statistical process control, confidence
intervals and comparator tests. Pure functions over figures; no I/O, no store, no rating."""
