"""The hidden suites' shared helpers: how a wrong value is worded for the learner."""

from __future__ import annotations

import pytest
import torch

from kdquiz.checks.support import CheckFailure, as_metrics, expect_close, named_mistakes


def failure(got, expected, **kwargs) -> str:
    with pytest.raises(CheckFailure) as info:
        expect_close(got, expected, what="f(x)", **kwargs)
    return str(info.value)


def test_a_mistake_is_named_only_when_it_reproduces_the_value() -> None:
    expected = torch.tensor(1.0, dtype=torch.float64)
    mistakes = {"no T²": torch.tensor(0.25, dtype=torch.float64)}
    reproduced = failure(torch.tensor(0.25, dtype=torch.float64), expected, mistakes=mistakes)
    assert "Likely mistake: no T²." in reproduced
    # Near the mistake but not equal to it within the check's tolerance (float64: 1e-9).
    near = failure(torch.tensor(0.2500001, dtype=torch.float64), expected, mistakes=mistakes)
    assert "Likely mistake" not in near
    assert "No common mistake reproduces this value" in near
    assert "formula in the task" in near


def test_values_that_print_alike_get_enough_digits_and_the_error() -> None:
    text = failure(4.0100001, 4.01, rtol=1e-9, atol=1e-9)
    assert "expected: 4.01\n" in text
    assert "got:      4.0100001" in text
    assert "error:    absolute 1e-07, relative 2.5e-08; allowed: 1e-09 + 1e-09 × |expected|" in text
    # Values that already print differently keep the short form.
    assert "error:" not in failure(2.0, 1.0)


def test_tensor_difference_gets_enough_digits() -> None:
    expected = torch.tensor([1.0, 2.0], dtype=torch.float64)
    got = torch.tensor([1.0, 2.000001], dtype=torch.float64)
    text = failure(got, expected)
    assert "first difference at index (1,): expected 2, got 2.000001" in text
    assert "absolute 1e-06" in text


def test_without_mistakes_nothing_is_claimed() -> None:
    text = failure(2.0, 1.0)
    assert "Likely mistake" not in text and "No common mistake" not in text


def test_named_mistakes_merges_coinciding_and_drops_right_values() -> None:
    values = {"a": 1.0, "b": 1.0, "c": 2.0, "d": 3.0, "e": float("nan")}
    words = {k: f"mistake {k}" for k in values}
    named = named_mistakes(values, words, first="c", correct=3.0)
    assert list(named) == ["mistake c", "mistake a; or: mistake b"]


def test_as_metrics_wants_python_floats() -> None:
    assert as_metrics((1, 0.5), "m()", ("HR@k", "NDCG@k")) == (1.0, 0.5)
    with pytest.raises(CheckFailure, match="as a torch.Tensor"):
        as_metrics((torch.tensor(1.0), 0.5), "m()", ("HR@k", "NDCG@k"))
    with pytest.raises(CheckFailure, match=r"should return a tuple \(HR@k, NDCG@k\)"):
        as_metrics(0.5, "m()", ("HR@k", "NDCG@k"))
