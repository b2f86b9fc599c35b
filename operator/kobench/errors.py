"""One exception family for kobench; third-party errors are mapped into it at the edges."""

from __future__ import annotations


class KobenchError(Exception):
    """Base of every error kobench raises on purpose."""


class SpecError(KobenchError):
    """The benchmark resource is invalid. Permanent: retrying will not help.

    ``field`` is the dotted path of the offending field (``spec.workload.rate``).
    """

    def __init__(self, field: str, message: str) -> None:
        self.field = field
        self.message = message
        super().__init__(f"{field}: {message}" if field else message)


class SpecErrors(SpecError):
    """Several spec errors at once, so a user can fix a file in one go."""

    def __init__(self, errors: list[SpecError]) -> None:
        self.errors = errors
        first = errors[0]
        super().__init__(first.field, first.message)
        self.args = ("; ".join(str(e) for e in errors),)

    def __str__(self) -> str:
        return "\n".join(str(e) for e in self.errors)


class Unsupported(SpecErrors):
    """The engine cannot do what the benchmark asks (the capability probe found it): each error
    names the field, the engine, its version and the feature. Permanent, like an invalid spec."""


class InputError(KobenchError):
    """A file or stream could not be read as a benchmark: missing, a directory, binary, too
    large, not YAML. Permanent, like a SpecError; the message names the file."""


class ClusterUnreadable(KobenchError):
    """The Kubernetes API could not be read: no usable kubeconfig, the API server unreachable or
    refusing, a benchmark or results ConfigMap missing. The message names what and where."""


class EngineUnavailable(KobenchError):
    """The engine cannot be started here (for example, its server binary is missing)."""


class EngineError(KobenchError):
    """An engine server misbehaved: unreachable, replication never came up, a command failed."""
