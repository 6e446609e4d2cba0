"""People's data rights (Ley 29733, Protección de Datos Personales): a person downloads
everything the portal holds about them (`export`), asks to delete their account and may
cancel within a grace period (`deletion`), and personal data nobody needs any more is
purged on schedule (`retention`). The shared pages live at /cuenta/… (`routes`)."""
