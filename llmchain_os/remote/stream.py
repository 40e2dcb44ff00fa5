"""Reading one command's channel: both streams as they arrive, a tail of each kept, and a
deadline after which the command is signalled and left.

What comes back is the remote command's output: data for the person to read, never text
that can steer the shell.
"""

from __future__ import annotations

import codecs
import contextlib
import select
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import paramiko

TAIL_CHARS = 16_000
READ_BYTES = 32_768
NO_STATUS = -1  # paramiko's exit_status until the server sends one


class Tail:
    """The last ``limit`` characters of a stream, decoded as UTF-8 across chunk borders."""

    def __init__(self, limit: int = TAIL_CHARS) -> None:
        self.limit = limit
        self.cut = False
        self._decoder = codecs.getincrementaldecoder("utf-8")("replace")
        self._text = ""

    def feed(self, data: bytes, final: bool = False) -> str:
        chunk = self._decoder.decode(data, final)
        self._text += chunk
        if len(self._text) > 2 * self.limit:
            self._text, self.cut = self._text[-self.limit :], True
        return chunk

    def text(self) -> str:
        if len(self._text) > self.limit:
            return self._text[-self.limit :]
        return self._text


class ChannelReader:
    """Drains a channel that runs one command; ``read_until`` returns False on timeout."""

    def __init__(
        self, channel: paramiko.Channel, on_chunk: Callable[[str, str], None] | None
    ) -> None:
        self.channel = channel
        self.on_chunk = on_chunk
        self.stdout = Tail()
        self.stderr = Tail()
        self.exit_status: int | None = None
        self.error = ""

    def _drain(self) -> None:
        channel = self.channel
        while channel.recv_ready():
            self._emit("stdout", self.stdout.feed(channel.recv(READ_BYTES)))
        while channel.recv_stderr_ready():
            self._emit("stderr", self.stderr.feed(channel.recv_stderr(READ_BYTES)))

    def _emit(self, stream: str, text: str) -> None:
        if text and self.on_chunk is not None:
            self.on_chunk(stream, text)

    def read_until(self, deadline: float) -> bool:
        channel = self.channel
        while True:
            left = deadline - time.monotonic()
            if left <= 0:
                self._drain()
                self._stop()
                return False
            select.select([channel], [], [], min(left, 1.0))
            self._drain()
            if channel.eof_received or channel.closed:
                break
        self._drain()  # what arrived between the last drain and the end
        self._emit("stdout", self.stdout.feed(b"", final=True))
        self._emit("stderr", self.stderr.feed(b"", final=True))
        if channel.status_event.wait(max(0.0, min(deadline - time.monotonic(), 5.0))):
            status = channel.exit_status
            self.exit_status = None if status == NO_STATUS else status
        if self.exit_status is None:
            self.error = "no exit status came back (killed, or the connection dropped)"
        return True

    def _stop(self) -> None:
        """Ask the server to kill the command (RFC 4254 "signal"), then leave it."""
        self.error = "timed out (it may still be running there: not every server lets us stop it)"
        with contextlib.suppress(Exception):  # best effort: the channel is closed next anyway
            send_signal(self.channel, "KILL")


def send_signal(channel: paramiko.Channel, name: str) -> None:
    """A "signal" channel request (paramiko has none): OpenSSH's sshd delivers it to the
    command's process when it runs without a terminal."""
    from paramiko.common import cMSG_CHANNEL_REQUEST
    from paramiko.message import Message

    message = Message()
    message.add_byte(cMSG_CHANNEL_REQUEST)
    message.add_int(channel.remote_chanid)
    message.add_string("signal")
    message.add_boolean(False)
    message.add_string(name)
    send: Callable[[Message], None] = getattr(channel.transport, "_send_user_message")  # noqa: B009
    send(message)
