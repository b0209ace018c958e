"""One pass, the watch loop, the run lock and progress."""
