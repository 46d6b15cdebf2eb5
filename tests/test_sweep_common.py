"""Tiny sweep specs shared by the sweep tests (a few hundred milliseconds per run); no tests here."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

BASELINE = Path(__file__).resolve().parent.parent / "scenarios" / "baseline.yaml"

TINY: dict[str, Any] = {
    "name": "tiny",
    "base": str(BASELINE),
    "design": "grid",
    "replications": 2,
    "levers": {"fund.contributions[0].annual_total": {"levels": [60000, 250000]}},
    "uncertainties": {"demand.recession.depth": {"levels": [0.02, 0.2]}},
    "outcomes": ["fund_balance", "placements"],
    "horizon_months": 24,
    "region": {"n_workers": 800, "n_firms": 20, "n_providers": 3},
    "set": {"outputs.counterfactual": False, "demand.recession.enabled": True,
            "demand.recession.start_month": 6, "phases.system_development_months": 1,
            "phases.programme_design_months": 1},
}


def write_spec(folder: Path, name: str = "spec.yaml", **changes: Any) -> Path:
    spec = {**TINY, **changes}
    spec = {k: v for k, v in spec.items() if v is not None}
    path = folder / name
    path.write_text(yaml.safe_dump(spec, sort_keys=False))
    return path
