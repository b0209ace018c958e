"""The checks of each sheet of a return, assembled by intake/validate.py."""
