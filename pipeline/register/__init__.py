"""The Excel indicator register and its SMART checks."""
