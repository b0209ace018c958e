"""Screens a file as hostile before any parser sees it: zip, XML, OLE2, number formats."""
