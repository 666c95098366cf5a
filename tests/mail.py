"""A real SMTP server on loopback (aiosmtpd) that keeps what it receives, for delivery tests."""

import asyncio
import email
import email.message
import email.policy
import threading
from dataclasses import dataclass

from aiosmtpd.controller import Controller

from tests import serving


@dataclass
class Received:
    sender: str
    recipients: list
    message: email.message.EmailMessage


class MailSink:
    """An aiosmtpd handler that keeps what it receives.

    `refuse` holds recipient addresses answered with 550. When `hold` is set, DATA is recorded and
    then the server waits for `hold` before answering 250: the message has arrived but the client
    does not know it yet (the moment a crash leaves delivery uncertain).
    """

    def __init__(self):
        self.received = []
        self.refuse = set()
        self.hold = None
        self.data_arrived = threading.Event()
        self._lock = threading.Lock()

    async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
        if address in self.refuse:
            return f"550 5.1.1 <{address}>: Recipient address rejected: User unknown"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server, session, envelope):
        message = email.message_from_bytes(envelope.content, policy=email.policy.default)
        with self._lock:
            self.received.append(Received(envelope.mail_from, list(envelope.rcpt_tos), message))
        self.data_arrived.set()
        if self.hold is not None:
            await asyncio.get_running_loop().run_in_executor(None, self.hold.wait, 60)
        return "250 Message accepted for delivery"


class SMTPServer:
    """aiosmtpd on 127.0.0.1; stop() and start() again on the same port simulate an outage."""

    def __init__(self):
        self.port = serving.free_port()
        self.handler = MailSink()
        self._controller = None

    def start(self):
        assert self._controller is None, "already running"
        self._controller = Controller(self.handler, hostname="127.0.0.1", port=self.port)
        self._controller.start()

    def stop(self):
        if self._controller is not None:
            self._controller.stop()
            self._controller = None

    @property
    def running(self):
        return self._controller is not None

    @property
    def received(self):
        return list(self.handler.received)

    def message_ids(self):
        return [item.message["Message-ID"] for item in self.handler.received]

    def release(self):
        if self.handler.hold is not None:
            self.handler.hold.set()
