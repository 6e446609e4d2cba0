"""CETPROs and their coordinators: the CETPRO records admins keep (create, edit, deactivate),
and the emailed invitations that make someone a coordinator of one."""
