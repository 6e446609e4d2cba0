"""The coordinator's roster: its CETPRO's students, their verification, import and export."""
