"""Reference data (trade taxonomy, legal rates) seeded into editable tables."""
