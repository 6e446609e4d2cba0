"""roster feature."""
