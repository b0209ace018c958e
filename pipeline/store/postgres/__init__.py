"""The PostgreSQL back end: the same tables, records and errors as the SQLite one, on a server that
several machines and a county's boards share. Only this package imports psycopg, and only when
config.toml's [store] url names a server, so the SQLite path never pays for its import."""
