"""Company profiles, colleagues and verification."""
