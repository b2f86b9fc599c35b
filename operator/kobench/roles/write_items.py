"""What each item of a writer's batch is on the wire: the run's command for a write, and its
delivery mechanism's announcement after it (:mod:`kobench.plugins.mechanisms`)."""

from __future__ import annotations

from kobench.api import BenchmarkSpec
from kobench.plugins.mechanisms import get_mechanism
from kobench.plugins.mechanisms.commands import due_ms, write_commands
from kobench.plugins.mechanisms.mechanism_protocol import Command
from kobench.roles.schedule import CONTROL, EVENT, Item


class ItemCommands:
    """Item -> commands, for one run."""

    def __init__(self, spec: BenchmarkSpec, run_id: str) -> None:
        self.spec, self.run_id = spec, run_id
        self.mechanism = get_mechanism(spec.delivery.mechanism)
        self.command = spec.workload.command
        self.after_ms = spec.workload.expiry.after_ms

    def __call__(self, item: Item) -> list[Command]:
        key, value, ttl = item.key, item.value, item.ttl
        if item.kind == EVENT:
            due = due_ms(item.intended_ns, self.after_ms) if self.command == "expire" else 0
            written = write_commands(self.command, key, value, ttl, due_at_ms=due)
            return written + self.mechanism.announce(self.spec, self.run_id, key, control=False)
        plain: Command = ("SET", key, value, "EX", ttl) if ttl else ("SET", key, value)
        if item.kind == CONTROL:
            return [plain, *self.mechanism.announce(self.spec, self.run_id, key, control=True)]
        return [plain]
