"""Mail for drill workers: the outbox, except that mail to DRILL_STALL_FOR never finishes."""

import os
import threading

from opsreview.org.mail import OutboxBackend


class StallingOutboxBackend(OutboxBackend):
    """Hangs, as an SMTP server that stops answering would, until the worker is killed."""

    def send_messages(self, messages) -> int:
        stall_for = os.environ.get("DRILL_STALL_FOR")
        if stall_for and any(stall_for in message.to for message in messages):
            threading.Event().wait()
        return super().send_messages(messages)
