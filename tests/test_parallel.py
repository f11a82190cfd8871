"""--jobs: a process pool whose output does not depend on the number of processes (issue 16)."""

from __future__ import annotations

import pytest

from smaf_expert.cli import cli
from smaf_expert.errors import AssessmentError, KnowledgeError, Problem
from smaf_expert.parallel import ordered_map, parse_jobs


def _square_or_fail(offset: int, item: int) -> int:
    if item == 5:
        raise KnowledgeError([Problem("states/x.yaml", 3, "bad")])
    return item * item + offset


def test_results_in_input_order_on_several_processes():
    items = list(range(5)) + list(range(6, 40))
    assert ordered_map(_square_or_fail, 1, items, jobs=2) == [i * i + 1 for i in items]


def test_an_error_in_a_worker_comes_back_whole():
    with pytest.raises(KnowledgeError) as caught:
        ordered_map(_square_or_fail, 0, list(range(10)), jobs=2)
    assert caught.value.problems == [Problem("states/x.yaml", 3, "bad")]
    assert "states/x.yaml:3: bad" in caught.value.message


def test_jobs_zero_means_every_core_and_negative_is_refused():
    assert parse_jobs(0) >= 1 and parse_jobs(None) == parse_jobs(0) and parse_jobs(3) == 3
    with pytest.raises(Exception, match="--jobs"):
        parse_jobs(-1)


@pytest.mark.parametrize("args", [
    ["timeline", "us-philippines", "--from", "2000", "--to", "2024", "--format", "json"],
    ["sensitivity", "us-india", "--param", "bop.nonpermissive=0.3:0.5:0.1", "--format", "json"],
    ["rules", "test", "--example", "hedging"],
])
def test_output_is_the_same_on_one_and_two_processes(runner, args):
    one = runner.invoke(cli, [*args, "--jobs", "1"])
    two = runner.invoke(cli, [*args, "--jobs", "2"])
    assert one.exit_code == 0, one.output
    assert two.exit_code == 0 and two.output == one.output


def test_a_year_error_in_a_worker_is_reported_as_sequentially(runner):
    result = runner.invoke(cli, ["timeline", "soviet-bloc", "--from", "1985", "--to", "1995",
                                 "--jobs", "2"])
    assert result.exit_code == 2
    assert "cannot be assessed at 1992" in result.output
    with pytest.raises(AssessmentError, match="1992"):
        from smaf_expert.reasoning.assess import make_assessor

        make_assessor().timeline("soviet-bloc", 1985, 1995, jobs=2)
