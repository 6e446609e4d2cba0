"""Certificados modulares: what a CETPRO registered for its students, their revocation, and
the public page anyone checks one on (/verificar/<code>)."""
