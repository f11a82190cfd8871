"""smaf-expert: a rule-based expert system for strategic alignment between states."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from .assess import Assessor as Assessor
from .assess import assess as assess
from .assess import make_assessor as make_assessor
from .errors import AssessmentError as AssessmentError
from .errors import EngineError as EngineError
from .errors import InputError as InputError
from .errors import KnowledgeError as KnowledgeError
from .errors import RulePackError as RulePackError
from .errors import SmafError as SmafError
from .graph import build_graph as build_graph
from .knowledge import KnowledgeBase as KnowledgeBase
from .knowledge import load_knowledge as load_knowledge
from .rulepack import load_packs as load_packs
from .verdict import Verdict as Verdict

try:
    __version__ = version("smaf-expert")
except PackageNotFoundError:  # running from a checkout that was not installed
    __version__ = "0.0.0"

__all__ = [
    "AssessmentError",
    "Assessor",
    "EngineError",
    "InputError",
    "KnowledgeError",
    "RulePackError",
    "SmafError",
    "KnowledgeBase",
    "Verdict",
    "__version__",
    "assess",
    "build_graph",
    "load_knowledge",
    "load_packs",
    "make_assessor",
]
