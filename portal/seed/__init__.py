"""Demo and national-scale data sets."""
