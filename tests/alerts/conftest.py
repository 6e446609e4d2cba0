"""Fixtures for the job alerts' tests."""
import pytest

from tests.helpers.smtp import smtp_inbox


@pytest.fixture
def smtp_server(app):
    """A real SMTP server (aiosmtpd) the outbox sends to."""
    with smtp_inbox(app) as inbox:
        yield inbox
