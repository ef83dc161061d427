"""The rule language: the `when` rules and item texts of a playbook, and the sandbox
they (and checklist layouts) run in.

A rule is one Jinja expression, compiled once at load time into closures over a rule
context (`_compiler`), checked for what the sandbox would refuse (`_sandbox`), and run
under the guards and budgets that bound its size and work (`_guards`). Whatever fails
while a rule, a text or a layout is evaluated is a `dealflow.errors.RuleEvalError`; a
rule or text that does not compile is a `RuleSyntaxError`. Item texts are
text with `{{ expressions }}` and `{% if %}` blocks, compiled the same way; layouts run
in `LayoutSandbox`. The names a rule may use are `RULE_NAMES`.
"""

from dealflow.rules._compiler import DATA_ERRORS, Leaf, TrustingSandbox, trust
from dealflow.rules._rule import (
    HELPERS_WITH_FACT_ARG,
    HELPERS_WITH_ITEM_ARG,
    HELPERS_WITH_ROLE_ARG,
    RULE_NAMES,
    STAKEHOLDER_NAME,
    TEMPLATE_NAMES,
    Rule,
    RuleRefs,
    RuleType,
    compile_rule,
    compile_template,
    template_names,
    template_refs,
)
from dealflow.rules._sandbox import LayoutSandbox, TextTemplate, template_line

__all__ = [
    "DATA_ERRORS",
    "HELPERS_WITH_FACT_ARG",
    "HELPERS_WITH_ITEM_ARG",
    "HELPERS_WITH_ROLE_ARG",
    "RULE_NAMES",
    "STAKEHOLDER_NAME",
    "TEMPLATE_NAMES",
    "LayoutSandbox",
    "Leaf",
    "Rule",
    "RuleRefs",
    "RuleType",
    "TextTemplate",
    "TrustingSandbox",
    "compile_rule",
    "compile_template",
    "template_line",
    "template_names",
    "template_refs",
    "trust",
]
