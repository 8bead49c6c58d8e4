"""The loopback server the commands listen with: SO_REUSEADDR only when asked."""

from __future__ import annotations

import errno
import socket
import sys

import pytest

from chattz_oauth_async._loopback import LoopbackHTTPServer, QuietHandler


@pytest.mark.skipif(sys.platform == "win32", reason="SO_REUSEADDR is never set on Windows")
@pytest.mark.parametrize(("reuse", "expected"), [(False, False), (True, True)])
def test_reuse_address_sets_so_reuseaddr_only_when_asked(reuse: bool, expected: bool) -> None:
    """reuse_address=True (the login command, the demo site) sets the option; the default not."""
    server = LoopbackHTTPServer("127.0.0.1", 0, QuietHandler, reuse_address=reuse)
    try:
        actual = bool(server.socket.getsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR))
    finally:
        server.server_close()
    assert expected == actual


def test_reuse_address_still_refuses_a_port_another_socket_listens_on() -> None:
    """SO_REUSEADDR is no way around a listening socket: the port is still in use."""
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        with pytest.raises(OSError) as caught:
            LoopbackHTTPServer("127.0.0.1", busy.getsockname()[1], QuietHandler, reuse_address=True)
    assert errno.EADDRINUSE == caught.value.errno
