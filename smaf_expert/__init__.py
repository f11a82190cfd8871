"""smaf-expert: a rule-based expert system for strategic alignment between states.

The public names below are loaded on first use (PEP 562 `__getattr__`), so `import smaf_expert`
and the `smaf` command load only the modules that a task needs: a command's start-up time is
mostly imports (issue 16).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from smaf_expert._version import __version__ as __version__

#: Public name -> the module that defines it.
_LAZY = {
    "AssessmentError": "smaf_expert.errors",
    "EngineError": "smaf_expert.errors",
    "InputError": "smaf_expert.errors",
    "KnowledgeError": "smaf_expert.errors",
    "RulePackError": "smaf_expert.errors",
    "SmafError": "smaf_expert.errors",
    "compare": "smaf_expert.explanation.compare",
    "Explainer": "smaf_expert.explanation.explain",
    "Node": "smaf_expert.explanation.explain",
    "pivotal": "smaf_expert.explanation.whatif",
    "what_if": "smaf_expert.explanation.whatif",
    "build_graph": "smaf_expert.knowledge.graph",
    "KnowledgeBase": "smaf_expert.knowledge.loader",
    "load_knowledge": "smaf_expert.knowledge.loader",
    "run_examples": "smaf_expert.packs.examples",
    "load_packs": "smaf_expert.packs.format",
    "lint_packs": "smaf_expert.packs.lint",
    "Assessor": "smaf_expert.reasoning.assess",
    "assess": "smaf_expert.reasoning.assess",
    "make_assessor": "smaf_expert.reasoning.assess",
    "NetworkAssessor": "smaf_expert.reasoning.network",
    "Verdict": "smaf_expert.reasoning.verdict",
    "export_graph": "smaf_expert.rendering.graph_export",
    "render_report": "smaf_expert.rendering.report",
}

if TYPE_CHECKING:  # for type checkers and IDEs: the names as if imported eagerly
    from smaf_expert.errors import AssessmentError as AssessmentError
    from smaf_expert.errors import EngineError as EngineError
    from smaf_expert.errors import InputError as InputError
    from smaf_expert.errors import KnowledgeError as KnowledgeError
    from smaf_expert.errors import RulePackError as RulePackError
    from smaf_expert.errors import SmafError as SmafError
    from smaf_expert.explanation.compare import compare as compare
    from smaf_expert.explanation.explain import Explainer as Explainer
    from smaf_expert.explanation.explain import Node as Node
    from smaf_expert.explanation.whatif import pivotal as pivotal
    from smaf_expert.explanation.whatif import what_if as what_if
    from smaf_expert.knowledge.graph import build_graph as build_graph
    from smaf_expert.knowledge.loader import KnowledgeBase as KnowledgeBase
    from smaf_expert.knowledge.loader import load_knowledge as load_knowledge
    from smaf_expert.packs.examples import run_examples as run_examples
    from smaf_expert.packs.format import load_packs as load_packs
    from smaf_expert.packs.lint import lint_packs as lint_packs
    from smaf_expert.reasoning.assess import Assessor as Assessor
    from smaf_expert.reasoning.assess import assess as assess
    from smaf_expert.reasoning.assess import make_assessor as make_assessor
    from smaf_expert.reasoning.network import NetworkAssessor as NetworkAssessor
    from smaf_expert.reasoning.verdict import Verdict as Verdict
    from smaf_expert.rendering.graph_export import export_graph as export_graph
    from smaf_expert.rendering.report import render_report as render_report


def __getattr__(name: str) -> Any:
    """Import a public name on first use and keep it in the module namespace."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'smaf_expert' has no attribute {name!r}")
    import importlib

    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))


__all__ = [
    "AssessmentError",
    "Assessor",
    "EngineError",
    "Explainer",
    "InputError",
    "KnowledgeBase",
    "KnowledgeError",
    "NetworkAssessor",
    "Node",
    "RulePackError",
    "SmafError",
    "Verdict",
    "__version__",
    "assess",
    "build_graph",
    "compare",
    "export_graph",
    "lint_packs",
    "load_knowledge",
    "load_packs",
    "make_assessor",
    "pivotal",
    "render_report",
    "run_examples",
    "what_if",
]
