"""An outbox behind a transport that drops the first sends: for retry and failure tests.

Tests take the `flaky_transport` fixture (tests/conftest.py) and call it with how many sends fail
before the transport recovers, and optionally the error each failure raises.
"""

from smtplib import SMTPServerDisconnected

from django.core.mail.backends.locmem import EmailBackend as LocmemBackend

DROPPED = SMTPServerDisconnected("Connection unexpectedly closed")


class FlakyBackend(LocmemBackend):
    """The in-memory outbox behind a transport that drops the first `failures` sends."""

    failures = 0
    error: Exception = DROPPED

    def send_messages(self, messages):
        if FlakyBackend.failures:
            FlakyBackend.failures -= 1
            raise FlakyBackend.error
        return super().send_messages(messages)
