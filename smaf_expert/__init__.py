"""smaf-expert: a rule-based expert system for strategic alignment between states."""

from __future__ import annotations

from smaf_expert._version import __version__ as __version__
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
