"""A rule's syntax tree written back as rule text, with normalised spacing and only the
parentheses it needs: what error messages and explanations quote."""

from __future__ import annotations

from jinja2 import nodes

__all__ = ["SYMBOL", "render"]

#: The symbol of each comparison operator, by Jinja's name for it.
SYMBOL = {"eq": "==", "ne": "!=", "gt": ">", "gteq": ">=", "lt": "<", "lteq": "<=",
          "in": "in", "notin": "not in"}

def _render_args(node: nodes.Call | nodes.Filter | nodes.Test) -> str:
    parts = [render(arg) for arg in node.args]
    parts += [f"{kw.key}={render(kw.value)}" for kw in node.kwargs]
    return ", ".join(parts)


_BIN_SYMBOL = {nodes.Add: "+", nodes.Sub: "-", nodes.Mul: "*", nodes.Div: "/",
               nodes.FloorDiv: "//", nodes.Mod: "%", nodes.Pow: "**"}


#: Nodes that need no parentheses as the target of `.attr`, `[key]` or `(args)`.
_ATOMS = (nodes.Const, nodes.Name, nodes.Getattr, nodes.Getitem, nodes.Call, nodes.List,
          nodes.Tuple, nodes.Dict)
#: Nodes written in parentheses as the operand of an operator, a filter or a test.
_LOOSE = (nodes.BinExpr, nodes.And, nodes.Or, nodes.Not, nodes.Compare, nodes.CondExpr,
          nodes.Concat)


def _target(node: nodes.Node) -> str:
    text = render(node)
    return text if isinstance(node, _ATOMS) else f"({text})"


def _operand(node: nodes.Node) -> str:
    text = render(node)
    return f"({text})" if isinstance(node, _LOOSE) else text


def _compared(node: nodes.Node) -> str:
    text = render(node)
    looser = nodes.And | nodes.Or | nodes.Not | nodes.Compare | nodes.CondExpr
    return f"({text})" if isinstance(node, looser) else text


def render(node: nodes.Node) -> str:  # noqa: C901, PLR0911, PLR0912 - one branch per node kind
    """The node written back as rule text (normalised spacing)."""
    if isinstance(node, nodes.Const):
        return repr(node.value) if not isinstance(node.value, bool) else str(node.value).lower()
    if isinstance(node, nodes.Name):
        return node.name
    if isinstance(node, nodes.Getattr):
        return f"{_target(node.node)}.{node.attr}"
    if isinstance(node, nodes.Getitem):
        return f"{_target(node.node)}[{render(node.arg)}]"
    if isinstance(node, nodes.Slice):
        parts = (node.start, node.stop, node.step)
        return ":".join("" if part is None else render(part) for part in parts).rstrip(":")
    if isinstance(node, nodes.Call):
        return f"{_target(node.node)}({_render_args(node)})"
    if isinstance(node, nodes.Filter):
        args = f"({_render_args(node)})" if node.args or node.kwargs else ""
        inner = _operand(node.node) if node.node is not None else ""
        return f"{inner} | {node.name}{args}"
    if isinstance(node, nodes.Test):
        args = f"({_render_args(node)})" if node.args or node.kwargs else ""
        return f"{_operand(node.node)} is {node.name}{args}"
    if isinstance(node, nodes.Compare):
        ops = " ".join(f"{SYMBOL[op.op]} {_compared(op.expr)}" for op in node.ops)
        return f"{_compared(node.expr)} {ops}"
    if isinstance(node, nodes.And | nodes.Or):
        word = "and" if isinstance(node, nodes.And) else "or"
        looser = (nodes.Or, nodes.CondExpr) if word == "and" else (nodes.CondExpr,)
        first, second = (f"({render(side)})" if isinstance(side, looser) else render(side)
                         for side in (node.left, node.right))
        return f"{first} {word} {second}"
    if isinstance(node, nodes.Not):
        negated = render(node.node)
        if isinstance(node.node, nodes.And | nodes.Or | nodes.CondExpr):
            return f"not ({negated})"
        return f"not {negated}"
    if isinstance(node, nodes.Neg | nodes.Pos):
        return ("-" if isinstance(node, nodes.Neg) else "+") + _target(node.node)
    if isinstance(node, nodes.BinExpr) and type(node) in _BIN_SYMBOL:
        return f"{_operand(node.left)} {_BIN_SYMBOL[type(node)]} {_operand(node.right)}"
    if isinstance(node, nodes.Concat):
        return " ~ ".join(_operand(part) for part in node.nodes)
    if isinstance(node, nodes.CondExpr):
        otherwise = f" else {_operand(node.expr2)}" if node.expr2 is not None else ""
        return f"{_operand(node.expr1)} if {_operand(node.test)}{otherwise}"
    if isinstance(node, nodes.List | nodes.Tuple):
        return "[" + ", ".join(render(item) for item in node.items) + "]"
    if isinstance(node, nodes.Dict):
        return "{" + ", ".join(f"{render(p.key)}: {render(p.value)}" for p in node.items) + "}"
    return type(node).__name__
