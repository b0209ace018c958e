"""The return template: its layout contract and generation."""
