"""RAG ratings and direction of travel: pure functions, no I/O."""
