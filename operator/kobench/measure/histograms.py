"""HDR histograms (microseconds), their compact encoding, percentiles and clock-offset maths."""

from __future__ import annotations

import base64
import binascii
import statistics
import struct
import zlib
from collections.abc import Iterable
from typing import Annotated

from hdrh.histogram import HdrHistogram
from pydantic import AfterValidator

from kobench.api.basics import Document

Histogram = HdrHistogram

LOWEST_US = 1
HIGHEST_US = 120_000_000  # two minutes: anything slower is a stall, recorded at the ceiling
SIGNIFICANT_DIGITS = 3


def new_histogram() -> HdrHistogram:
    return HdrHistogram(LOWEST_US, HIGHEST_US, SIGNIFICANT_DIGITS)


def record_us(histogram: HdrHistogram, value_us: float) -> None:
    """Record a latency, clamped into the histogram's range (a value below 1 us counts as 1 us)."""
    histogram.record_value(min(HIGHEST_US, max(LOWEST_US, round(value_us))))


def encode_histogram(histogram: HdrHistogram) -> str:
    """Compact, portable text form (compressed HdrHistogram V2 encoding, base64)."""
    encoded: bytes = histogram.encode()
    return encoded.decode("ascii")


def decode_histogram(text: str) -> HdrHistogram:
    if not text:
        return new_histogram()
    histogram: HdrHistogram = HdrHistogram.decode(text.encode("ascii"))
    return histogram


MAX_ENCODED_CHARS = 1024 * 1024
"""An encoded histogram of this range is a few KiB at most."""
_COOKIE_MASK = ~0xF0
_COMPRESSION_COOKIE = 0x1C849304
_ENCODING_COOKIE = 0x1C849303
_PAYLOAD_HEADER = struct.Struct(">IIIIqqd")


def _inflated(raw: bytes) -> bytes:
    """The payload of the compressed wrapper, bounded (a zlib bomb stops at the bound)."""
    cookie, length = struct.unpack(">II", raw[:8])
    if cookie & _COOKIE_MASK != _COMPRESSION_COOKIE or length != len(raw) - 8:
        raise ValueError("not an HDR histogram (its header is wrong)")
    inflater = zlib.decompressobj()
    try:
        payload = inflater.decompress(raw[8:], MAX_ENCODED_CHARS * 8)
    except zlib.error:
        raise ValueError("not an HDR histogram (its compressed part is broken)") from None
    if inflater.unconsumed_tail or len(payload) < _PAYLOAD_HEADER.size:
        raise ValueError("not an HDR histogram (its payload has a wrong size)")
    return payload


def check_encoded(text: str) -> str:
    """``text`` if it is an HDR histogram of kobench's range and precision, else ValueError
    (a document's histograms are checked when it is read, not when a page draws them)."""
    if not text:
        return text
    if len(text) > MAX_ENCODED_CHARS:
        raise ValueError(f"not an HDR histogram (longer than {MAX_ENCODED_CHARS} characters)")
    try:
        raw = base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        raise ValueError("not an HDR histogram (not base64)") from None
    if len(raw) < 8:
        raise ValueError("not an HDR histogram (too short)")
    cookie, _, _, digits, lowest, highest, _ = _PAYLOAD_HEADER.unpack_from(_inflated(raw))
    if cookie & _COOKIE_MASK != _ENCODING_COOKIE or (lowest, highest, digits) != (
        LOWEST_US,
        HIGHEST_US,
        SIGNIFICANT_DIGITS,
    ):
        raise ValueError(
            f"not a kobench histogram ({LOWEST_US} to {HIGHEST_US} us, {SIGNIFICANT_DIGITS} "
            "significant digits)"
        )
    try:
        HdrHistogram.decode(text.encode("ascii"))
    except Exception:  # the codec raises its own classes and ctypes' errors alike
        raise ValueError("not an HDR histogram (its counts cannot be decoded)") from None
    return text


EncodedHistogram = Annotated[str, AfterValidator(check_encoded)]
"""An encoded histogram in a document: checked when the document is read."""


def merge_histograms(into: HdrHistogram, others: Iterable[HdrHistogram]) -> HdrHistogram:
    for other in others:
        if other.get_total_count():
            into.add(other)
    return into


class LatencySummary(Document):
    """Percentiles in milliseconds."""

    count: int
    mean: float
    p50: float
    p90: float
    p99: float
    p999: float
    max: float

    def shifted(self, delta_ms: float) -> LatencySummary:
        """The same distribution moved by a constant (a clock-offset correction)."""
        return LatencySummary(
            count=self.count,
            mean=round(self.mean + delta_ms, 4),
            p50=round(self.p50 + delta_ms, 4),
            p90=round(self.p90 + delta_ms, 4),
            p99=round(self.p99 + delta_ms, 4),
            p999=round(self.p999 + delta_ms, 4),
            max=round(self.max + delta_ms, 4),
        )


def summarize(histogram: HdrHistogram) -> LatencySummary | None:
    count = histogram.get_total_count()
    if not count:
        return None

    def ms(value_us: float) -> float:
        return round(value_us / 1000.0, 4)

    return LatencySummary(
        count=count,
        mean=ms(histogram.get_mean_value()),
        p50=ms(histogram.get_value_at_percentile(50)),
        p90=ms(histogram.get_value_at_percentile(90)),
        p99=ms(histogram.get_value_at_percentile(99)),
        p999=ms(histogram.get_value_at_percentile(99.9)),
        max=ms(histogram.get_max_value()),
    )


def ntp_sample(t1: int, t2: int, t3: int, t4: int) -> tuple[float, float]:
    """Offset and round-trip delay from the four NTP timestamps (ns in, us out).

    t1: writer sent, t4: writer saw the answer (writer's clock); t2: observer received,
    t3: observer answered (observer's clock). A positive offset means the observer's clock is
    ahead of the writer's.
    """
    offset = ((t2 - t1) + (t3 - t4)) / 2.0
    delay = (t4 - t1) - (t3 - t2)
    return offset / 1000.0, delay / 1000.0


BEST_SAMPLES = 8


def estimate_offset(samples: Iterable[tuple[float, float]]) -> tuple[float, float] | None:
    """Median offset of the lowest-delay samples, and the largest delay among them (both in us).

    Low-delay samples bound the error best: the true offset lies within +-delay/2 of each, so
    within +-(largest delay)/2 of their median; that is the estimate's stated uncertainty.
    A negative delay cannot happen on real clocks (the observer's answer cannot take longer
    than the whole round trip): such a sample pairs timestamps of two different writes, so it
    is left out rather than trusted as the "fastest".
    """
    ordered = sorted((s for s in samples if s[1] >= 0), key=lambda sample: sample[1])
    if not ordered:
        return None
    best = ordered[:BEST_SAMPLES]
    return statistics.median(offset for offset, _ in best), best[-1][1]
