"""The documentation stays in step with the code: the generated tables match the schema and the
metric registry, every parameter is documented, and docs/ODD.md names every phase of a month."""

from __future__ import annotations

import inspect
import re
from pathlib import Path

import pytest

from sim.docs import DOCS, metrics_markdown, parameters_markdown
from sim.engine.model import FundModel
from sim.outcomes import REGISTRY
from sim.scenario.params import iter_parameters
from sim.scenario.schema import Scenario

ODD = DOCS / "ODD.md"
ROLES = {"lever", "uncertainty", "constant"}
STALE = "{name} is out of date with the code: run `python -m sim.docs` and commit the result"

# Fields that identify or select rather than parametrise (free text, names, the `kind` that picks a
# rule or a reserve policy). They are plain pydantic fields, not `param()`, so they carry no unit,
# role or source. Anything else without them is a gap in the schema.
NOT_PARAMETERS = re.compile(r"^(name|description)$|^region\.sectors\[\d+\]\.name$|\.kind$")


def _read(path: Path) -> str:
    if not path.exists():
        pytest.fail(f"{path} is missing: run `python -m sim.docs`")
    return path.read_text(encoding="utf-8")


@pytest.mark.parametrize(("name", "generate"), [("parameters.md", parameters_markdown),
                                                ("metrics.md", metrics_markdown)])
def test_generated_tables_are_up_to_date(name: str, generate) -> None:
    assert _read(DOCS / name) == generate(), STALE.format(name=f"docs/{name}")


def _parameters() -> list[dict]:
    return [r for r in iter_parameters(Scenario()) if not NOT_PARAMETERS.search(r["path"])]


@pytest.mark.parametrize("row", _parameters(), ids=lambda r: r["path"])
def test_every_parameter_is_documented(row: dict) -> None:
    assert row["unit"].strip(), f"{row['path']}: no unit (declare it with sim.scenario.params.param)"
    assert row["role"] in ROLES, f"{row['path']}: role {row['role']!r} not in {sorted(ROLES)}"
    assert row["description"].strip(), f"{row['path']}: no description"
    assert str(row["source"]).strip(), f"{row['path']}: no source (a citation, or \"assumption\")"


def test_the_exemptions_are_only_identifiers_and_selectors() -> None:
    exempt = [r["path"] for r in iter_parameters(Scenario()) if NOT_PARAMETERS.search(r["path"])]
    assert exempt, "the exemption pattern matches nothing: remove it"
    for path in exempt:
        leaf = path.rsplit(".", 1)[-1]
        assert leaf in {"name", "description", "kind"}, path


def step_phases() -> list[str]:
    """The phase methods FundModel.step() calls, in order, read from its source."""
    names = re.findall(r"self\.(\w+)\(\)", inspect.getsource(FundModel.step))
    assert names, "could not read the phases of FundModel.step()"
    return names


def test_odd_names_every_phase_of_step_in_order() -> None:
    text = _read(ODD)
    missing = [p for p in step_phases() if f"`{p}`" not in text]
    assert not missing, f"docs/ODD.md does not describe these phases of FundModel.step(): {missing}"
    section = text[text.index("## 3."):text.index("## 4.")]
    positions = [section.index(f"`{p}`") for p in step_phases()]
    assert positions == sorted(positions), "docs/ODD.md section 3 lists the phases out of order"


def test_odd_has_the_protocol_sections_in_order() -> None:
    text = _read(ODD)
    heads = ["## 1. Purpose and patterns", "## 2. Entities, state variables and scales",
             "## 3. Process overview and scheduling", "## 4. Design concepts", "## 5. Initialization",
             "## 6. Input data", "## 7. Submodels", "## Default values and their sources",
             "## Known simplifications"]
    positions = [text.find(h) for h in heads]
    assert -1 not in positions, [h for h, p in zip(heads, positions, strict=True) if p == -1]
    assert positions == sorted(positions)


def test_odd_links_the_generated_tables_and_every_metric_is_documented() -> None:
    text = _read(ODD)
    assert "(parameters.md)" in text and "(metrics.md)" in text
    table = _read(DOCS / "metrics.md")
    missing = [m.name for m in REGISTRY if f"| {m.name} |" not in table]
    assert not missing, f"docs/metrics.md lacks {missing}: run `python -m sim.docs`"
