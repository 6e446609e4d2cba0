"""placements feature."""
