from __future__ import annotations

import pytest

from reports.patterns import describe_shape, find_patterns, shape_of, stem_of


@pytest.mark.parametrize(
    ("login", "stem"),
    [
        ("lovelyfox123", "lovelyfox"),
        ("lovelyfox_8841", "lovelyfox"),
        ("ab12", None),  # stem too short to mean anything
        ("plainname", None),
        ("x_1", None),
    ],
)
def test_stem_of(login: str, stem: str | None) -> None:
    assert stem_of(login) == stem


def test_shapes() -> None:
    assert shape_of("lena_1994") == "a_9999"
    assert shape_of("Mia_2003") == "a_9999"
    assert describe_shape("a_9999") == "letters + _ + 4 digits"
    assert describe_shape("a9") == "letters + 1 digit"


def test_a_stem_farm_is_one_pattern() -> None:
    logins = [f"sunnyangel{n}" for n in (123, 4567, 89012, 345, 6789)] + ["darkfox", "otter_99"]
    patterns, matched = find_patterns(logins)
    assert patterns[0].pattern == "sunnyangel + digits"
    assert patterns[0].count == 5
    assert "darkfox" not in matched
    # The shape "letters + digits" covers the same accounts: not reported twice.
    assert all(p.kind == "stem_digits" for p in patterns)


def test_ordinary_logins_share_no_pattern() -> None:
    logins = ["darkfox", "happypanda", "ninjawizard", "alex_taylor", "cookiemonster", "mia22"]
    assert find_patterns(logins) == ((), frozenset())


def test_name_year_farm_is_a_shape() -> None:
    logins = ["lena_1994", "mia_2003", "nora_1988", "kate_1999", "happyfox", "bluewolf"]
    patterns, matched = find_patterns(logins)
    assert patterns[0].pattern == "letters + _ + 4 digits"
    assert patterns[0].count == 4
    assert "happyfox" not in matched
