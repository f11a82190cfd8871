"""Many assessments on every core: a process pool whose results come back in input order.

The rule engine never releases the GIL, so threads give nothing; processes do (ENGINE-NOTES.md).
Where the platform can fork, workers inherit what the parent built (the knowledge base, the
compiled packs, the engine with its rulesets registered) and nothing is pickled on the way in;
elsewhere the shared state is pickled once per worker and each worker imports the engine itself.
Our errors come back as the same error with the same message.
"""

from __future__ import annotations

import multiprocessing
import os
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from smaf_expert.errors import SmafError

T = TypeVar("T")

#: What a worker was given at start: the function and the state shared by every item.
_WORKER: tuple[Callable[..., Any], Any] | None = None


def default_jobs() -> int:
    """The number of cores this process may run on."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # not on Linux
        return max(1, os.cpu_count() or 1)


def parse_jobs(jobs: int | None) -> int:
    """`--jobs`: None or 0 means every core; a negative number is refused."""
    if jobs is None or jobs == 0:
        return default_jobs()
    if jobs < 0:
        raise SmafError(f"--jobs must be 0 (every core) or more, not {jobs}")
    return jobs


class _Failure:
    """An error of ours raised in a worker, carried back by attributes (our errors' __init__
    signatures differ from their args, so they do not unpickle as they are)."""

    def __init__(self, err: SmafError) -> None:
        self.cls = type(err)
        self.state = dict(err.__dict__)

    def rebuild(self) -> SmafError:
        err = self.cls.__new__(self.cls)
        Exception.__init__(err, self.state.get("message", ""))
        err.__dict__.update(self.state)
        return err


def _start(func: Callable[..., Any], shared: Any) -> None:
    global _WORKER
    _WORKER = (func, shared)


def _call(item: Any) -> Any:
    assert _WORKER is not None
    func, shared = _WORKER
    try:
        return func(shared, item)
    except SmafError as err:
        return _Failure(err)


def ordered_map(func: Callable[[Any, Any], T], shared: Any, items: Sequence[Any],
                jobs: int = 1, progress: Callable[[Any], None] | None = None) -> list[T]:
    """`[func(shared, item) for item in items]`, on up to `jobs` processes, in input order.

    `func` must be a module-level function. The first error of ours (in input order) is raised
    after every item ran, as it would be sequentially at that item. `progress(item)`, if given,
    is called in the parent as each item's result comes back, in input order.
    """
    jobs = min(jobs, len(items))
    if jobs <= 1:
        results = []
        for item in items:
            results.append(func(shared, item))
            if progress:
                progress(item)
        return results
    methods = multiprocessing.get_all_start_methods()
    context = multiprocessing.get_context("fork" if "fork" in methods else "spawn")
    import gc
    from concurrent.futures import ProcessPoolExecutor

    # Forked workers share the parent's memory until they write to it; the collector would
    # write to every object it scans (copying the knowledge base into each worker): the
    # objects made so far are moved out of its sight while the pool runs.
    gc.freeze()
    try:
        with ProcessPoolExecutor(max_workers=jobs, mp_context=context, initializer=_start,
                                 initargs=(func, shared)) as pool:
            # Chunks keep the pipe traffic low; several per worker balance uneven items.
            chunk = max(1, len(items) // (jobs * 4))
            results = []
            for item, result in zip(items, pool.map(_call, items, chunksize=chunk),
                                    strict=True):
                results.append(result)
                if progress:
                    progress(item)
    finally:
        gc.unfreeze()
    for result in results:
        if isinstance(result, _Failure):
            raise result.rebuild()
    return results
