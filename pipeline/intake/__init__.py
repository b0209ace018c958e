"""Inbox to verdict: screen/ (bytes, zip, XML), read/ (the reading child), recognise, validate, ingest."""
