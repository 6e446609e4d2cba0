"""A CETPRO's API tokens: made and revoked by its coordinators (and admins), checked by /api/v1."""
