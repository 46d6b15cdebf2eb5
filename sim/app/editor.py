"""The rule editor, generated from the scenario schema: one widget spec per parameter (group =
top-level section, label with unit, bounds, help = description + source). Nothing here names a
parameter: adding one to the schema adds it to the editor."""

from __future__ import annotations

import functools
import math
import types
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel

from sim.app import dated_table
from sim.scenario.errors import Problem, split_path
from sim.scenario.schema import Scenario

GROUP_TITLES = {
    "": "Scenario", "region": "Region", "demand": "Demand and recessions", "labour": "Labour market",
    "workers": "Workers", "firms": "Firms", "training": "Training", "providers": "Providers",
    "fund": "Fund rules", "phases": "Programme phases", "rollout": "Pilot and rollout", "outputs": "Outputs",
}
PLAIN_UNITS = {"flag", "choice", ""}
ROLE_WORDS = {"lever": "a funding rule the committee chooses", "uncertainty": "the world (uncertain)",
              "constant": "structure"}


@dataclass(frozen=True)
class FieldSpec:
    path: str
    group: str  # top-level section title
    section: str  # sub-heading inside the group ("" at the top of the group)
    label: str  # plain name with unit, e.g. "Annual total ($ per year)"
    widget: str  # number | integer | money | checkbox | choice | text | list | dated (a table)
    value: Any
    unit: str
    role: str
    help: str
    min: float | None = None
    max: float | None = None
    step: float | None = None
    fmt: str | None = None
    options: tuple[str, ...] = ()
    scale: float = 1.0  # shown value = stored value x scale (100 for a share shown in %)

    @property
    def shown(self) -> Any:
        """The value as its widget shows it (a share in %, money as "$1,500,000", a list as text)."""
        if self.widget == "list":
            return list_text(self.value)
        if self.widget == "money":
            return money_text(self.value)
        if self.widget == "number":
            return float(self.value) * self.scale
        if self.widget == "dated":
            return dated_table.display_rows(self.value, self.scale)
        return self.value

    @property
    def value_column(self) -> str:
        """A dated lever's value column, headed by its display unit ("% of payroll", "$ per
        year"): the lever's name (and unit) is the table's label, and the narrow sidebar has no
        room for it twice; a unit too long for the column's header is "Value"."""
        unit = shown_unit(self.unit)
        return unit if self.unit not in PLAIN_UNITS and len(unit) <= HEADER_CHARS else "Value"


def human(name: str) -> str:
    """`annual_total` -> "Annual total"."""
    text = name.replace("_", " ").strip()
    return text[:1].upper() + text[1:]


def _unwrap(tp: Any) -> Any:
    while get_origin(tp) is Annotated:
        tp = get_args(tp)[0]
    return tp


def _kinds(tp: Any) -> tuple[str, ...]:
    tp = _unwrap(tp)
    if get_origin(tp) in (Union, types.UnionType):
        members = [_unwrap(m) for m in get_args(tp)]
        return tuple(m.model_fields["kind"].default for m in members
                     if isinstance(m, type) and issubclass(m, BaseModel) and "kind" in m.model_fields)
    return ()


def _resolve(scenario: Scenario, segs: list[str | int]) -> tuple[Any, Any]:
    """(field annotation at the path, annotation of the slot holding the path's parent)."""
    obj: Any = scenario
    holder: Any = None
    ann: Any = None
    for seg in segs:
        if isinstance(seg, int):
            holder = get_args(_unwrap(ann))[0] if get_args(_unwrap(ann)) else None
            obj = obj[seg]
            ann = holder
            continue
        fields = type(obj).model_fields
        # a dated value's step is spelled by its alias ("from")
        name = seg if seg in fields else next(n for n, f in fields.items() if f.alias == seg)
        info = fields[name]
        if (ann is not None and seg != segs[-1]) or (ann is None and seg != segs[-1]):
            holder = info.annotation
        ann = info.annotation
        if seg != segs[-1]:
            obj = getattr(obj, name)
    return ann, holder


def _section(segs: list[str | int], scenario: Scenario) -> str:
    """A plain heading for the path's parent inside its group: "Contributions #1 (payroll levy)"."""
    words: list[str] = []
    obj: Any = scenario
    for seg in segs[:-1]:
        obj = obj[seg] if isinstance(seg, int) else getattr(obj, seg)
        if isinstance(seg, int):
            kind = getattr(obj, "kind", None) or getattr(obj, "name", None)
            words[-1] += f" #{seg + 1}" + (f" ({human(str(kind)).lower()})" if kind else "")
        else:
            kind = getattr(obj, "kind", None)
            words.append(human(seg) + (f" ({human(str(kind)).lower()})" if isinstance(kind, str) else ""))
    return " · ".join(words[1:]) if len(segs) > 1 and segs[0] in GROUP_TITLES else " · ".join(words)


def is_share(unit: str) -> bool:
    return unit == "share" or unit.startswith("share ")


def is_money(unit: str) -> bool:
    return unit.startswith("$") and not unit.startswith("$ per $") and "per employer $" not in unit


def shown_unit(unit: str) -> str:
    """The unit as a committee reads it: "share of payroll" -> "% of payroll"."""
    return "%" + unit[len("share"):] if is_share(unit) else unit


def money_text(value: float) -> str:
    """$1,500,000 or $12.50: dollars with thousands separators."""
    return f"${value:,.0f}" if float(value).is_integer() else f"${value:,.2f}"


def _bound(v: float, unit: str) -> str:
    if is_share(unit):
        return f"{100 * v:g}%"
    return money_text(v) if is_money(unit) else f"{v:,g}"


def _bounds_text(lo: float | None, hi: float | None, unit: str = "") -> str:
    if lo is not None and hi is not None:
        return f"Allowed: {_bound(lo, unit)} to {_bound(hi, unit)}."
    if lo is not None:
        return f"Allowed: at least {_bound(lo, unit)}."
    return f"Allowed: at most {_bound(hi, unit)}." if hi is not None else ""


PLAIN_LABEL_CHARS = 80
HEADER_CHARS = 16  # what a dated table's value header shows whole in the sidebar ("$ per employer $")


def plain_label(name: str, description: str, unit: str) -> str:
    """The field's one-line description when short (it says what the number is), else its
    name in words; with its unit as a committee reads it."""
    text = description.strip().rstrip(".")
    base = text if text and len(text) <= PLAIN_LABEL_CHARS and "\n" not in text else human(name)
    return base + (f" ({shown_unit(unit)})" if unit not in PLAIN_UNITS else "")


def _number_style(value: float, hi: float | None) -> tuple[float, str]:
    if hi is not None and hi <= 1.0:
        return 0.001, "%.4f"
    mag = abs(value)
    if mag >= 1000:
        return float(10 ** (math.floor(math.log10(mag)) - 1)), "%.0f"
    if hi is not None and hi >= 10_000:
        return 100.0, "%.0f"
    return 0.1, "%.3f"


def field_specs(scenario: Scenario, roles: tuple[str, ...] = ("lever",), advanced: bool = False,
                ) -> list[FieldSpec]:
    """Widget specs for every parameter of `scenario` whose role is in `roles` (kinds of rules
    are offered when "lever" is), in schema order. Shares are shown in %, money as $1,234;
    the field's id appears in its help only in the `advanced` view."""
    specs: list[FieldSpec] = []
    for row in dated_table.parameter_rows(scenario):
        path, value = row["path"], row["value"]
        segs = split_path(path) or [path]
        name = str(segs[-1])
        ann, holder = _resolve(scenario, segs)
        kinds = _kinds(holder) if name == "kind" else ()
        role = "lever" if kinds else row["role"]
        if role not in roles and not (path in ("name", "description") and "lever" in roles):
            continue
        group = GROUP_TITLES.get(str(segs[0]) if len(segs) > 1 else "", human(str(segs[0])))
        unit = row["unit"]
        label = ("Kind of rule" if kinds else plain_label(name, row["description"] or "", unit))
        lo, hi = row["min"], row["max"]
        src = row["source"]
        help_text = " ".join(x for x in (
            row["description"] or ("The kind of rule; changing it starts the rule from that kind's "
                                   "defaults." if kinds else ""),
            _bounds_text(lo, hi, unit), f"Role: {ROLE_WORDS.get(role, role)}.",
            f"Source: {src}." if src else "", f"Field: `{path}`." if advanced else "") if x)
        base = dict(path=path, group=group, section=_section(segs, scenario), label=label, value=value,
                    unit=unit, role=role, help=help_text)
        tp = _unwrap(ann)
        if row.get("dated"):
            specs.append(_dated_spec(base, lo, hi))
        elif kinds:
            specs.append(FieldSpec(widget="choice", options=kinds, **base))
        elif get_origin(tp) is Literal:
            specs.append(FieldSpec(widget="choice", options=tuple(str(a) for a in get_args(tp)), **base))
        elif isinstance(value, bool):
            specs.append(FieldSpec(widget="checkbox", **base))
        elif isinstance(value, (int, float)) and is_money(unit):
            specs.append(FieldSpec(widget="money", min=lo, max=hi, **base))
        elif isinstance(value, int):
            specs.append(FieldSpec(widget="integer", min=lo, max=hi, step=1, **base))
        elif isinstance(value, float) and is_share(unit):
            specs.append(FieldSpec(widget="number", min=None if lo is None else 100 * lo,
                                   max=None if hi is None else 100 * hi, step=1.0, fmt="%.2f", scale=100.0,
                                   **base))
        elif isinstance(value, float):
            step, fmt = _number_style(value, hi)
            specs.append(FieldSpec(widget="number", min=lo, max=hi, step=step, fmt=fmt, **base))
        elif isinstance(value, (list, tuple)):
            specs.append(FieldSpec(widget="list", **{**base, "help": help_text + " Separate values with "
                                                     "commas."}))
        else:
            specs.append(FieldSpec(widget="text", **base))
    return _kinds_first(specs)


DATED_HELP = (" A value in force from a month on: one row from month 1 is the same every month; add a "
              "row to change it from a later month (e.g. a rate cut from month 25), delete a row to drop "
              "that change.")


def _dated_spec(base: dict[str, Any], lo: float | None, hi: float | None) -> FieldSpec:
    """A dated lever as a table: its values in the editor's display unit (a share in %, money
    in dollars with separators)."""
    unit = base["unit"]
    help_text = base["help"] + DATED_HELP
    if is_share(unit):
        return FieldSpec(widget="dated", min=None if lo is None else 100 * lo,
                         max=None if hi is None else 100 * hi, step=0.01, fmt="%.2f%%", scale=100.0,
                         **{**base, "help": help_text})
    if is_money(unit):
        cents = hi is None or hi < 10_000  # large amounts read in whole dollars
        return FieldSpec(widget="dated", min=lo, max=hi, step=0.01 if cents else 1.0,
                         fmt="$%,.2f" if cents else "$%,.0f", **{**base, "help": help_text})
    return FieldSpec(widget="dated", min=lo, max=hi, fmt="%,.4g", **{**base, "help": help_text})


def shown_text(spec: FieldSpec, shown: float) -> str:
    """A value as `spec`'s widget shows it, for messages: "20%", "$1,500,000", "1.5"."""
    if is_share(spec.unit):
        return f"{shown:,.10g}%"
    if is_money(spec.unit):
        return ("-" if shown < 0 else "") + money_text(abs(shown))
    return f"{shown:,.10g}"


def _kinds_first(specs: list[FieldSpec]) -> list[FieldSpec]:
    """Within each rule, its kind comes first (the other fields depend on it)."""
    out: list[FieldSpec] = []
    for spec in specs:
        if spec.path.endswith(".kind"):
            prefix = spec.path[: -len("kind")]
            at = next((i for i, s in enumerate(out) if s.path.startswith(prefix)), len(out))
            out.insert(at, spec)
        else:
            out.append(spec)
    return out


def list_text(value: Any) -> str:
    return ", ".join(f"{v:g}" if isinstance(v, float) else str(v) for v in value)


def _parse_list(spec: FieldSpec, text: str) -> list[Any]:
    parts = [p.strip() for p in str(text).split(",") if p.strip()]
    kinds = [type(v) for v in spec.value] or [float]
    if len(parts) != len(spec.value):
        raise ValueError(f"must be a list of exactly {len(spec.value)} values separated by commas")
    out = []
    for part, kind in zip(parts, kinds, strict=True):
        try:
            out.append(int(part) if kind is int else float(part))
        except ValueError:
            word = "whole numbers" if kind is int else "numbers"
            raise ValueError(f"must be {word} separated by commas") from None
    return out


def parse_money(spec: FieldSpec, text: Any) -> float | int:
    """"$1,500,000", "1500000" or "1.5e6" -> a number in the field's type and bounds."""
    raw = str(text).strip().replace(",", "").replace("$", "").replace(" ", "")
    try:
        value = float(raw)
    except ValueError:
        raise ValueError(f"must be an amount in dollars, like $1,500,000 (you typed {str(text)[:40]!r})"
                         ) from None
    if not math.isfinite(value) or (spec.min is not None and value < spec.min) or \
            (spec.max is not None and value > spec.max):
        raise ValueError(f"must be an amount in dollars; {_bounds_text(spec.min, spec.max, spec.unit)}")
    if isinstance(spec.value, int) and not isinstance(spec.value, bool):
        if not value.is_integer():
            raise ValueError("must be whole dollars")
        return int(value)
    return value


def _same(a: Any, b: Any) -> bool:
    if isinstance(a, float) or isinstance(b, float):
        try:
            return math.isclose(float(a), float(b), rel_tol=1e-9, abs_tol=1e-12)
        except (TypeError, ValueError):
            return False
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


def edits_from_values(specs: list[FieldSpec], values: dict[str, Any], base: Scenario,
                      keep: dict[str, Any] | None = None) -> tuple[dict[str, Any], list[Problem]]:
    """Sparse edits (dotted path -> value) from submitted widget values: only what differs from
    `base`. `keep` holds the earlier edits; those of fields not submitted (other roles, closed
    groups, whole lists of rules) stay. A kind changed in this submission drops the rule's other
    submitted fields (they were the old kind's); a kind changed earlier keeps its new fields.
    Order, as apply_overrides needs it: whole lists of rules, then kinds, then fields."""
    base_values = {r["path"]: r["value"] for r in dated_table.parameter_rows(base)}
    shown = {s.path for s in specs if s.path in values}
    tables = tuple(s.path + "[" for s in specs if s.widget == "dated" and s.path in values)
    # A submitted table holds the whole dated value: earlier edits of its steps go.
    edits: dict[str, Any] = {k: v for k, v in (keep or {}).items()
                             if k not in shown and not k.startswith(tables)}
    problems: list[Problem] = []
    for spec in specs:
        if spec.path not in values:
            continue
        raw = values[spec.path]
        if spec.widget == "dated":
            try:
                table = dated_table.read_table(
                    raw, spec.value_column, scale=spec.scale, show=functools.partial(shown_text, spec),
                    lo=None if spec.min is None else spec.min / spec.scale,
                    hi=None if spec.max is None else spec.max / spec.scale)
            except dated_table.TableError as e:
                where = " · ".join(x for x in (spec.section, spec.label) if x)
                problems.append(Problem(where, str(e)))
                continue
            if spec.path not in base_values or not dated_table.same(table, base_values[spec.path]):
                edits[spec.path] = dated_table.as_value(table)
            continue
        if spec.widget in ("list", "money"):
            try:
                raw = _parse_list(spec, raw) if spec.widget == "list" else parse_money(spec, raw)
            except ValueError as e:
                problems.append(Problem(spec.path, str(e), given=str(values[spec.path])))
                continue
        elif spec.widget == "integer" and raw is not None:
            raw = int(raw)
        elif spec.widget == "number" and raw is not None:
            raw = float(raw) / spec.scale
        if raw is None:
            problems.append(Problem(spec.path, "is empty; enter a value"))
        elif spec.path not in base_values or not _same(raw, base_values[spec.path]):
            edits[spec.path] = list(raw) if isinstance(raw, tuple) else raw
    earlier = keep or {}
    for kind_path in [p for p in shown if p.endswith(".kind")]:
        if _same(values[kind_path], earlier.get(kind_path, base_values.get(kind_path))):
            continue  # the kind in effect: its fields are this kind's
        prefix = kind_path[: -len("kind")]
        edits = {k: v for k, v in edits.items() if k == kind_path or not k.startswith(prefix)}

    def rank(item: tuple[str, Any]) -> int:
        path, value = item
        if isinstance(value, list) and value and all(isinstance(x, dict) and "kind" in x for x in value):
            return 0  # a whole list of rules (a dated value's steps are a field's value: last)
        return 1 if path.endswith(".kind") else 2

    return dict(sorted(edits.items(), key=rank)), problems
