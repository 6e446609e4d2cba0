"""convenios feature."""
