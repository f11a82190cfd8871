"""Explanations are rendered when read, not when a rule fires (issue 16), with the same text."""

from __future__ import annotations

from smaf_expert.packs.templating import render_text
from smaf_expert.reasoning.assess import make_assessor


def test_explanations_render_on_first_read_with_the_firing_context():
    verdict = make_assessor().assess("us-india", 2020)
    firing = next(f for f in verdict.trace if "{{" in f.template)
    assert "_explanation" not in firing.__dict__  # nothing rendered by assessing
    text = firing.explanation
    assert text == render_text(firing.template, firing.context)
    assert "{{" not in text and text
    assert firing.as_dict()["explanation"] == text
