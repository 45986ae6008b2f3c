"""Mutants of a reference solution, generated from its syntax tree.

Each mutant changes one thing a learner could plausibly get wrong: an operator, a comparison, a
constant (1↔2, 0.5↔2, a dim), an argument (swapped or dropped), a call (`detach`, a cast, a stable
formula replaced by the naive one), a statement (`zero_grad()`, `eval()`, a validation, a
`finally`), a default. Only code inside functions is mutated, never docstrings, annotations or
error messages.

A mutant is named by a key that survives edits elsewhere in the file (no line numbers):
`<function>: <what changed>: <old code> -> <new code>`.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from dataclasses import dataclass

BINOP_SWAPS: dict[type[ast.operator], list[type[ast.operator]]] = {
    ast.Add: [ast.Sub],
    ast.Sub: [ast.Add],
    ast.Mult: [ast.Div],
    ast.Div: [ast.Mult],
    ast.Pow: [ast.Mult],
    ast.FloorDiv: [ast.Div],
    ast.MatMult: [ast.Mult],
}
COMPARE_SWAPS: dict[type[ast.cmpop], list[type[ast.cmpop]]] = {
    ast.Lt: [ast.LtE, ast.Gt],
    ast.LtE: [ast.Lt, ast.GtE],
    ast.Gt: [ast.GtE, ast.Lt],
    ast.GtE: [ast.Gt, ast.LtE],
    ast.Eq: [ast.NotEq],
    ast.NotEq: [ast.Eq],
    ast.In: [ast.NotIn],
    ast.NotIn: [ast.In],
    ast.Is: [ast.IsNot],
    ast.IsNot: [ast.Is],
}
METHOD_SWAPS = {
    "sum": ["mean"],
    "mean": ["sum"],
    "max": ["min"],
    "min": ["max"],
    "amax": ["amin"],
    "amin": ["amax"],
    "argmax": ["argmin"],
    "argmin": ["argmax"],
    "softmax": ["log_softmax"],
    "log_softmax": ["softmax"],
    "sigmoid": ["logsigmoid"],
    "cumsum": ["cumprod"],
    "log2": ["log"],
    "log": ["log2"],
    "clamp_min": ["clamp_max"],
    "eval": ["train"],
    "ge": ["gt"],
    "gt": ["ge"],
    "le": ["lt"],
    "lt": ["le"],
    "topk": ["sort"],
}
DROPPABLE_METHODS = {
    "detach", "clone", "double", "float", "to", "contiguous", "clamp", "clamp_min",
    "clamp_max", "abs", "sqrt", "exp", "log", "neg", "flip", "t", "squeeze", "unsqueeze",
    "item", "type_as", "nan_to_num", "masked_fill", "where",
}  # fmt: skip
STRING_SWAPS = {
    "batchmean": ["mean", "sum"],
    "mean": ["sum", "batchmean"],
    "sum": ["mean"],
    "none": ["mean"],
}
NAIVE_FORMULAS = {
    # stable call -> naive template over the first argument (`X`) and the rest (`REST`)
    "log_softmax": "__import__('torch').log(__import__('torch').softmax({x}, {rest}))",
    "logsigmoid": "__import__('torch').log(__import__('torch').sigmoid({x}))",
    "logsumexp": "__import__('torch').log(__import__('torch').exp({x}).sum({rest}))",
    "log1p": "__import__('torch').log(1 + {x})",
    "softplus": "__import__('torch').log(1 + __import__('torch').exp({x}))",
    "binary_cross_entropy_with_logits":
        "__import__('torch').nn.functional.binary_cross_entropy("
        "__import__('torch').sigmoid({x}), {rest})",
    "xlogy": "{x} * __import__('torch').log({rest})",
    "cdist": "__import__('torch').sqrt((({x}.unsqueeze(-2) - {rest}.unsqueeze(-3)) ** 2).sum(-1))",
}  # fmt: skip


@dataclass(frozen=True)
class Mutant:
    key: str
    """`<function>: <what changed>: <old> -> <new>`, unique within its file."""
    line: int
    source: str


def _call_name(call: ast.Call) -> str:
    func = call.func
    return func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")


def _short(node: ast.AST | list[ast.stmt]) -> str:
    if isinstance(node, list):
        text = "; ".join(ast.unparse(n).splitlines()[0] for n in node[:2]) or "(nothing)"
    else:
        text = ast.unparse(node).splitlines()[0] if not isinstance(node, ast.Pass) else "pass"
    text = text.replace("__import__('torch')", "torch")
    return text if len(text) <= 70 else text[:67] + "..."


class _Generator:
    """Walks one module and yields (function, description, old, new) replacements."""

    def __init__(self, tree: ast.Module) -> None:
        self.tree = tree

    def sites(self) -> Iterator[tuple[str, ast.AST, str, ast.AST | list[ast.stmt]]]:
        for function in [n for n in ast.walk(self.tree) if isinstance(n, ast.FunctionDef)]:
            for default in [*function.args.defaults, *function.args.kw_defaults]:
                if default is not None:
                    for what, new in self._expression(default):
                        yield function.name, default, f"default {what}", new
            body = function.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                body = body[1:]  # the docstring
            for statement in body:
                yield from self._walk(function.name, statement)

    def _walk(self, function: str, node: ast.AST) -> Iterator:
        if isinstance(node, ast.Raise | ast.JoinedStr | ast.FunctionDef | ast.Assert):
            return  # error messages; nested functions are visited on their own
        if isinstance(node, ast.stmt):
            for what, new in self._statement(node):
                yield function, node, what, new
        elif isinstance(node, ast.expr):
            for what, new in self._expression(node):
                yield function, node, what, new
        for field, value in ast.iter_fields(node):
            if field in ("annotation", "returns", "type_comment"):
                continue
            children = value if isinstance(value, list) else [value]
            for child in children:
                if isinstance(child, ast.AST):
                    yield from self._walk(function, child)

    # -- statements ---------------------------------------------------------------------------

    def _statement(self, node: ast.stmt) -> Iterator[tuple[str, ast.AST | list[ast.stmt]]]:
        if isinstance(node, ast.Expr | ast.AugAssign):
            yield "statement dropped", ast.Pass()
        if isinstance(node, ast.If):
            raises = any(isinstance(n, ast.Raise) for n in ast.walk(node))
            yield ("validation dropped" if raises else "if dropped"), ast.Pass()
            if not raises:
                yield (
                    "condition negated",
                    ast.If(
                        test=ast.UnaryOp(ast.Not(), node.test), body=node.body, orelse=node.orelse
                    ),
                )
        if isinstance(node, ast.With):
            yield "with-block unwrapped", list(node.body)
        if isinstance(node, ast.Try) and node.finalbody:
            yield "finally only on success", [*node.body, *node.finalbody]
            if not node.handlers:
                yield "finally dropped", list(node.body)
        if isinstance(node, ast.Return) and isinstance(node.value, ast.Tuple):
            elts = node.value.elts
            if len(elts) == 2:
                yield "results swapped", ast.Return(ast.Tuple([elts[1], elts[0]], ast.Load()))
        if isinstance(node, ast.For):
            yield (
                "loop body dropped",
                ast.For(target=node.target, iter=node.iter, body=[ast.Pass()], orelse=node.orelse),
            )

    # -- expressions --------------------------------------------------------------------------

    def _expression(self, node: ast.expr) -> Iterator[tuple[str, ast.AST]]:
        if isinstance(node, ast.BinOp):
            for op in BINOP_SWAPS.get(type(node.op), []):
                yield "operator swapped", ast.BinOp(node.left, op(), node.right)
            yield "right operand dropped", node.left
            yield "left operand dropped", node.right
        elif isinstance(node, ast.UnaryOp) and isinstance(node.op, ast.USub | ast.Not):
            yield "sign dropped" if isinstance(node.op, ast.USub) else "not dropped", node.operand
        elif isinstance(node, ast.Compare):
            for i, cmp in enumerate(node.ops):
                for swapped in COMPARE_SWAPS.get(type(cmp), []):
                    ops = [*node.ops[:i], swapped(), *node.ops[i + 1 :]]
                    yield "comparison swapped", ast.Compare(node.left, ops, node.comparators)
        elif isinstance(node, ast.BoolOp):
            other = ast.Or() if isinstance(node.op, ast.And) else ast.And()
            yield "boolean operator swapped", ast.BoolOp(other, node.values)
        elif isinstance(node, ast.Constant):
            yield from self._constant(node)
        elif isinstance(node, ast.Call):
            yield from self._call(node)

    def _constant(self, node: ast.Constant) -> Iterator[tuple[str, ast.AST]]:
        value = node.value
        if isinstance(value, bool):
            yield "flag flipped", ast.Constant(not value)
        elif isinstance(value, int):
            for number in {0: [1], 1: [0, 2], 2: [1, 3]}.get(value, [value + 1, value - 1]):
                yield "constant changed", ast.Constant(number)
        elif isinstance(value, float):
            if value == 0.0:
                replacements = [1.0]
            elif value == 0.5:
                replacements = [2.0, 1.0]
            elif value == 1.0:
                replacements = [0.0, 2.0]
            elif abs(value) < 1e-3:
                replacements = [0.0, value * 100]
            else:
                replacements = [value * 2, value / 2]
            for real in replacements:
                yield "constant changed", ast.Constant(real)
        elif isinstance(value, str):
            for text in STRING_SWAPS.get(value, []):
                yield "string changed", ast.Constant(text)

    def _call(self, node: ast.Call) -> Iterator[tuple[str, ast.AST]]:
        name = _call_name(node)
        func = node.func
        for keyword in node.keywords:
            if keyword.arg is not None:
                rest = [k for k in node.keywords if k is not keyword]
                yield f"argument {keyword.arg}= dropped", ast.Call(func, node.args, rest)
        if len(node.args) >= 2 and not any(isinstance(a, ast.Starred) for a in node.args[:2]):
            args = [node.args[1], node.args[0], *node.args[2:]]
            yield "arguments swapped", ast.Call(func, args, node.keywords)
        if isinstance(func, ast.Attribute):
            for new_name in METHOD_SWAPS.get(func.attr, []):
                new_func = ast.Attribute(func.value, new_name, ast.Load())
                yield "call changed", ast.Call(new_func, node.args, node.keywords)
            if func.attr in DROPPABLE_METHODS and not _is_module(func.value):
                yield f".{func.attr}() dropped", func.value
        naive = _naive(name, node) if name in NAIVE_FORMULAS and node.args else None
        if naive is not None:
            yield "stable formula made naive", naive

    def __iter__(self) -> Iterator[tuple[str, ast.AST, str, ast.AST | list[ast.stmt]]]:
        return self.sites()


def _is_module(node: ast.expr) -> bool:
    """`torch`, `F`, `torch.nn.functional`: a call on them is a function, not a method."""
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id in ("torch", "F", "nn", "math", "np")


def _naive(name: str, call: ast.Call) -> ast.expr | None:
    rest = [ast.unparse(a) for a in call.args[1:]]
    rest += [f"{k.arg}={ast.unparse(k.value)}" for k in call.keywords if k.arg is not None]
    if name in ("log_softmax", "logsumexp"):
        rest = [r.replace("dim=", "") if name == "logsumexp" else r for r in rest]
    if name in ("cdist", "xlogy"):
        rest = rest[:1]
    text = NAIVE_FORMULAS[name].format(x=f"({ast.unparse(call.args[0])})", rest=", ".join(rest))
    text = text.replace(", )", ")")
    try:
        return ast.parse(text, mode="eval").body
    except SyntaxError:
        return None


def _parents(tree: ast.AST) -> dict[int, tuple[ast.AST, str, int | None]]:
    """id(node) -> (parent, field, index in the field's list or None)."""
    found: dict[int, tuple[ast.AST, str, int | None]] = {}
    for parent in ast.walk(tree):
        for field, value in ast.iter_fields(parent):
            if isinstance(value, list):
                for i, child in enumerate(value):
                    if isinstance(child, ast.AST):
                        found[id(child)] = (parent, field, i)
            elif isinstance(value, ast.AST):
                found[id(value)] = (parent, field, None)
    return found


def _replaced(
    tree: ast.Module, parents: dict, old: ast.AST, new: ast.AST | list[ast.stmt]
) -> str | None:
    """The module's source with `old` replaced by `new`; None if that is not valid Python."""
    parent, field, index = parents[id(old)]
    saved = getattr(parent, field)
    try:
        if index is None:
            if isinstance(new, list):
                return None
            setattr(parent, field, new)
        else:
            replacement = new if isinstance(new, list) else [new]
            items = list(saved)
            items[index : index + 1] = replacement or [ast.Pass()]
            setattr(parent, field, items)
        text = ast.unparse(ast.fix_missing_locations(tree))
        compile(text, "<mutant>", "exec")
        return text
    except (SyntaxError, ValueError, TypeError):
        return None
    finally:
        setattr(parent, field, saved)


def generate_mutants(source: str) -> list[Mutant]:
    """Every mutant of `source`, deduplicated by the code it produces."""
    tree = ast.parse(source)
    lines = source.splitlines()
    parents = _parents(tree)
    original = ast.unparse(tree)
    seen = {original}
    keys: dict[str, int] = {}
    mutants = []
    for function, old, what, new in _Generator(tree):
        text = _replaced(tree, parents, old, new)
        if text is None or text in seen:
            continue
        seen.add(text)
        key = f"{function}: {what}: {_short(old)} -> {_short(new)}"
        line = getattr(old, "lineno", 0)
        context = lines[line - 1].strip() if 0 < line <= len(lines) else ""
        if isinstance(old, ast.expr) and context and _short(old) != context:
            key += f"  in `{context if len(context) <= 70 else context[:67] + '...'}`"
        keys[key] = keys.get(key, 0) + 1
        if keys[key] > 1:
            key = f"{key} #{keys[key]}"
        mutants.append(Mutant(key, line, text))
    return mutants
