"""smaf-expert: a rule-based expert system for strategic alignment between states."""

from __future__ import annotations

from ._version import __version__ as __version__
from .assess import Assessor as Assessor
from .assess import assess as assess
from .assess import make_assessor as make_assessor
from .compare import compare as compare
from .errors import AssessmentError as AssessmentError
from .errors import EngineError as EngineError
from .errors import InputError as InputError
from .errors import KnowledgeError as KnowledgeError
from .errors import RulePackError as RulePackError
from .errors import SmafError as SmafError
from .explain import Explainer as Explainer
from .explain import Node as Node
from .graph import build_graph as build_graph
from .graph_export import export_graph as export_graph
from .knowledge import KnowledgeBase as KnowledgeBase
from .knowledge import load_knowledge as load_knowledge
from .lint import lint_packs as lint_packs
from .network import NetworkAssessor as NetworkAssessor
from .packtest import run_examples as run_examples
from .report import render_report as render_report
from .rulepack import load_packs as load_packs
from .verdict import Verdict as Verdict
from .whatif import pivotal as pivotal
from .whatif import what_if as what_if

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
