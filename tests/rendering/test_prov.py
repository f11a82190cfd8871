"""`smaf assess CASE --format prov`: W3C PROV-JSON that the `prov` package reads back, in which
every entity traces to a knowledge entry (issue 12)."""

from __future__ import annotations

import json
from collections import defaultdict

import pytest

from smaf_expert.cli import cli

prov_model = pytest.importorskip("prov.model")


@pytest.fixture(scope="module")
def us_india_prov():
    from click.testing import CliRunner

    result = CliRunner().invoke(cli, ["assess", "us-india", "--year", "2023", "--format", "prov"])
    assert result.exit_code == 0, result.output
    return result.output


def test_prov_json_reads_back_with_the_prov_package(us_india_prov):
    """The document deserialises; it has one activity per rule firing, each associated with
    the engine and its pack as plan, and the knowledge base as a collection with its hash."""
    raw = json.loads(us_india_prov)
    doc = prov_model.ProvDocument.deserialize(content=us_india_prov, format="json")
    activities = list(doc.get_records(prov_model.ProvActivity))
    verdict_trace = raw["activity"]
    assert len(activities) == len(verdict_trace) > 40
    associations = list(doc.get_records(prov_model.ProvAssociation))
    assert len(associations) == len(activities)
    plans = {str(a.args[2]) for a in associations}
    assert plans == {"pack:smaf-stages", "pack:smaf-incentives", "pack:smaf-confidence",
                     "pack:walt-balance-of-threat"}
    (kb,) = [k for k in raw["entity"] if k.startswith("kb:sha256-")]
    assert raw["entity"][kb]["prov:type"] == {"$": "prov:Collection", "type": "xsd:QName"}
    gnp = raw["entity"]["kb:IND%23gnp%402023"]
    assert gnp["prov:label"] == "IND GNP 2023: 3,550 current US$ billion"
    (source,) = gnp["smaf:sources"]
    assert source.startswith("World Bank WDI, GDP (current US$), series NY.GDP.MKTP.CD")


def test_every_entity_traces_to_a_knowledge_entry(us_india_prov):
    """Following wasDerivedFrom from any fact reaches an entry of the knowledge base (`kb:`);
    only the packs' constant facts rest on a pack (`pack:`), which is a plan."""
    doc = prov_model.ProvDocument.deserialize(content=us_india_prov, format="json")
    sources = defaultdict(set)
    for rec in doc.get_records(prov_model.ProvDerivation):
        sources[str(rec.args[0])].add(str(rec.args[1]))
    members = {str(rec.args[1]) for rec in doc.get_records(prov_model.ProvMembership)}

    def roots(name: str, seen: set[str]) -> set[str]:
        if name in seen:
            return set()
        seen.add(name)
        if name.startswith(("kb:", "pack:")):
            return {name}
        return set().union(*(roots(s, seen) for s in sources[name]))

    entities = [str(e.identifier) for e in doc.get_records(prov_model.ProvEntity)]
    facts = [e for e in entities if e.startswith("fact:")]
    assert len(facts) > 50
    for fact in facts:
        reached = roots(fact, set())
        assert reached, fact
        knowledge = {r for r in reached if r.startswith("kb:")}
        assert knowledge or reached <= {"pack:smaf-stages", "pack:smaf-incentives",
                                        "pack:smaf-confidence", "pack:walt-balance-of-threat"}
        assert knowledge <= members, fact
    raw = json.loads(us_india_prov)
    for name in members:
        entry = raw["entity"][name]
        assert entry.get("smaf:sources") or name == "kb:case%2Fus-india", name
