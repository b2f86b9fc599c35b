"""The engine part of the spec: the server under test, its auth, resources and placement."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from kobench.api.basics import DNS_LABEL, MAX_REPLICAS, NOTIFY_FLAGS, PLUGIN_NAME, QUANTITY, Model


class SecretKeyRef(Model):
    """A key in a Secret in the benchmark's namespace."""

    name: Annotated[str, Field(description="Name of the Secret.", pattern=DNS_LABEL, max_length=63)]
    key: Annotated[
        str, Field(description="Key inside the Secret that holds the password.", min_length=1)
    ] = "password"


class ResourceQuantities(Model):
    """CPU and memory as Kubernetes quantities (``500m``, ``256Mi``)."""

    cpu: Annotated[str | None, Field(description="CPU quantity.", pattern=QUANTITY)] = None
    memory: Annotated[str | None, Field(description="Memory quantity.", pattern=QUANTITY)] = None


class Resources(Model):
    """Requests and limits for a container."""

    requests: Annotated[ResourceQuantities, Field(description="Requested resources.")] = (
        ResourceQuantities()
    )
    limits: Annotated[ResourceQuantities, Field(description="Resource limits.")] = (
        ResourceQuantities()
    )


class Toleration(Model):
    """A pod toleration, as in the core API."""

    key: Annotated[str | None, Field(description="Taint key.")] = None
    operator: Annotated[Literal["Exists", "Equal"] | None, Field(description="How to match.")] = (
        None
    )
    value: Annotated[str | None, Field(description="Taint value (with Equal).")] = None
    effect: Annotated[
        Literal["NoSchedule", "PreferNoSchedule", "NoExecute"] | None,
        Field(description="Taint effect to tolerate."),
    ] = None


class Placement(Model):
    """Where the engine's pods may run."""

    node_selector: Annotated[
        dict[str, str], Field(description="Node labels the engine pods require.")
    ] = {}
    tolerations: Annotated[list[Toleration], Field(description="Tolerations.", max_length=16)] = []
    anti_affinity: Annotated[
        Literal["preferred", "required", "none"],
        Field(description="Spread engine replicas across nodes: preferred, required or none."),
    ] = "preferred"


class Engine(Model):
    """The engine under test."""

    type: Annotated[
        str,
        Field(
            description="Engine plugin: keydb (active-replica multi-master), redis or valkey "
            "(one primary, read-only replicas), or any installed kobench.engines plugin.",
            pattern=PLUGIN_NAME,
        ),
    ] = "keydb"
    image: Annotated[
        str | None,
        Field(description="Container image; empty means the engine's default image.", min_length=1),
    ] = None
    replicas: Annotated[
        int, Field(description="Number of engine servers.", ge=1, le=MAX_REPLICAS)
    ] = 3
    server_threads: Annotated[
        int,
        Field(
            description="Server threads (KeyDB server-threads, Redis/Valkey io-threads). More "
            "than 1 only helps with spare cores: Redis I/O threads busy-wait.",
            ge=1,
            le=16,
        ),
    ] = 1
    notify_keyspace_events: Annotated[
        str,
        Field(
            description="notify-keyspace-events flags, set on every replica; must include E "
            "(keyevent channel) and $ or A (string commands). K (keyspace channel) lets each "
            "writer subscribe to the handshake keys only, instead of to every write.",
            pattern=NOTIFY_FLAGS,
        ),
    ] = "KE$"
    database: Annotated[int, Field(description="Database index used for keys.", ge=0, le=15)] = 0
    port: Annotated[int, Field(description="Server port inside the pod.", ge=1, le=65535)] = 6379
    tls: Annotated[
        bool,
        Field(
            description="Serve with TLS only (replication too): a CA made for the run signs the "
            "servers' certificate and every role verifies it (in a cluster: kept in the run's "
            "Secret <run>-tls)."
        ),
    ] = False
    auth_secret_ref: Annotated[
        SecretKeyRef | None,
        Field(description="Secret holding the engine password; generated when absent."),
    ] = None
    resources: Annotated[Resources, Field(description="Engine container resources.")] = Resources()
    placement: Annotated[Placement, Field(description="Engine pod placement.")] = Placement()
