"""The library's fake provider (``FakeChattz``) served over loopback, in a process of its own.

``python benchmarks/served_fake.py --client ID SECRET REDIRECT_URI ... --users FIRST COUNT``
registers the clients and ``COUNT`` users with ids from ``FIRST`` (username
``user<id>``), serves the fake with ``FakeChattz.serve()`` (the library's
threaded loopback server, keep-alive) and prints ``READY <base URL>``; it
exits when its standard input closes. The recorded requests
(``FakeChattz.requests``) are dropped every second so that a long run does
not grow. ``--nagle`` accepts connections with Nagle's algorithm left on, as
the server did before it set ``TCP_NODELAY``: only to show what that cost.
"""

from __future__ import annotations

import argparse
import socketserver
import sys
import threading

from chattz_oauth_async._loopback import LoopbackHTTPServer
from chattz_oauth_async.testing import FakeChattz


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--client", nargs=3, action="append", default=[], metavar="X")
    parser.add_argument("--users", nargs=2, type=int, default=[1, 0], metavar="N")
    parser.add_argument("--nagle", action="store_true", help="leave Nagle's algorithm on")
    args = parser.parse_args()
    if args.nagle:  # the standard library's accept, without the TCP_NODELAY the library sets
        LoopbackHTTPServer.get_request = socketserver.TCPServer.get_request  # type: ignore[method-assign]
    fake = FakeChattz()
    for client_id, secret, redirect_uri in args.client:
        fake.add_client(client_id, secret, redirect_uri)
    first, count = args.users
    for user_id in range(first, first + count):
        fake.add_user(id=user_id, username=f"user{user_id}", email=f"user{user_id}@example.com")
    done = threading.Event()
    with fake.serve() as server:
        print(f"READY {server.base_url}", flush=True)

        def drop_records() -> None:
            while not done.wait(1.0):
                del fake.requests[:]

        threading.Thread(target=drop_records, daemon=True).start()
        try:
            while sys.stdin.buffer.read1(1):
                pass
        except KeyboardInterrupt:
            pass
        finally:
            done.set()


if __name__ == "__main__":
    main()
