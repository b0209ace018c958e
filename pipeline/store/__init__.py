"""The history store: the only code that knows SQL.

Stages write `from pipeline.store import Store` and pass the records of pipeline.domain.history
in and out. What a store raises: StoreBusy (another program holds it), OutputError (it cannot be
written), StoreUnusable (damaged, another program's, or a newer pipeline's) and StoreFault (a fault of ours).

`Store` is the SQLite back end (sqlite.py), its methods grouped by what they keep: files.py
(files, verdicts, findings, follow-up work), history.py (accepted returns and their figures) and
messages.py, over connection.py; the tables and their numbered migrations are in schema.py. A PostgreSQL back end would be a
second class with the same public methods, records and errors, and its own SQL.
"""

from pipeline.domain.errors import OutputError, StoreBusy, StoreUnusable
from pipeline.store.errors import StoreFault
from pipeline.store.sqlite import Store

__all__ = ["OutputError", "Store", "StoreBusy", "StoreFault", "StoreUnusable"]
