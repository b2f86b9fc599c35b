"""``spec.target``: measure an engine the user already runs instead of deploying one.

Every field that reaches a secret names where to read it (an environment variable, a file, a
Secret); the secret itself is never part of the spec, a command line, the status or a result.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import Field

from kobench.api.basics import (
    DNS_LABEL,
    DNS_SUBDOMAIN,
    ENDPOINT,
    ENDPOINT_CHOICE,
    ENV_NAME,
    KEY_NAME,
    MAX_REPLICAS,
    Model,
)
from kobench.api.engine_spec import SecretKeyRef

DEFAULT_MAX_RATE = 1_000


class ConfigMapKeyRef(Model):
    """A key in a ConfigMap in the benchmark's namespace."""

    name: Annotated[str, Field(description="Name of the ConfigMap.", pattern=DNS_LABEL)]
    key: Annotated[str, Field(description="Key that holds the value.", min_length=1)] = "ca.crt"


class TargetAuth(Model):
    """Who kobench is on the target: an ACL user and where its password is read from."""

    username: Annotated[
        str | None, Field(description="ACL user name (default: the default user).", min_length=1)
    ] = None
    password_env: Annotated[
        str | None,
        Field(
            description="Local runs: environment variable holding the password.", pattern=ENV_NAME
        ),
    ] = None
    password_file: Annotated[
        str | None, Field(description="Local runs: file holding the password.", min_length=1)
    ] = None
    password_secret_ref: Annotated[
        SecretKeyRef | None, Field(description="In a cluster: Secret key holding the password.")
    ] = None


class TargetTls(Model):
    """TLS towards the target; the server's certificate is verified unless told otherwise."""

    enabled: Annotated[
        bool, Field(description="Connect with TLS (a rediss:// endpoint turns it on too).")
    ] = False
    ca_file: Annotated[
        str | None, Field(description="Local runs: CA bundle (PEM) to verify the server.")
    ] = None
    ca_secret_ref: Annotated[
        SecretKeyRef | None, Field(description="In a cluster: Secret key with the CA bundle.")
    ] = None
    ca_config_map_ref: Annotated[
        ConfigMapKeyRef | None, Field(description="In a cluster: ConfigMap key with the CA bundle.")
    ] = None
    cert_file: Annotated[
        str | None, Field(description="Local runs: client certificate (PEM), when required.")
    ] = None
    key_file: Annotated[
        str | None, Field(description="Local runs: the client certificate's key (PEM).")
    ] = None
    client_secret_name: Annotated[
        str | None,
        Field(
            description="In a cluster: a kubernetes.io/tls Secret with the client certificate.",
            pattern=DNS_LABEL,
        ),
    ] = None
    server_name: Annotated[
        str | None,
        Field(
            description="Name the server's certificate must hold (default: the host).", min_length=1
        ),
    ] = None
    insecure_skip_verify: Annotated[
        bool,
        Field(description="Do not verify the server's certificate; the result records it."),
    ] = False


class Target(Model):
    """An engine the user already runs: kobench deploys nothing, and leaves nothing behind."""

    endpoints: Annotated[
        list[Annotated[str, Field(pattern=ENDPOINT)]],
        Field(
            description="host:port, a Service's DNS name with its port, or redis:// / rediss:// "
            "URLs (no password in them).",
            min_length=1,
            max_length=MAX_REPLICAS,
        ),
    ]
    write_to: Annotated[
        str,
        Field(
            description="Endpoint the writers write to: primary (found by INFO replication) "
            "or its index in endpoints.",
            pattern=ENDPOINT_CHOICE,
        ),
    ] = "primary"
    observe_on: Annotated[
        str,
        Field(
            description="Endpoint the observers listen on: replica (the first replica found, "
            "else the primary), primary, or an index in endpoints.",
            pattern=ENDPOINT_CHOICE,
        ),
    ] = "replica"
    database: Annotated[
        int, Field(description="Database index of the run's keys.", ge=0, le=15)
    ] = 0
    key_prefix: Annotated[
        str,
        Field(description="Every key of a run lies under <keyPrefix>:<runId>:.", pattern=KEY_NAME),
    ] = "kobench"
    max_rate: Annotated[
        int,
        Field(
            description="Largest total write rate (writes/s, every writer) the run may put on the "
            "target; raising it is explicit.",
            ge=1,
            le=1_000_000,
        ),
    ] = DEFAULT_MAX_RATE
    allow_config_change: Annotated[
        bool,
        Field(
            description="May set notify-keyspace-events when it lacks the run's flags (restored "
            "at the end, recorded in the result); otherwise such a run is refused."
        ),
    ] = False
    allow_disruption: Annotated[
        bool,
        Field(
            description="In a cluster: killReplica faults may delete the pods named in pods "
            "(how a user measures their own failover); otherwise every fault acting on the "
            "target's servers is refused."
        ),
    ] = False
    pods: Annotated[
        list[Annotated[str, Field(pattern=DNS_SUBDOMAIN)]],
        Field(
            description="In a cluster: the pod behind each endpoint, by index (in the "
            "benchmark's namespace); the only pods a killReplica fault may delete, and only "
            "with allowDisruption.",
            max_length=MAX_REPLICAS,
        ),
    ] = []
    auth: Annotated[TargetAuth, Field(description="ACL user and password.")] = TargetAuth()
    tls: Annotated[TargetTls, Field(description="TLS towards the target.")] = TargetTls()

    @property
    def uses_tls(self) -> bool:
        return self.tls.enabled or any(e.startswith("rediss://") for e in self.endpoints)
