"""The history store: the only code that knows SQL."""
