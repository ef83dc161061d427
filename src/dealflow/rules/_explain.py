"""Explaining a false rule: the smallest parts of it that are false (or fail) for a
deal, each with the values it saw, so that a refusal can say what is missing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from jinja2 import nodes

from dealflow.errors import RuleEvalError
from dealflow.rules._compiler import Fn, compile_node, evaluate
from dealflow.rules._source import SYMBOL, render

__all__ = ["Compiled", "Leaf"]

@dataclass(frozen=True, slots=True)
class Leaf:
    """A part of a rule that came out false (or failed), with what it saw.

    `call` is `(helper, args)` when the part is a helper call (`("not helper", args)` for
    its negation); `fact` the fact id when
    the part reads `facts.<id>`; `compare` is `(left_text, left_value, op, right_text,
    right_value)` for a comparison; `error` the message when the part raised.
    """

    text: str
    value: Any = None
    error: str | None = None
    call: tuple[str, tuple[Any, ...]] | None = None
    fact: str | None = None
    compare: tuple[str, Any, str, str, Any] | None = None


@dataclass(frozen=True, slots=True)
class Compiled:
    """A compiled expression: `fn` evaluates it, `tree` is kept for explanations."""

    fn: Fn
    tree: nodes.Expr
    parts: dict[int, Fn] = field(default_factory=dict)
    """Closures of the tree's parts, compiled when an explanation first needs them."""
    texts: dict[int, str] = field(default_factory=dict)
    """The parts written back (as `render` writes them), when an explanation first needs
    them."""

    def why_false(self, ctx: Mapping[str, Any]) -> list[Leaf]:
        """The smallest parts of the rule that make it false in `ctx`."""
        return _why(self.tree, ctx, self.parts, self.texts)


def _text(node: nodes.Node, texts: dict[int, str]) -> str:
    text = texts.get(id(node))
    if text is None:
        text = texts[id(node)] = render(node)
    return text


def _evaluate(node: nodes.Node, ctx: Mapping[str, Any],
              parts: dict[int, Fn]) -> tuple[Any, str | None]:
    fn = parts.get(id(node))
    if fn is None:
        fn = parts[id(node)] = compile_node(node)
    try:
        return evaluate(fn, ctx), None
    except RuleEvalError as exc:  # a part that fails is a reason, with Python's error named
        return None, str(exc)


def _why(node: nodes.Node, ctx: Mapping[str, Any], parts: dict[int, Fn],
         texts: dict[int, str]) -> list[Leaf]:
    if isinstance(node, nodes.And | nodes.Or):
        leaves: list[Leaf] = []
        for part in (node.left, node.right):
            value, error = _evaluate(part, ctx, parts)
            if error is not None or not value:
                leaves.extend(_why(part, ctx, parts, texts))
        return leaves
    value, error = _evaluate(node, ctx, parts)
    return [_leaf(node, value, error, ctx, parts, texts)]


def _leaf(node: nodes.Node, value: Any, error: str | None, ctx: Mapping[str, Any],
          parts: dict[int, Fn], texts: dict[int, str]) -> Leaf:
    text = _text(node, texts)
    if isinstance(node, nodes.Not) and isinstance(node.node, nodes.Call) and isinstance(
            node.node.node, nodes.Name):  # `not helper(...)`: described as its negation
        args = tuple(_evaluate(arg, ctx, parts)[0] for arg in node.node.args)
        return Leaf(text, value, error, call=("not " + node.node.node.name, args))
    if isinstance(node, nodes.Call) and isinstance(node.node, nodes.Name):
        args = tuple(_evaluate(arg, ctx, parts)[0] for arg in node.args)
        return Leaf(text, value, error, call=(node.node.name, args))
    if isinstance(node, nodes.Getattr) and isinstance(node.node, nodes.Name) and (
        node.node.name == "facts"
    ):
        return Leaf(text, value, error, fact=node.attr)
    if isinstance(node, nodes.Compare) and len(node.ops) == 1:
        left, _ = _evaluate(node.expr, ctx, parts)
        right, _ = _evaluate(node.ops[0].expr, ctx, parts)
        compare = (_text(node.expr, texts), left, SYMBOL[node.ops[0].op],
                   _text(node.ops[0].expr, texts), right)
        return Leaf(text, value, error, compare=compare)
    return Leaf(text, value, error)
