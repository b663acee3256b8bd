from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from paraguas.errors import InvalidNameError, SpecError
from paraguas.spec import did_you_mean, validate_alias, validate_model_name


@pytest.mark.parametrize("name", ["a", "rain_tomorrow", "fraud-v2", "m" + "x" * 62])
def test_valid_model_names_pass(name: str) -> None:
    assert validate_model_name(name) == name


@pytest.mark.parametrize(
    "name",
    ["", "Rain", "1model", "_x", "../etc", "a/b", "a b", "m" + "x" * 63, "é", "a.b", "a\x00"],
)
def test_unsafe_model_names_are_refused_with_the_rule(name: str) -> None:
    with pytest.raises(InvalidNameError, match="lowercase letter"):
        validate_model_name(name)


@given(st.text())
def test_no_accepted_name_can_leave_a_folder(name: str) -> None:
    try:
        validate_model_name(name)
    except SpecError:
        return
    assert "/" not in name and "\\" not in name and ".." not in name and name == name.strip()


def test_alias_must_be_known_and_suggests_the_close_one() -> None:
    assert validate_alias("champion") == "champion"
    with pytest.raises(InvalidNameError, match="Did you mean 'champion'"):
        validate_alias("champoin")


def test_did_you_mean_is_empty_when_nothing_is_close() -> None:
    assert did_you_mean("zzz", ["rain_tomorrow"]) == ""
