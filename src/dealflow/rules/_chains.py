"""Filter chains run as plain loops: `people | selectattr('roles') | rejectattr('stance',
'equalto', 'unknown') | list`, read straight from the items, not through Jinja's filters.

A chain of `select`, `reject`, `selectattr`, `rejectattr` and `map(attribute=...)`, ended
by `list`, with every argument written out, compiles to one loop over the items. It gives
the very value the sandboxed filters give, and charges the very steps they charge (each
filter for its arguments, each test for what it reads, each item passed on; see `_cost`
and `_filters`), under the same limits. It only runs where it cannot differ from them:
on a list or tuple whose items are records (dealflow's own data classes) with the field
read, or mappings holding the key, and only while nothing fails. Anything else (another
kind of item, a test that raises, a budget or a size that would be passed) puts the
steps back and runs the sandboxed filters on the same value, which then say what
happened as they always did.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from jinja2 import nodes
from jinja2.exceptions import TemplateError
from jinja2.runtime import Context

from dealflow.errors import RuleEvalError
from dealflow.rules._cost import MAX_SIZE, OPEN_STEPS, STEP_CHARS, charge, size_of, work_of
from dealflow.rules._guards import check_size

__all__ = ["FAST_CHAINS", "Chain", "chain_of", "constant_list", "direct", "run_chain"]

FAST_CHAINS = {"on": True}
"""Whether chains are compiled to loops (tests turn it off to compare with the filters)."""

#: The filters a chain is made of: (reads an attribute, keeps the items a test rejects).
_SELECTING = {"select": (False, False), "reject": (False, True),
              "selectattr": (True, False), "rejectattr": (True, True)}
_BAIL = object()
#: What a test or a value's truth may raise on the data (the sandbox says it again).
_FAILS = (ArithmeticError, LookupError, TypeError, ValueError, AttributeError, TemplateError,
          RuleEvalError, RecursionError)
"""What a chain's loop returns when the sandboxed filters must run instead."""


@dataclass(frozen=True, slots=True)
class _Step:
    """One filter of a chain."""

    name: str
    attr: str | None
    """The field or key each item is read by (None: the item itself)."""
    test: Callable[..., Any] | None
    """The test (unguarded); None: the value's truth (`select` without a test)."""
    args: tuple[Any, ...]
    """The test's arguments."""
    reject: bool
    maps: bool
    """`map(attribute=...)`: every item's attribute, not a selection."""
    work: int
    """The steps the filter's guard charges for its arguments (beyond the value)."""


def _const(node: nodes.Node) -> tuple[bool, Any]:
    if isinstance(node, nodes.Const):
        return True, node.value
    return False, None


def _plain_name(value: Any) -> bool:
    """An attribute Jinja reads in one step, by name (no dotted path, no index)."""
    return isinstance(value, str) and bool(value) and "." not in value and not value.isdigit()


def _map_step(node: nodes.Filter, args: tuple[Any, ...]) -> _Step | None:
    if args or len(node.kwargs) != 1 or node.kwargs[0].key != "attribute":
        return None
    known, attr = _const(node.kwargs[0].value)
    if not known or not _plain_name(attr):
        return None
    return _Step("map", attr, None, (), False, True, 1 + work_of(attr))


def _step(node: nodes.Filter, tests: Mapping[str, Callable[..., Any]]) -> _Step | None:
    consts = [_const(arg) for arg in node.args]
    if node.dyn_args is not None or node.dyn_kwargs is not None or not all(
            known for known, _ in consts):
        return None
    args = tuple(value for _, value in consts)
    if node.name == "map":
        return _map_step(node, args)
    if node.name not in _SELECTING or node.kwargs:
        return None
    by_attr, reject = _SELECTING[node.name]
    attr, rest = (args[0], args[1:]) if by_attr and args else (None, args)
    if by_attr and not _plain_name(attr):
        return None
    test = None
    if rest:
        test = getattr(tests.get(rest[0]), "__wrapped__", None)
        if test is None or getattr(test, "jinja_pass_arg", None) is not None:
            return None
        rest = rest[1:]
    return _Step(node.name, attr, test, rest, reject, False,
                 1 + sum(work_of(arg) for arg in args))


@dataclass(frozen=True, slots=True)
class Chain:
    """A chain ending in `list`, from the node whose value it starts with."""

    base: nodes.Node
    steps: tuple[_Step, ...]
    generic: tuple[tuple[str, tuple[Any, ...], dict[str, Any]], ...]
    """Each filter's name and arguments, for the sandboxed filters."""


def chain_of(node: nodes.Filter, tests: Mapping[str, Callable[..., Any]]) -> Chain | None:
    """The chain `node` (a `list` filter) ends, when it can run as a loop; else None."""
    if not FAST_CHAINS["on"] or node.name != "list" or node.args or node.kwargs:
        return None
    if node.dyn_args is not None or node.dyn_kwargs is not None:
        return None
    steps: list[_Step] = []
    generic: list[tuple[str, tuple[Any, ...], dict[str, Any]]] = []
    inner = node.node
    while isinstance(inner, nodes.Filter) and (inner.name in _SELECTING or inner.name == "map"):
        step = _step(inner, tests)
        if step is None:
            return None
        steps.append(step)
        generic.append((inner.name, tuple(a.value for a in inner.args),  # type: ignore[attr-defined]
                        {str(kw.key): kw.value.value for kw in inner.kwargs}))  # type: ignore[attr-defined]
        inner = inner.node
    if not steps or inner is None:
        return None
    return Chain(inner, tuple(reversed(steps)), tuple(reversed(generic)))


_Records = dict[type, frozenset[str] | None]
_FIELDS: _Records = {}


def _fields(kind: type, trusted: set[type]) -> frozenset[str] | None:
    """The fields the sandbox reads straight from a record of `kind` (a trusted pydantic
    model or dataclass that cannot be indexed); None for any other type."""
    if kind in _FIELDS:
        return _FIELDS[kind]
    found: frozenset[str] | None = None
    if kind in trusted and not hasattr(kind, "__getitem__"):
        declared = getattr(kind, "__pydantic_fields__", None)
        if isinstance(declared, dict):
            found = frozenset(name for name in declared if not name.startswith("_"))
        elif dataclasses.is_dataclass(kind):
            found = frozenset(f.name for f in dataclasses.fields(kind)
                              if not f.name.startswith("_"))
    _FIELDS[kind] = found
    return found


_FLAT: set[type] = set()
"""Types whose values cost no work to read and count 1 towards a size (records, dates,
booleans, None): found as met, so that most items skip `work_of`."""


def _flat(item: Any) -> bool:
    kind = type(item)
    if kind in _FLAT:
        return True
    if isinstance(item, str | bytes | list | tuple | dict | set | frozenset) or kind is int or (
            kind is Decimal):
        return False
    if work_of(item) == 0:
        _FLAT.add(kind)
        return True
    return False


def _sized(item: Any) -> int:
    return 1 + (len(item) if isinstance(item, str | list | tuple | dict) else 0)


def _work(value: Any, flat: set[type]) -> int:
    """`work_of(value)`, its common answers inlined."""
    if type(value) in flat:
        return 0
    if isinstance(value, str):
        return len(value) // STEP_CHARS
    return work_of(value)


def _run_step(step: _Step, items: list[Any],  # noqa: C901 - one loop, its calls inlined
              trusted: set[type]) -> tuple[list[Any], int] | None:
    """The items `step` passes on and the steps it charges for them (its tests and the
    items); None when the sandboxed filter might do otherwise."""
    kept: list[Any] = []
    cost = total = 0
    attr, test, args, flat, known = step.attr, step.test, step.args, _FLAT, _FIELDS
    test_work = 1 + sum(work_of(a) for a in args)
    for item in items:
        seen = item
        if attr is not None:  # `_read`, inlined
            kind = type(item)
            if kind is dict:
                if attr not in item:
                    return None
                seen = item[attr]
            else:
                fields = known[kind] if kind in known else _fields(kind, trusted)
                if fields is None or attr not in fields:
                    return None
                seen = getattr(item, attr)
        if not step.maps:
            if test is None:
                passed = bool(seen)
            else:
                cost += test_work + _work(seen, flat)
                passed = bool(test(seen, *args))
            if passed == step.reject:
                continue
            seen = item
        if type(seen) in flat or _flat(seen):  # `_flat`, its common answer inlined
            cost += 1
            total += 1
        else:
            cost += 1 + work_of(seen)
            total += _sized(seen)
        if total > MAX_SIZE:
            return None
        kept.append(seen)
    return kept, cost


def run_chain(chain: Chain, value: Any, trusted: set[type]) -> Any:
    """The chain's list for `value`, its steps charged; `_BAIL` (nothing charged) when
    the sandboxed filters must run instead."""
    if type(value) not in (list, tuple):
        return _BAIL
    cost = len(value) + 1  # the first filter's guard reads the whole value; `list`'s guard
    items: list[Any] = list(value)
    try:
        for step in chain.steps:
            done = _run_step(step, items, trusted)
            if done is None:
                return _BAIL
            items, spent = done
            cost += step.work + spent
    except _FAILS:  # the sandboxed filters raise it again, where they do
        return _BAIL
    budget = OPEN_STEPS.get()
    if budget is not None:
        if cost > budget.left:
            return _BAIL
        budget.left -= cost
    return check_size(items, "`|list`")


BAIL = _BAIL


# -- calls the compiler makes on a rule's values ----------------------------------------

Fn = Callable[[Mapping[str, Any]], Any]


def _leading(func: Callable[..., Any], context: Context) -> tuple[Any, ...]:
    """What Jinja passes a filter or test before its value (`call_filter` with `context`):
    the context, its evaluation context, the environment, or nothing."""
    pass_arg = getattr(getattr(func, "jinja_pass_arg", None), "name", None)
    return {"context": (context,), "eval_context": (context.eval_ctx,),
            "environment": (context.environment,)}.get(pass_arg or "", ())


def direct(func: Callable[..., Any], value: Fn, args: list[Fn], kwargs: dict[str, Fn],
           context: Context) -> Fn:
    """`func` called as `call_filter` / `call_test` with `context` would call it, looked
    up once."""
    lead = _leading(func, context)
    if not args and not kwargs:
        if lead:
            first = lead[0]
            return lambda ctx: func(first, value(ctx))
        return lambda ctx: func(value(ctx))

    def apply(ctx: Mapping[str, Any]) -> Any:
        return func(*lead, value(ctx), *[a(ctx) for a in args],
                    **{k: v(ctx) for k, v in kwargs.items()})

    return apply


def constant_list(value: list[Any]) -> Fn:
    """A list written out of constants (`['skeptic', 'opponent']`): sized once, then each
    evaluation charges what `check_size` would (one step per item looked at and per
    `STEP_CHARS` characters or digits) and gets a copy."""
    token = OPEN_STEPS.set(None)  # sizing it now is not a step of any evaluation
    try:
        total = size_of(value)
    finally:
        OPEN_STEPS.reset(token)
    if total > MAX_SIZE:  # (refused when the rule loads; kept exact all the same)
        return lambda ctx: check_size(list(value), "a list")
    steps = 1 + len(value) + total // STEP_CHARS

    def build(ctx: Mapping[str, Any]) -> list[Any]:
        charge(steps)
        return list(value)

    return build
