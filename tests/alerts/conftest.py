"""Fixtures for the job alerts' tests."""
from tests.test_mail import smtp_server  # noqa: F401 - a real SMTP server (aiosmtpd)
