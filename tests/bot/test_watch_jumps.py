"""The viewer-jump rule of `!botcheck watch` (bench-chosen defaults, docs/detection.md)."""

from __future__ import annotations

import pytest

from bot.watch import JumpDetector, WatchSettings


def jumps(detector: JumpDetector, counts: list[int]) -> list[int]:
    """Feed one count a minute; return the minutes that were jumps."""
    return [m for m, v in enumerate(counts) if detector.feed(m * 60.0, v) is not None]


FLAT = [100] * 25


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        pytest.param([*FLAT, 200, 200, 200], [26], id="sustained-jump-second-poll"),
        pytest.param([*FLAT, 200, 100, 100], [], id="one-noisy-poll"),
        pytest.param([*FLAT, 50, 60, 90, 100, 100], [], id="dip-and-recovery"),
        pytest.param([30] * 25 + [45, 45, 45], [], id="under-the-minimum-gain"),
        pytest.param([*FLAT, 120, 125, 125], [], id="under-the-ratio"),
        pytest.param([10] * 25 + [19, 19], [], id="under-min-viewers"),
    ],
)
def test_default_jump_rule(counts: list[int], expected: list[int]) -> None:
    assert jumps(WatchSettings().detector(), counts) == expected


def test_the_issue_example_rule_fires_on_a_recovery_the_default_ignores() -> None:
    example = JumpDetector(ratio=1.3, window_s=600.0, min_viewers=20)
    dip = [*FLAT, 50, 60, 90, 100, 100]
    assert jumps(example, dip) == [27]
    assert jumps(WatchSettings().detector(), dip) == []


def test_after_a_jump_the_next_is_measured_from_there() -> None:
    detector = WatchSettings().detector()
    assert jumps(detector, FLAT + [200] * 5 + [250] * 5 + [330] * 2) == [26, 36]
