"""The curriculum's developer tools: mutant generation and the equivalent-mutant files."""

from __future__ import annotations

import ast

import pytest

from kdquiz.catalog import exercise_ids
from kdquiz.dev.corpus import apply_replacements, solution_source
from kdquiz.dev.mutants import generate_mutants
from kdquiz.dev.mutate import equivalents_path, load_equivalents

SOURCE = '''
import torch
import torch.nn.functional as F


def loss(s, t, temperature=4.0, alpha=0.5):
    """Docstrings are never mutated."""
    if temperature <= 0:
        raise ValueError(f"temperature must be > 0, got {temperature}")
    log_p = F.log_softmax(s / temperature, dim=-1)
    p_t = F.softmax(t.detach() / temperature, dim=-1)
    return -(p_t * log_p).sum(dim=-1).mean() * temperature**2


def targets(teacher, x):
    was = teacher.training
    teacher.eval()
    try:
        with torch.no_grad():
            return teacher(x)
    finally:
        teacher.train(was)
'''


@pytest.fixture(scope="module")
def mutants() -> dict[str, str]:
    return {m.key: m.source for m in generate_mutants(SOURCE)}


def has(mutants: dict[str, str], *fragments: str) -> bool:
    return any(all(f in key for f in fragments) for key in mutants)


def test_every_mutant_is_valid_python_and_differs(mutants: dict[str, str]) -> None:
    original = ast.unparse(ast.parse(SOURCE))
    assert len(mutants) > 30
    for source in mutants.values():
        compile(source, "<mutant>", "exec")
        assert source != original
    assert len(set(mutants.values())) == len(mutants)


def test_the_mutation_classes_the_issue_names(mutants: dict[str, str]) -> None:
    assert has(mutants, "operator swapped", "s / temperature -> s * temperature")
    assert has(mutants, "default constant changed", "4.0 -> 8.0")
    assert has(mutants, "default constant changed", "0.5 -> 2.0")
    assert has(mutants, "constant changed", "-1 -> 1") or has(mutants, "sign dropped", "-1 -> 1")
    assert has(mutants, ".detach() dropped")
    assert has(mutants, "stable formula made naive", "torch.log(torch.softmax(")
    assert has(mutants, "validation dropped", "if temperature <= 0")
    assert has(mutants, "statement dropped", "teacher.eval()")
    assert has(mutants, "with-block unwrapped", "with torch.no_grad()")
    assert has(mutants, "finally only on success")
    assert has(mutants, "call changed", "sum(dim=-1) -> ") and has(mutants, "mean")


def test_docstrings_and_error_messages_are_left_alone(mutants: dict[str, str]) -> None:
    for key, source in mutants.items():
        assert "Docstrings are never mutated." in source
        if "validation dropped" not in key:
            assert "temperature must be > 0, got {temperature}" in source


def test_keys_name_the_function_and_are_unique(mutants: dict[str, str]) -> None:
    assert all(key.split(":")[0] in ("loss", "targets") for key in mutants)


RECORDED = [e for e in exercise_ids() if equivalents_path(e).exists()]


@pytest.mark.parametrize("exercise", RECORDED)
def test_equivalent_mutants_are_current_and_explained(exercise: str) -> None:
    """Every mutant recorded as equivalent is still generated from the reference, with a
    reason; a stale entry would hide nothing but mislead the next reader."""
    listed = load_equivalents(exercise)
    assert listed
    keys = {m.key for m in generate_mutants(solution_source(exercise))}
    assert set(listed) <= keys, set(listed) - keys
    assert all(len(why.strip()) > 10 for why in listed.values())


def test_replacements_are_applied_exactly() -> None:
    source = "a = 1\nb = 2\nc = 3\n"
    assert apply_replacements(source, [{"old": "b = 2\n", "new": "b = 20\n"}]) == (
        "a = 1\nb = 20\nc = 3\n"
    )
    with pytest.raises(ValueError, match="occurs 0 times"):
        apply_replacements(source, [{"old": "d = 4\n", "new": ""}])
    with pytest.raises(ValueError, match="overlap"):
        apply_replacements(source, [{"old": "a = 1\nb", "new": ""}, {"old": "b = 2", "new": ""}])
