"""Job alerts: a student's saved /ofertas searches, emailed as matching openings appear."""
