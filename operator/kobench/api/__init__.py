"""The API: the typed model of a ``KeyDBObserverBenchmark`` (spec, defaults, validation), its
status, the CRD generated from them and the field reference.

This package is the single source of truth. The CRD schema, the Helm chart's CRD and every
executor's validation derive from these classes. Field names are camelCase on the wire (as in
every Kubernetes resource) and snake_case in Python. Its modules:

* ``basics``: names, patterns (with their meaning in words), bounds and the one base model
* ``engine_spec``, ``benchmark``, ``workload_spec``, ``delivery_spec``, ``conflict``,
  ``fault_spec``, ``matrix_spec``, ``baseline_spec``, ``metadata``: the models
* ``cross_rules``, ``fault_rules``: rules that span fields (the CRD repeats them in CEL,
  ``cel_rules``)
* ``messages``: pydantic's errors in words; ``yaml_loader``: safe YAML; ``parsing``: entry points
* ``status``, ``matrix_status``: the status; ``crd``, ``crd_schema``: the CRD; ``reference``

Rules that need the installed plugins are added by :mod:`kobench.plugins.checks`.
"""

from kobench.api.basics import (
    API_VERSION,
    CATEGORY,
    DEFAULT_DURATION_SECONDS,
    DNS_LABEL,
    DNS_SUBDOMAIN,
    GROUP,
    KEY_NAME,
    KIND,
    MAX_NAME,
    MAX_OBSERVERS,
    MAX_REPLICAS,
    MAX_WRITES,
    PLUGIN_NAME,
    PLURAL,
    QUANTITY,
    SHORT_NAME,
    SINGULAR,
    VERSION,
    Model,
)
from kobench.api.benchmark import (
    Benchmark,
    BenchmarkSpec,
    Envelope,
    Observer,
    Thresholds,
    Timeouts,
    Validity,
)
from kobench.api.conflict import Conflict
from kobench.api.cross_rules import cross_field_errors, planned_writes
from kobench.api.delivery_spec import COMMANDS, Command, Delivery, Expiry
from kobench.api.engine_spec import (
    Engine,
    Placement,
    ResourceQuantities,
    Resources,
    SecretKeyRef,
    Toleration,
)
from kobench.api.fault_rules import measured_seconds
from kobench.api.fault_spec import (
    KILL_ACTIONS,
    REPLICA_ACTIONS,
    TIMED_ACTIONS,
    Fault,
    FaultAction,
    FaultThresholds,
)
from kobench.api.messages import errors_from_validation
from kobench.api.metadata import Metadata
from kobench.api.parsing import (
    benchmark_errors,
    load_benchmark,
    load_document,
    parse_benchmark,
    parse_spec,
    spec_checked,
    spec_errors,
)
from kobench.api.workload_spec import Workload

__all__ = [
    "API_VERSION",
    "CATEGORY",
    "COMMANDS",
    "DEFAULT_DURATION_SECONDS",
    "DNS_LABEL",
    "DNS_SUBDOMAIN",
    "GROUP",
    "KEY_NAME",
    "KILL_ACTIONS",
    "KIND",
    "MAX_NAME",
    "MAX_OBSERVERS",
    "MAX_REPLICAS",
    "MAX_WRITES",
    "PLUGIN_NAME",
    "PLURAL",
    "QUANTITY",
    "REPLICA_ACTIONS",
    "SHORT_NAME",
    "SINGULAR",
    "TIMED_ACTIONS",
    "VERSION",
    "Benchmark",
    "BenchmarkSpec",
    "Command",
    "Conflict",
    "Delivery",
    "Engine",
    "Envelope",
    "Expiry",
    "Fault",
    "FaultAction",
    "FaultThresholds",
    "Metadata",
    "Model",
    "Observer",
    "Placement",
    "ResourceQuantities",
    "Resources",
    "SecretKeyRef",
    "Thresholds",
    "Timeouts",
    "Toleration",
    "Validity",
    "Workload",
    "benchmark_errors",
    "cross_field_errors",
    "errors_from_validation",
    "load_benchmark",
    "load_document",
    "measured_seconds",
    "parse_benchmark",
    "parse_spec",
    "planned_writes",
    "spec_checked",
    "spec_errors",
]
