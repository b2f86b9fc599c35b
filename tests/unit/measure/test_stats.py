"""Histogram maths and the NTP-style clock-offset estimate."""

from __future__ import annotations

import random

from kobench.measure.histograms import (
    decode_histogram,
    encode_histogram,
    estimate_offset,
    merge_histograms,
    new_histogram,
    ntp_sample,
    record_us,
    summarize,
)


def test_merging_histograms_equals_recording_everything_in_one() -> None:
    rng = random.Random(7)
    values = [rng.lognormvariate(5, 1) for _ in range(20_000)]
    whole, left, right = new_histogram(), new_histogram(), new_histogram()
    for index, value in enumerate(values):
        record_us(whole, value)
        record_us(left if index % 3 else right, value)
    merged = merge_histograms(new_histogram(), [decode_histogram(encode_histogram(left)), right])
    assert summarize(merged) == summarize(whole)


def test_percentiles_are_within_the_histogram_precision() -> None:
    histogram = new_histogram()
    for value in range(1, 10_001):
        record_us(histogram, value)
    summary = summarize(histogram)
    assert summary is not None
    assert abs(summary.p50 - 5.0) < 0.01  # ms
    assert abs(summary.p99 - 9.9) < 0.01
    assert summary.count == 10_000


def test_values_out_of_range_are_clamped_not_lost() -> None:
    histogram = new_histogram()
    record_us(histogram, -50)  # a clock step backwards
    record_us(histogram, 10**12)  # a stall far beyond the range
    assert histogram.get_total_count() == 2


def test_the_ntp_offset_recovers_a_known_skew() -> None:
    skew_ns = 3_000_000  # observer 3 ms ahead
    t1 = 1_000_000_000
    t2 = t1 + 200_000 + skew_ns  # 200 us on the way there
    t3 = t2 + 50_000
    t4 = t3 - skew_ns + 200_000  # 200 us back
    offset_us, delay_us = ntp_sample(t1, t2, t3, t4)
    assert offset_us == 3000.0
    assert delay_us == 400.0


def test_the_estimate_trusts_the_fastest_round_trips() -> None:
    samples = [(3000.0 + 2.0 * i, 400.0) for i in range(8)] + [(9000.0, 20_000.0)] * 50
    offset, delay = estimate_offset(samples) or (0.0, 0.0)
    assert 3000.0 <= offset <= 3014.0
    assert delay == 400.0
    assert estimate_offset([]) is None


def test_the_estimate_ignores_impossible_negative_round_trips() -> None:
    # Shared mode: a notification stamped before a GET that returned a newer write.
    samples = [(-1800.0, -4400.0)] * 3 + [(10.0 + i, 300.0 + i) for i in range(8)]
    offset, delay = estimate_offset(samples) or (0.0, 0.0)
    assert 10.0 <= offset <= 18.0
    assert delay == 307.0  # the largest delay among the samples used: it bounds their median
    assert estimate_offset([(-1800.0, -4400.0)]) is None
