"""``spec.engine.tls`` for a local run: a CA made for the run, one server certificate for
127.0.0.1, the servers listening with TLS only (their replication links too), and every role
verifying them against that CA.

The certificates are made with the ``openssl`` command in the run's private directory (removed
with it); no key is protected by a password, so none is ever on a command line.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from kobench.errors import EngineUnavailable
from kobench.plugins.connections import Access
from kobench.plugins.engines.engine_protocol import tls_server_args

DAYS = "2"
CURVE = ["-algorithm", "EC", "-pkeyopt", "ec_paramgen_curve:P-256"]


@dataclass(frozen=True)
class LocalCertificates:
    ca: Path
    cert: Path
    key: Path


def _openssl(*args: str) -> None:
    binary = shutil.which("openssl")
    if binary is None:
        raise EngineUnavailable(
            "spec.engine.tls needs the openssl command (apt-get install openssl)"
        )
    done = subprocess.run([binary, *args], capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise EngineUnavailable(f"openssl {args[0]} failed: {done.stderr.strip()[-300:]}")


def make_certificates(directory: Path) -> LocalCertificates:
    """A CA and a certificate for 127.0.0.1 that it signed, in ``directory`` (private)."""
    directory.mkdir(mode=0o700)
    ca_key, ca, key = directory / "ca.key", directory / "ca.pem", directory / "server.key"
    csr, cert, ext = directory / "server.csr", directory / "server.pem", directory / "san.cnf"
    _openssl("genpkey", *CURVE, "-out", str(ca_key))
    _openssl(
        "req",
        "-x509",
        "-new",
        "-key",
        str(ca_key),
        "-subj",
        "/CN=kobench run CA",
        "-days",
        DAYS,
        "-out",
        str(ca),
    )
    _openssl("genpkey", *CURVE, "-out", str(key))
    _openssl("req", "-new", "-key", str(key), "-subj", "/CN=127.0.0.1", "-out", str(csr))
    ext.write_text("subjectAltName=IP:127.0.0.1,DNS:localhost\n", encoding="utf-8")
    _openssl(
        "x509",
        "-req",
        "-in",
        str(csr),
        "-CA",
        str(ca),
        "-CAkey",
        str(ca_key),
        "-CAcreateserial",
        "-days",
        DAYS,
        "-extfile",
        str(ext),
        "-out",
        str(cert),
    )
    ca_key.unlink()  # nothing more is signed
    return LocalCertificates(ca=ca, cert=cert, key=key)


def tls_args(port: int, files: LocalCertificates) -> list[str]:
    """Server arguments (after the engine's own: the last one wins) for TLS only on ``port``,
    replication included; clients need no certificate of their own."""
    return tls_server_args(port, ca=str(files.ca), cert=str(files.cert), key=str(files.key))


def local_access(files: LocalCertificates) -> Access:
    return Access(tls=True, ca_file=str(files.ca))
