"""config.toml: reading, checking and the settings records."""
