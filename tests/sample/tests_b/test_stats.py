"""Job b of the sample's matrix: figures and rendering, and one test that fails."""

from tally.render import render
from tally.stats import emptiest, level, levels


def test_levels() -> None:
    assert levels({"a": 0, "b": 2, "c": 9}) == {"a": "out", "b": "low", "c": "ok"}
    assert level(5, low=5) == "ok"


def test_emptiest() -> None:
    assert emptiest({"b": 1, "a": 1, "c": 4}) == "a"


def test_render_with_levels() -> None:
    assert render({"pears": 2, "apples": 10}, show_levels=True).splitlines() == [
        "apples    10  ok",
        "pears      2  low",
        "total     12",
    ]


def test_render_nothing() -> None:
    # The failing test of the matrix: its JUnit report records a failure.
    assert render({}) == "(nothing in stock)"
