"""The mutation gate: every proof chapter fails on a named check when the package is wrong.

See tools/mutation_gate.py for the mutations and how the chapters are run
(their own code cells, from book/*.md via jupytext, in a Jupyter kernel whose
PYTHONPATH puts a deliberately broken copy of mse_gradient first). The table
of which check fired for each mutation and chapter is printed (``pytest -s``)
and is part of the failure message.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tools"))

import mutation_gate as gate  # noqa: E402

# A statement per mutation that holds for the unbroken package and fails for the mutant.
PROBES = {
    "gradient 1/m": "np.allclose(mg.gradient(t, X, y), mg.numerical_gradient(lambda s: mg.mse(s, X, y), t), atol=1e-6)",
    "residual y - Xθ": "np.allclose(mg.gradient_by_samples(t, X, y), mg.numerical_gradient(lambda s: mg.mse(s, X, y), t), atol=1e-6)",
    "numerical forward h/2h": "np.allclose(mg.numerical_gradient(lambda s: float(s @ s), t), 2 * t, atol=1e-6)",
}
PROBE_SETUP = (
    "import numpy as np, mse_gradient as mg\n"
    "X = mg.add_bias(np.array([[0.0], [1.0], [3.0]])); y = np.array([1.0, 2.0, 7.0]); t = np.array([0.5, -1.0])\n"
)


def _probe(src: Path, statement: str) -> str:
    env = dict(os.environ, PYTHONPATH=str(src))
    code = PROBE_SETUP + f"assert mg.__file__.startswith({str(src)!r})\nprint({statement})"
    result = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    return result.stdout.strip()


@pytest.mark.parametrize("mutation", list(gate.MUTATIONS))
def test_each_mutation_applies_and_really_breaks_the_package(mutation):
    assert set(PROBES) == set(gate.MUTATIONS)
    with tempfile.TemporaryDirectory() as tmp:
        broken = gate.mutated_package(mutation, Path(tmp) / "broken")
        unbroken = gate.mutated_package(gate.UNBROKEN, Path(tmp) / "unbroken")
        assert _probe(unbroken, PROBES[mutation]) == "True"
        assert _probe(broken, PROBES[mutation]) == "False"


def test_proof_chapters_fail_on_a_named_check_under_every_mutation():
    chapters = [ROOT / "book" / f"{name}.md" for name in gate.PROOF_CHAPTERS]
    outcomes = gate.run_gate(chapters)
    report = gate.table(outcomes)
    print("\nmutation gate (mutation × chapter → the check that fired):\n" + report)
    for outcome in outcomes:
        if outcome.status != "passed":
            print(f"  {outcome.mutation} / {outcome.chapter}: {outcome.where}: {outcome.message.splitlines()[0][:240]}")
    problems = gate.problems(outcomes)
    assert not problems, "\n".join(problems) + "\n\n" + report
    # The fired check must come from the package's helpers and name what was compared.
    for outcome in outcomes:
        if outcome.mutation != gate.UNBROKEN:
            assert outcome.status == "check" and outcome.check.strip(), outcome
