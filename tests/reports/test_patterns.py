from __future__ import annotations

import random

import pytest

from reports.patterns import describe_shape, find_patterns, shape_of, stem_of, stems_of


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


EDGES = [
    "ab_1",
    "ab__12",
    "abc_d_12",
    "abc__12",
    "_abc1",
    "abc_1_2",
    "Sweet_Angel_07",
    "ÉCOLE12",
    "abcé12",
    "abc\u0661\u0662",
    "ab\u0130c12",
    "x\u0663\u0661",
    "",
    "12345",
    "a" * 40 + "9",
]


@pytest.mark.parametrize("seed", range(4))
def test_stems_of_many_logins_equal_stem_of_each(seed: int) -> None:
    rng = random.Random(seed)
    alphabet = "abcxyz_0123456789QÉ"
    logins = ["".join(rng.choices(alphabet, k=rng.randint(0, 12))) for _ in range(5_000)]
    logins += EDGES
    rng.shuffle(logins)
    assert stems_of(logins) == [stem_of(login) for login in logins]


def test_stems_of_a_login_with_a_newline_falls_back_to_one_by_one() -> None:
    assert stems_of(["abc12", "x\nyz12", "darkfox"]) == ["abc", None, None]
    assert stems_of([]) == []


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
