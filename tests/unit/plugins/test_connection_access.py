"""Every engine client of a process connects with its access: the ACL user and TLS, verified
unless told otherwise, for redis-py's clients and the lean async subscription alike."""

from __future__ import annotations

import ssl
from collections.abc import Iterator

import pytest

from kobench.plugins import connections as clients
from kobench.plugins.connections import Access


@pytest.fixture(autouse=True)
def _plain_afterwards() -> Iterator[None]:
    yield
    clients.use_access(Access())


def test_no_tls_and_no_user_by_default() -> None:
    made = clients.client("127.0.0.1", 1, "pw")
    kwargs = made.connection_pool.connection_kwargs
    assert (kwargs.get("username"), made.connection_pool.connection_class.__name__) == (
        None,
        "Connection",
    )
    assert clients.stream_options() == {} and clients.auth_arguments("pw") == ("pw",)


def test_tls_verifies_the_host_by_default() -> None:
    clients.use_access(Access(username="kb", tls=True, ca_file="/ca.pem"))
    made = clients.client("127.0.0.1", 1, "pw")
    kwargs = made.connection_pool.connection_kwargs
    assert (kwargs["username"], kwargs["ssl_cert_reqs"], kwargs["ssl_check_hostname"]) == (
        "kb",
        "required",
        True,
    )
    assert kwargs["ssl_ca_certs"] == "/ca.pem"
    assert clients.auth_arguments("pw") == ("kb", "pw")


def test_turning_verification_off_is_what_it_says() -> None:
    access = Access(tls=True, verify=False)
    options = clients.tls_options(access)
    assert (options["ssl_cert_reqs"], options["ssl_check_hostname"]) == ("none", False)
    context = clients.stream_options(access)["ssl"]
    assert isinstance(context, ssl.SSLContext)
    assert (context.verify_mode, context.check_hostname) == (ssl.CERT_NONE, False)


def test_a_server_name_is_checked_instead_of_the_host() -> None:
    clients.use_access(Access(tls=True, server_name="engine.example"))
    made = clients.client("127.0.0.1", 1, None)
    pool = made.connection_pool
    assert pool.connection_kwargs["ssl_check_hostname"] is False  # redis-py would check the host
    assert getattr(pool.connection_class, "server_name", "") == "engine.example"
    stream = clients.stream_options()
    assert stream["server_hostname"] == "engine.example"
    assert stream["ssl"].verify_mode == ssl.CERT_REQUIRED
    async_pool = clients.async_client("127.0.0.1", 1, None).connection_pool
    assert getattr(async_pool.connection_class, "server_name", "") == "engine.example"
