"""Start benchmarks/provider.py in a subprocess on loopback, plain HTTP or TLS."""

from __future__ import annotations

import contextlib
import os
import selectors
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import certifi
import trustme

HERE = Path(__file__).resolve().parent


def terminate(process: subprocess.Popen[bytes]) -> None:
    """Stop ``process``: SIGTERM, then SIGKILL if it is still running 5 s later."""
    process.terminate()
    try:
        process.wait(5)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(5)


@contextlib.contextmanager
def provider(host: str, *, tls: bool, timeout: float = 15.0) -> Iterator[str]:
    """Run the provider; yield its base URL; always stop it.

    With ``tls``, the certificate comes from a trustme CA, and while the
    provider runs ``SSL_CERT_FILE`` points at certifi's bundle plus that CA,
    so default-constructed clients (httpx and httpx2) trust it and still pay
    the full cost of loading a real CA bundle.
    """
    with tempfile.TemporaryDirectory(prefix="chattz-bench-") as tmp:
        command = [sys.executable, str(HERE / "provider.py"), "--host", host]
        bundle_path = Path(tmp, "bundle.pem")
        if tls:
            ca = trustme.CA()
            server_cert = ca.issue_cert("127.0.0.1", "localhost", "::1")
            cert_path, key_path = Path(tmp, "cert.pem"), Path(tmp, "key.pem")
            cert_path.write_bytes(b"".join(blob.bytes() for blob in server_cert.cert_chain_pems))
            server_cert.private_key_pem.write_to_path(str(key_path))
            bundle_path.write_bytes(
                Path(certifi.where()).read_bytes() + b"\n" + ca.cert_pem.bytes()
            )
            command += ["--cert", str(cert_path), "--key", str(key_path)]
        saved = os.environ.get("SSL_CERT_FILE")
        process = subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE)
        try:
            assert process.stdout is not None
            with selectors.DefaultSelector() as selector:
                selector.register(process.stdout, selectors.EVENT_READ)
                if not selector.select(timeout):
                    raise RuntimeError(f"the provider did not start within {timeout:g}s")
            line = process.stdout.readline().decode().split()
            if len(line) != 2 or line[0] != "READY":
                raise RuntimeError(f"the provider did not start: {line!r}")
            if tls:
                os.environ["SSL_CERT_FILE"] = str(bundle_path)
            url_host = f"[{host}]" if ":" in host else host
            yield f"{'https' if tls else 'http'}://{url_host}:{line[1]}"
        finally:
            if saved is None:
                os.environ.pop("SSL_CERT_FILE", None)
            else:
                os.environ["SSL_CERT_FILE"] = saved
            terminate(process)
            for stream in (process.stdin, process.stdout):
                if stream is not None:
                    stream.close()
