"""How fundsim's worker processes start: with their parent's heap out of the garbage collector's
sight (so a child's collections neither walk nor copy what it inherited), the parent's collector
as it was, and the collector off only in one-task helpers."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

from sim.processes import process_pool

ROOT = Path(__file__).resolve().parents[1]


def _collector_in_child() -> tuple[int, bool]:
    return gc.get_freeze_count(), gc.isenabled()


def test_a_forked_worker_keeps_its_parents_heap_frozen_and_the_parent_does_not() -> None:
    inherited = [[i] for i in range(1000)]  # objects the child gets from this process
    before = gc.get_freeze_count()
    pool = process_pool(1)
    try:
        frozen, enabled = pool.submit(_collector_in_child).result()
    finally:
        pool.shutdown()
    assert frozen >= len(inherited), "the child's collector would walk (and copy) its parent's heap"
    assert enabled, "a simulation worker keeps its collector"
    assert gc.get_freeze_count() == before, "the parent's objects stay collectable"


def test_a_heap_someone_else_froze_stays_frozen_across_a_fork() -> None:
    gc.freeze()
    try:
        frozen = gc.get_freeze_count()
        pool = process_pool(1)
        try:
            assert pool.submit(_collector_in_child).result()[0] > 0.9 * frozen
        finally:
            pool.shutdown()
        # (frozen objects that die meanwhile leave the count; an unfreeze would empty it)
        assert gc.get_freeze_count() > 0.9 * frozen, "a fork undid a freeze it did not make"
    finally:
        gc.unfreeze()


def test_a_one_task_helper_runs_without_the_cyclic_collector() -> None:
    pool = process_pool(1, collect=False)
    try:
        _, enabled = pool.submit(_collector_in_child).result()
    finally:
        pool.shutdown()
    assert not enabled
    assert gc.isenabled(), "only the helper's collector is off"


def test_the_command_line_freezes_the_heap_when_its_command_is_done() -> None:
    """The interpreter's last collection would walk everything a command made, only to free what
    the exit frees anyway (0.4-0.6 s after a report)."""
    script = ("import gc, sys\n"
              "from sim.cli.main import main\n"
              "sys.argv = ['fundsim', 'validate', 'scenarios/baseline.yaml']\n"
              "try:\n    main()\nexcept SystemExit as e:\n    code = e.code\n"
              "print(code, gc.get_freeze_count() > 10000)\n")
    done = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True,
                          timeout=120)
    assert done.stdout.split()[-2:] == ["0", "True"], done.stderr[-2000:]
