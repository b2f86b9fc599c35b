"""Key, value and handshake formats shared by every role, and per-writer sequence bookkeeping.

A write carries who wrote it (writer id), its sequence number, the replica it was written to and
its *intended* send time (wall clock, ns), so an observer can measure latency and count missed,
duplicate and out-of-order events without asking anyone.

- shared mode: key ``<sharedKey>``, value ``k1|<writer>|<seq>|<replica>|<t_ns>|<padding>``; the
  observer GETs the key on each notification (as the proof of concept does).
- unique mode: key ``<prefix>:<run>:<writer>:<seq>:<replica>:<t_ns>``; the notification carries the
  key name, so no read is needed.
- conflict mode: unique-mode keys for the events, and beside each write a SET of the conflict
  key ``<prefix>.conflict:<run>:k:<n mod keys>`` with the writer's own shared-mode value; every
  writer writes the same conflict key at the same intended instant (the schedules start at the
  instant agreed on ``<prefix>.conflict:<run>:start``).
- handshake: key ``<handshakeKey>:<run>:hs:<observer>:<writer>:<seq>:<t2_ns>:<t3_ns>``, where t2
  is when the observer received the event and t3 when it answered, both on the observer's clock.
  The writer sees it through its own subscription and has t1 (actual send) and t4 (receipt) on
  its clock: the four NTP timestamps.
  An observer with ``handshakeEvery: N`` answers only the writes whose sequence is a multiple
  of N (:func:`answered`).
- end marker: key ``<handshakeKey>:<run>:end:<writer>:<sent>:<at_ns>[:<refused>]``, set by a
  writer after its last write on every replica it wrote to: how many writes it sent, and when
  (wall clock, ns), and (when not 0) how many of them the engine refused while it could not serve
  (loading): never made, so never notified. An observer that has every writer's end marker knows
  what to expect.
"""

from __future__ import annotations

from dataclasses import dataclass

VALUE_TAG = "k1"
SEPARATOR = "|"
HANDSHAKE_MARK = "hs:"
"""Follows the run's handshake prefix in an observer's answer."""
END_MARK = "end:"
"""Follows the run's handshake prefix in a writer's end marker."""
SKIP_MARK = "skip:"
"""Follows the run's handshake prefix in a writer's note of writes the engine refused."""
NS_PER_SECOND = 1_000_000_000


def schedule_offset_ns(seq: int, rate: int) -> int:
    """When write ``seq`` is due after the writer's start, in integer ns (exact at any rate).

    The writer stamps write ``seq`` with ``start_wall + schedule_offset_ns(seq, rate)``, so an
    observer that knows one write's stamp knows every other write's of the same writer.
    """
    return seq * NS_PER_SECOND // rate


def keyevent_channel(database: int, event: str = "set") -> str:
    """The channel on which notifications of ``event`` arrive (SET's by default)."""
    return f"__keyevent@{database}__:{event}"


def run_channel(prefix: str, run_id: str) -> str:
    """Where the writers of a run publish each written key (mechanisms publish, spublish):
    outside the run's unique-key prefix, as the conflict keys are."""
    return f"{prefix}.events:{run_id}"


def run_stream(prefix: str, run_id: str) -> str:
    """The stream the writers of a run add each written key to (mechanism stream)."""
    return f"{prefix}.stream:{run_id}"


def keyspace_channel_prefix(database: int) -> str:
    """What a key's keyspace channel is named before the key (with the K flag)."""
    return f"__keyspace@{database}__:"


@dataclass(frozen=True, slots=True)
class Write:
    """What one write says about itself."""

    writer: int
    seq: int
    replica: int
    intended_ns: int


def encode_value(write: Write, size: int) -> bytes:
    """The value stored in shared mode, padded to ``size`` bytes."""
    head = SEPARATOR.join(
        (
            VALUE_TAG,
            str(write.writer),
            str(write.seq),
            str(write.replica),
            str(write.intended_ns),
            "",
        )
    ).encode()
    return head + b"x" * max(0, size - len(head))


def decode_value(value: bytes | str) -> Write | None:
    """Parse a shared-mode value; ``None`` when it is not one of ours."""
    if isinstance(value, bytes):
        value = value.decode("ascii", "replace")
    parts = value.split(SEPARATOR, 5)
    if len(parts) < 5 or parts[0] != VALUE_TAG:
        return None
    try:
        return Write(int(parts[1]), int(parts[2]), int(parts[3]), int(parts[4]))
    except ValueError:
        return None


def unique_key(prefix: str, run_id: str, write: Write) -> str:
    return f"{prefix}:{run_id}:{write.writer}:{write.seq}:{write.replica}:{write.intended_ns}"


def unique_key_prefix(prefix: str, run_id: str) -> str:
    return f"{prefix}:{run_id}:"


def decode_unique_key(key: bytes | str, key_prefix: str) -> Write | None:
    """Parse a unique-mode key built by :func:`unique_key` with the given run prefix."""
    if isinstance(key, bytes):
        key = key.decode("ascii", "replace")
    if not key.startswith(key_prefix):
        return None
    parts = key[len(key_prefix) :].split(":")
    if len(parts) != 4:
        return None
    try:
        return Write(int(parts[0]), int(parts[1]), int(parts[2]), int(parts[3]))
    except ValueError:
        return None


def answered(seq: int, every: int) -> bool:
    """Whether an observer sampling one handshake in ``every`` answers write ``seq``: a rule the
    writer predicts, so it knows how many answers to wait for."""
    return seq % every == 0


def answered_below(sent: int, every: int) -> int:
    """How many of the writes ``0..sent-1`` such an observer answers."""
    return -(-sent // every)


@dataclass(frozen=True, slots=True)
class Handshake:
    """An observer's answer to one event."""

    observer: str
    writer: int
    seq: int
    received_ns: int
    answered_ns: int


CONFLICT_MARK = ".conflict:"
"""Follows the key prefix in conflict keys: outside the unique prefix, so no observer counts them
as events."""


def conflict_key_prefix(prefix: str, run_id: str) -> str:
    """What every conflict key of a run starts with (the detector scans ``<this>*``)."""
    return f"{prefix}{CONFLICT_MARK}{run_id}:k:"


def conflict_key(prefix: str, run_id: str, seq: int, keys: int) -> str:
    """The conflict key write ``seq`` of every writer goes to."""
    return f"{conflict_key_prefix(prefix, run_id)}{seq % keys}"


def conflict_start_key(prefix: str, run_id: str) -> str:
    """Where the writers agree on their common schedule start (wall clock, ns)."""
    return f"{prefix}{CONFLICT_MARK}{run_id}:start"


def handshake_key_prefix(handshake_key: str, run_id: str) -> str:
    """What every handshake and end-marker key of a run starts with."""
    return f"{handshake_key}:{run_id}:"


def measuring_key(handshake_key: str, run_id: str) -> str:
    """Where writer 0 puts when the measured writes start (wall clock, ns): the fault clock."""
    return handshake_key_prefix(handshake_key, run_id) + "from"


def control_channel(handshake_key: str, run_id: str) -> str:
    """Where writers publish their end markers and notes of refused writes for observers whose
    mechanism does not carry them (tracking)."""
    return handshake_key_prefix(handshake_key, run_id) + "ctl"


def answer_prefix(handshake_key: str, run_id: str) -> str:
    """The prefix of the observers' answers (handshakes) in a run."""
    return handshake_key_prefix(handshake_key, run_id) + HANDSHAKE_MARK


def end_prefix(handshake_key: str, run_id: str) -> str:
    """The prefix of the writers' end markers in a run."""
    return handshake_key_prefix(handshake_key, run_id) + END_MARK


def skip_prefix(handshake_key: str, run_id: str) -> str:
    """The prefix of the writers' notes of refused writes: ``<this><writer>:<first>:<last>``,
    set (shared mode) just before the next write that was made, so an observer that numbers
    notifications knows writes ``first..last`` were never made."""
    return handshake_key_prefix(handshake_key, run_id) + SKIP_MARK


def decode_skip_key(key: bytes | str, prefix: str) -> tuple[int, int, int] | None:
    """(writer, first, last) of a note of refused writes."""
    if isinstance(key, bytes):
        key = key.decode("ascii", "replace")
    parts = key[len(prefix) :].split(":") if key.startswith(prefix) else []
    if len(parts) != 3:
        return None
    try:
        return int(parts[0]), int(parts[1]), int(parts[2])
    except ValueError:
        return None


@dataclass(frozen=True, slots=True)
class End:
    """A writer's end marker: it sent ``sent`` writes and ended at ``at_ns`` (wall clock);
    ``refused`` of them the engine refused while it could not serve."""

    writer: int
    sent: int
    at_ns: int
    refused: int = 0


def end_key(prefix: str, end: End) -> str:
    """``prefix`` is :func:`end_prefix` of the run."""
    key = f"{prefix}{end.writer}:{end.sent}:{end.at_ns}"
    return f"{key}:{end.refused}" if end.refused else key


def decode_end_key(key: bytes | str, prefix: str) -> End | None:
    if isinstance(key, bytes):
        key = key.decode("ascii", "replace")
    if not key.startswith(prefix):
        return None
    parts = key[len(prefix) :].split(":")
    if len(parts) not in (3, 4):
        return None
    try:
        return End(*(int(part) for part in parts))
    except ValueError:
        return None


def handshake_key(prefix: str, answer: Handshake) -> str:
    return (
        f"{prefix}{answer.observer}:{answer.writer}:{answer.seq}:"
        f"{answer.received_ns}:{answer.answered_ns}"
    )


def decode_handshake_key(key: bytes | str, prefix: str) -> Handshake | None:
    if isinstance(key, bytes):
        key = key.decode("ascii", "replace")
    if not key.startswith(prefix):
        return None
    parts = key[len(prefix) :].split(":")
    if len(parts) != 5:
        return None
    try:
        return Handshake(parts[0], int(parts[1]), int(parts[2]), int(parts[3]), int(parts[4]))
    except ValueError:
        return None
