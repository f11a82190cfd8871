"""Packs that declare knowledge, and how packs are loaded from paths: the worked example lints
clean and its examples pass, lint checks `attribute` conditions against the declarations and
knows `*_prediction` types are shown, and one pack per name is loaded."""

from __future__ import annotations

import shutil
import textwrap
from pathlib import Path

import pytest
from conftest import line_of

from smaf_expert.errors import RulePackError
from smaf_expert.packs.examples import run_examples
from smaf_expert.packs.format import load_packs
from smaf_expert.packs.lint import lint_packs
from smaf_expert.paths import default_rules

#: The patron's condition in the worked example, which the variants below misspell.
PATRON = "field: nuclear,\n                 value: true"
EXAMPLE = Path(__file__).resolve().parents[2] / "docs" / "examples" / "nuclear-umbrella.yaml"


def _lint(path: Path) -> list[str]:
    return [f"{p.severity}: {p.message}" for p in lint_packs([path], context=[default_rules()])]


def test_worked_example_lints_clean_and_its_examples_pass():
    """`smaf rules lint` on docs/examples/nuclear-umbrella.yaml: 0 errors, 0 warnings (its
    `umbrella_prediction` is shown beside the verdict, so it is consumed); its examples pass,
    including one where the rule fires and two where it must not."""
    assert _lint(EXAMPLE) == []
    results = run_examples([EXAMPLE])
    assert [(r.name, r.status) for r in results] == [
        ("a non-nuclear party exercising with a nuclear one is under its umbrella", "pass"),
        ("below the minimum stage there is no umbrella", "pass"),
        ("two nuclear parties extend no umbrella to each other", "pass")]


def _variant(tmp_path: Path, old: str, new: str) -> Path:
    path = tmp_path / "variant.yaml"
    text = EXAMPLE.read_text(encoding="utf-8")
    assert old in text
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


@pytest.mark.parametrize(("old", "new", "message", "at"), [
    (PATRON, PATRON.replace("nuclear", "nucelar"),
     "rule NU-umbrella: pack 'nuclear-umbrella' declares no state attribute 'nucelar' (did you "
     "mean 'nuclear'?), so the rule never fires; it declares: nuclear", "field: nucelar"),
    ("pack: nuclear-umbrella, field: nuclear,\n                 value: true",
     "pack: nuclear-umbrela, field: nuclear,\n                 value: true",
     "rule NU-umbrella: no loaded pack named 'nuclear-umbrela' declares attributes under "
     "`knowledge:` (did you mean 'nuclear-umbrella'?), so the rule never fires; packs that do: "
     "nuclear-umbrella", "pack: nuclear-umbrela"),
    ("value: true}", "value: 'yes'}",
     "rule NU-umbrella: attribute 'nuclear' of pack 'nuclear-umbrella' is declared as boolean, "
     "but is tested against 'yes', so the rule never fires", "value: 'yes'"),
], ids=["field", "pack", "value-type"])
def test_lint_checks_attribute_conditions_against_declarations(tmp_path, old, new, message,
                                                               at):
    """A condition on `attribute` with a pack, field or value no declaration allows never
    matches, and lint says so at the line."""
    path = _variant(tmp_path, old, new)
    found = lint_packs([path], context=[default_rules()])
    assert [(p.severity, p.message) for p in found] == [("error", message)]
    assert found[0].line == line_of(path, at)


def test_malformed_declaration_is_refused_with_line(tmp_path):
    """An unknown entity or type in `knowledge:` is a pack error at its line."""
    path = _variant(tmp_path, "type: boolean,", "type: bool,")
    with pytest.raises(RulePackError) as err:
        load_packs([default_rules(), path])
    assert f"{path}:{line_of(path, 'type: bool,')}: unknown attribute type 'bool'" in str(err.value)


def test_prediction_types_are_not_unconsumed(tmp_path):
    """A `*_prediction` type is read by the display; any other unread type is still warned."""
    path = _variant(tmp_path, "umbrella_prediction", "umbrella_guess")
    text = path.read_text(encoding="utf-8").replace("type: umbrella_prediction",
                                                    "type: umbrella_guess")
    path.write_text(text, encoding="utf-8")
    assert [m.split(":")[0] for m in _lint(path)] == ["warning"]
    assert "'umbrella_guess' is produced but never consumed" in _lint(path)[0]


def test_same_pack_from_two_places_is_one_pack(tmp_path):
    """An installed copy and a clone's rules/ (equal contents) load as one pack per name, no
    duplicate rule ids; the pack given by the user is the one recorded."""
    clone = tmp_path / "clone" / "rules"
    shutil.copytree(default_rules(), clone)
    packs = load_packs([default_rules(), clone, clone])
    shipped = load_packs([default_rules()])
    assert [p.name for p in packs] == [p.name for p in shipped]
    assert {Path(p.path).parent for p in packs} == {clone}
    lint = lint_packs([clone], context=[default_rules()])
    assert [p for p in lint if p.kind == "duplicate-id"] == []


def test_pack_under_shipped_name_replaces_it_and_differing_copies_are_an_error(tmp_path):
    """A user's pack named like a shipped one replaces it; two different user packs of one
    name are an error naming both files."""
    stages = default_rules() / "smaf-stages.yaml"
    mine = tmp_path / "mine" / "smaf-stages.yaml"
    mine.parent.mkdir()
    text = stages.read_text(encoding="utf-8")
    mine.write_text(text.replace("id: S-degree\n", "id: S-degree-mine\n", 1), encoding="utf-8")
    packs = {p.name: p for p in load_packs([default_rules(), mine])}
    assert packs["smaf-stages"].path == str(mine)
    assert "S-degree-mine" in {r.id for r in packs["smaf-stages"].rules}
    other = tmp_path / "other.yaml"
    other.write_text(textwrap.dedent(text).replace("id: S-degree\n", "id: S-other\n", 1),
                     encoding="utf-8")
    with pytest.raises(RulePackError) as err:
        load_packs([default_rules(), mine, other])
    assert [str(p) for p in err.value.problems] == [
        f"{other}:{line_of(other, 'pack: smaf-stages')}: pack 'smaf-stages' is also read from "
        f"{mine} with different contents: rename one of them or load only one"]
