"""Applications (postulaciones): applying, withdrawing and the employer pipeline."""
