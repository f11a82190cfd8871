"""Rulesets are registered once per distinct compiled program and freed beyond a few, so memory
stays flat across a sensitivity sweep (ENGINE-NOTES.md, memory across rulesets)."""

from __future__ import annotations

import smaf_expert
from smaf_expert.reasoning.assess import Assessor
from smaf_expert.reasoning.engine import Engine, shared_engine


def test_programs_that_compile_alike_share_one_key():
    base = smaf_expert.make_assessor()
    # The key is the compiled JSON: the same values give the same key, another value compiled
    # into a condition another key.
    same = Assessor(base.kb, base.packs, {"bop.permissive": 1.0})
    assert same.program.key == base.program.key
    other = Assessor(base.kb, base.packs, {"bop.permissive": 1.5})
    assert other.program.key != base.program.key


def test_a_sweep_keeps_at_most_a_few_programs_registered_and_verdicts_unchanged():
    base = smaf_expert.make_assessor()
    engine = shared_engine()
    first = base.assess("us-india", 2020).as_dict()
    for i in range(Engine.MAX_PROGRAMS + 4):
        Assessor(base.kb, base.packs, {"bop.permissive": 1.0 + (i + 1) / 100}).assess(
            "us-india", 2020)
        assert len(engine._programs) <= Engine.MAX_PROGRAMS
        registered = sum(len(p.strata) for p in engine._programs.values())
        assert len(engine._host._ruleset_list) == registered
    # The first program was freed long ago; running it again registers it again, alike.
    assert base.program.key not in engine._programs
    assert base.assess("us-india", 2020).as_dict() == first
