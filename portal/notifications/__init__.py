"""In-app notifications (avisos), the header badge and the emails that go with them.

A view whose change may give someone a new notification announces it with
`htmx.trigger(response, CHANGED_EVENT)`; the header badge listens and refreshes.
"""

CHANGED_EVENT = "notifications-changed"
