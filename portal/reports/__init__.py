"""The inserción laboral report: figures in SQL, SVG charts, CSV/XLSX exports (issue 6)."""
