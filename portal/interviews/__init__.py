"""Interviews scheduled in the portal (issue 19): an employer member proposes one to three
slots to an applicant in review or finalist, the student picks one or asks for another time,
the employer reschedules or cancels; every step is a notification and an email with an
.ics invitation (calendar.py), and the worker sends reminders 24 h and 2 h before.

Below applications in the layers: applications.services ends an application's interviews
when it is rejected, withdrawn or its opening ends, so this package reads applications'
rows but never imports that package."""
