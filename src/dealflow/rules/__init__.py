"""The rule language: the `when` rules and item texts of a playbook, and the sandbox
they (and checklist layouts) run in.

A rule is one Jinja expression (`_rule`), compiled once at load time into closures over
a rule context (`_compiler`) and checked for what the sandbox would refuse (`_sandbox`).
Item texts are text with `{{ expressions }}` and `{% if %}` blocks, compiled the same
way (`_sandbox`); checklist layouts run in `LayoutSandbox` (`_layout_sandbox`). All of
them pay for their work and values under one cost model (`_cost`), enforced by the
guards of operators, formats (`_guards`), filters and tests (`_filters`). Whatever fails
while a rule, a text or a layout is evaluated is a `dealflow.errors.RuleEvalError`; a
rule or text that does not compile is a `RuleSyntaxError`. The names a rule may use are
declared once, in `VOCABULARY` (`_vocabulary`); the rule context of the engine is built
from it (`speaks_the_vocabulary`).
"""

from dealflow.rules._compiler import DATA_ERRORS, TrustingSandbox, trust
from dealflow.rules._cost import charge
from dealflow.rules._explain import Leaf
from dealflow.rules._layout_sandbox import LayoutSandbox, template_line
from dealflow.rules._rule import (
    Rule,
    RuleRefs,
    RuleType,
    compile_rule,
    compile_template,
    template_names,
    template_refs,
)
from dealflow.rules._sandbox import TextTemplate
from dealflow.rules._vocabulary import (
    HELPERS_WITH_APPROVAL_ARG,
    HELPERS_WITH_FACT_ARG,
    HELPERS_WITH_FIELD_ARG,
    HELPERS_WITH_ITEM_ARG,
    HELPERS_WITH_ROLE_ARG,
    MOVE_NAME,
    RULE_HELPERS,
    RULE_NAMES,
    STAKEHOLDER_NAME,
    TEMPLATE_NAMES,
    VOCABULARY,
    Word,
    speaks_the_vocabulary,
)

__all__ = [
    "DATA_ERRORS",
    "HELPERS_WITH_APPROVAL_ARG",
    "HELPERS_WITH_FACT_ARG",
    "HELPERS_WITH_FIELD_ARG",
    "HELPERS_WITH_ITEM_ARG",
    "HELPERS_WITH_ROLE_ARG",
    "MOVE_NAME",
    "RULE_HELPERS",
    "RULE_NAMES",
    "STAKEHOLDER_NAME",
    "TEMPLATE_NAMES",
    "VOCABULARY",
    "LayoutSandbox",
    "Leaf",
    "Rule",
    "RuleRefs",
    "RuleType",
    "TextTemplate",
    "TrustingSandbox",
    "Word",
    "charge",
    "compile_rule",
    "compile_template",
    "template_line",
    "template_names",
    "speaks_the_vocabulary",
    "template_refs",
    "trust",
]
