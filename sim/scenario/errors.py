"""Problems found in a scenario, in plain words, and the translation of pydantic's errors into them.

A `Problem` names the dotted field path, says what is allowed, shows what was given and where
(file and line). The loader collects every problem and raises them together as a `ScenarioError`.
"""

from __future__ import annotations

import difflib
import json
import re
import types
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from pydantic import BaseModel, ValidationError

Segment = str | int
Origins = dict[str, tuple[str | None, int]]  # dotted path -> (file, 1-based line)
TOP = "(top level)"
MAX_SHOWN = 50  # problems listed; a file with thousands of bad keys gets a readable answer


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    given: object | None = None
    line: int | None = None
    file: str | None = None

    def format(self) -> str:
        text = f"{self.path}: {self.message}"
        if self.given is not None:
            text += f" (you gave {show(self.given)})"
        where = " ".join(x for x in (self.file, f"line {self.line}" if self.line else None) if x)
        return f"{text} [{where}]" if where else text


class ScenarioError(ValueError):
    """Everything wrong with a scenario, reported at once."""

    def __init__(self, problems: Iterable[Problem]) -> None:
        unique: dict[str, Problem] = {}
        for p in problems:  # pydantic may report one cause twice (e.g. each missing tuple item)
            unique.setdefault(p.format(), p)
        self.problems: list[Problem] = list(unique.values())
        super().__init__(self.problems)

    def lines(self, limit: int | None = MAX_SHOWN) -> list[str]:
        """One line per problem, at most `limit` of them and then how many more (None: all)."""
        shown = self.problems if limit is None else self.problems[:limit]
        out = [p.format() for p in shown]
        if len(self.problems) > len(shown):
            out.append(f"... and {len(self.problems) - len(shown):,} more problems (fix these first)")
        return out

    def __str__(self) -> str:
        return "\n".join(self.lines())


def show(value: object) -> str:
    """A short YAML-ish rendering of a user's value (JSON spelling: true, null, "text")."""
    try:
        text = json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def join_path(segments: Iterable[Segment]) -> str:
    out = ""
    for s in segments:
        out += f"[{s}]" if isinstance(s, int) else (f".{s}" if out else str(s))
    return out


_PATH = re.compile(r"[A-Za-z_]\w*(\[\d+\])*(\.[A-Za-z_]\w*(\[\d+\])*)*")


def split_path(path: str) -> list[Segment] | None:
    """`fund.contributions[0].rate` -> ['fund', 'contributions', 0, 'rate']; None if malformed."""
    if not _PATH.fullmatch(path.strip()):
        return None
    return [int(i) if i else n for n, i in re.findall(r"([A-Za-z_]\w*)|\[(\d+)\]", path)]


def unknown_field_message(name: str, allowed: Iterable[str], where: str = "") -> str:
    allowed = list(allowed)
    close = difflib.get_close_matches(name, allowed, n=2, cutoff=0.6)
    hint = f"did you mean {' or '.join(repr(c) for c in close)}? " if close else ""
    place = f" in {where}" if where else ""
    return f"unknown field {name!r}{place}; {hint}allowed fields here: {', '.join(allowed)}"


def _num(x: object) -> str:
    if isinstance(x, float) and x.is_integer() and abs(x) < 1e16:
        x = int(x)
    return str(x)


# --- walking the schema along a path (to read bounds, allowed fields, literal values) ---------

def _unwrap(tp: Any, meta: list[Any]) -> Any:
    """Strip Annotated[...] layers, collecting their constraints (Ge, Le, ...) into `meta`."""
    while get_origin(tp) is Annotated:
        args = get_args(tp)
        tp = args[0]
        for a in args[1:]:
            meta.append(a)
            meta.extend(getattr(a, "metadata", []) or [])
    return tp


def _is_union(tp: Any) -> bool:
    return get_origin(tp) in (Union, types.UnionType)


def _members(tp: Any) -> list[Any]:
    return [_unwrap(m, []) for m in get_args(tp)]


def _pick(tp: Any, value: Any) -> Any:
    """The member of a discriminated union that the value's `kind` selects (None if none); for a
    union picked by shape (a dated value: a number or a list of steps), the list member."""
    if not _is_union(tp):
        return tp
    if isinstance(value, list):
        listy = [m for m in _members(tp) if get_origin(m) in (list, tuple)]
        if len(listy) == 1:
            return listy[0]
    kind = value.get("kind") if isinstance(value, dict) else None
    for m in _members(tp):
        if isinstance(m, type) and issubclass(m, BaseModel) and "kind" in m.model_fields \
                and m.model_fields["kind"].default == kind:
            return m
    return None


def kind_defaults(root: type[BaseModel], segs: list[Segment], data: Any, kind: Any) -> dict[str, Any] | None:
    """Every field of a rule of `kind` at its defaults (as JSON), for the union of rule kinds that
    the path `segs` of `data` holds; None if the path holds no such union or `kind` is not one."""
    tp, _, _ = _type_at(root, segs, data)
    member = _pick(_unwrap(tp, []), {"kind": kind}) if _is_union(_unwrap(tp, [])) else None
    if member is None:
        return None
    try:
        return member(kind=kind).model_dump(mode="json")
    except ValidationError:
        return None


def _child(value: Any, seg: Segment) -> Any:
    if isinstance(value, dict):
        return value.get(seg)
    if isinstance(value, list) and isinstance(seg, int) and 0 <= seg < len(value):
        return value[seg]
    return None


def _type_at(root: type[BaseModel], segs: list[Segment], data: Any) -> tuple[Any, list[Any], Any]:
    """(annotation, constraints, FieldInfo or None) at a path; union members are not picked."""
    tp: Any = root
    meta: list[Any] = []
    info: Any = None
    cur = data
    for seg in segs:
        tp = _pick(_unwrap(tp, meta), cur)
        meta, info = [], None
        origin = get_origin(tp)
        if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(seg, str):
            info = tp.model_fields.get(seg)
            if info is None:
                return None, [], None
            tp, meta = info.annotation, list(info.metadata)
        elif origin in (list, tuple) and isinstance(seg, int) and get_args(tp):
            args = get_args(tp)
            if origin is list or args[-1] is Ellipsis:
                tp = args[0]
            elif seg < len(args):
                tp = args[seg]
            else:
                return None, [], None
        else:
            return None, [], None
        cur = _child(cur, seg)
    return _unwrap(tp, meta), meta, info


def _bounds_text(meta: list[Any], ctx: dict[str, Any]) -> str:
    b: dict[str, Any] = {k: None for k in ("ge", "le", "gt", "lt")}
    for m in meta:
        for k in b:
            if b[k] is None and getattr(m, k, None) is not None:
                b[k] = getattr(m, k)
    b.update({k: v for k, v in ctx.items() if k in b})
    if b["ge"] is not None and b["le"] is not None:
        return f"must be between {_num(b['ge'])} and {_num(b['le'])}"
    lo = f"at least {_num(b['ge'])}" if b["ge"] is not None else (
        f"greater than {_num(b['gt'])}" if b["gt"] is not None else None)
    hi = f"at most {_num(b['le'])}" if b["le"] is not None else (
        f"less than {_num(b['lt'])}" if b["lt"] is not None else None)
    return "must be " + " and ".join(x for x in (lo, hi) if x)


_TYPE_WORDS = {
    "int_type": "must be a whole number", "int_parsing": "must be a whole number",
    "int_from_float": "must be a whole number (no decimals)",
    "float_type": "must be a number", "float_parsing": "must be a number",
    "finite_number": "must be a finite number",
    "bool_type": "must be true or false", "bool_parsing": "must be true or false",
    "string_type": "must be text", "list_type": "must be a list", "tuple_type": "must be a list",
    "model_type": "must be a mapping of fields (key: value)",
    "model_attributes_type": "must be a mapping of fields (key: value)",
    "dict_type": "must be a mapping of fields (key: value)",
}
_NO_GIVEN = {"missing", "extra_forbidden", "value_error", "assertion_error", "too_short", "too_long"}


def _union_kinds(tp: Any) -> list[str]:
    return [m.model_fields["kind"].default for m in _members(tp) if hasattr(m, "model_fields")]


def _kinds(ctx: dict[str, Any]) -> list[str]:
    return re.findall(r"'([^']*)'", str(ctx.get("expected_tags", "")))


def _message(err: dict[str, Any], segs: list[Segment], data: Any, root: type[BaseModel]
             ) -> tuple[list[Segment], str]:
    """Plain words for one pydantic error; may move the path (e.g. to the `kind` key)."""
    kind, ctx = err["type"], err.get("ctx") or {}
    tp, meta, info = _type_at(root, segs, data)
    if kind in ("greater_than_equal", "less_than_equal", "greater_than", "less_than"):
        return segs, _bounds_text(meta, ctx)
    if kind == "extra_forbidden":
        parent, _, _ = _type_at(root, segs[:-1], data)
        model = _pick(parent, _child_at(data, segs[:-1]))
        allowed = ([f.alias or n for n, f in model.model_fields.items()]
                   if isinstance(model, type) and issubclass(model, BaseModel) else [])
        return segs, unknown_field_message(str(segs[-1]), allowed)
    if kind in ("union_tag_invalid", "union_tag_not_found"):
        allowed = _kinds(ctx) or _union_kinds(tp)
        tag = str(ctx.get("tag", ""))
        close = difflib.get_close_matches(tag, allowed, n=1, cutoff=0.6) if tag else []
        hint = f"did you mean {close[0]!r}? " if close else ""
        head = "unknown kind" if kind == "union_tag_invalid" else "`kind` is missing"
        return [*segs, "kind"], f"{head}; {hint}allowed kinds: {', '.join(allowed)}"
    if kind == "literal_error":
        allowed = [str(a) for a in get_args(tp)] if get_origin(tp) is Literal else [ctx.get("expected", "")]
        return segs, f"must be one of: {', '.join(allowed)}"
    if kind == "missing":
        parent, _, _ = _type_at(root, segs[:-1], data)
        if get_origin(parent) is tuple and segs and isinstance(segs[-1], int):
            return segs[:-1], f"must be a list of exactly {len(get_args(parent))} values"
        return segs, f"required field {segs[-1]!r} is missing" if segs else "required field is missing"
    if kind in ("too_short", "too_long"):
        if get_origin(tp) is tuple:
            n = len(get_args(tp))
            return segs, f"must be a list of exactly {n} values (it has {ctx.get('actual_length')})"
        n = ctx.get("min_length") if kind == "too_short" else ctx.get("max_length")
        word = "at least" if kind == "too_short" else "at most"
        return segs, f"must have {word} {n} item{'' if n == 1 else 's'} (it has {ctx.get('actual_length')})"
    if kind in ("string_too_short", "string_too_long"):
        n = ctx.get("min_length") if kind == "string_too_short" else ctx.get("max_length")
        return segs, f"must have {'at least' if kind == 'string_too_short' else 'at most'} {n} characters"
    if kind == "string_pattern_mismatch":
        desc = f": {info.description.rstrip('.')}" if info is not None and info.description else ""
        return segs, f"must match the pattern {ctx.get('pattern')}{desc}"
    if kind in ("value_error", "assertion_error"):
        return segs, re.sub(r"^(Value error|Assertion failed), ", "", err["msg"])
    if kind in ("model_type", "model_attributes_type") and _is_union(tp):
        return segs, f"must be a mapping with a `kind` (one of: {', '.join(_union_kinds(tp))}) and its fields"
    if kind in _TYPE_WORDS:
        extra = ", not empty (null)" if err.get("input") is None else ""
        return segs, _TYPE_WORDS[kind] + extra
    if kind == "invalid_key":
        return segs, "field names must be text"
    return segs, err["msg"]


def _child_at(data: Any, segs: list[Segment]) -> Any:
    for s in segs:
        data = _child(data, s)
    return data


def _clean_loc(loc: tuple[Any, ...], data: Any) -> list[Segment]:
    """Drop the discriminated-union tag pydantic inserts into `loc` (contributions.0.payroll_levy.rate)."""
    segs: list[Segment] = []
    cur = data
    for seg in loc:
        if isinstance(cur, dict) and isinstance(seg, str) and seg not in cur and cur.get("kind") == seg:
            continue
        if isinstance(seg, str) and cur is not None and not isinstance(cur, dict):
            continue  # the tag of a union picked by shape (a dated value's "value" or "steps")
        segs.append(seg if isinstance(seg, int) else str(seg))
        cur = _child(cur, seg)
    return segs


def locate(segs: list[Segment], origins: Origins) -> tuple[str | None, int | None]:
    """File and line of a path, or of its nearest ancestor present in the file (missing keys)."""
    for i in range(len(segs), 0, -1):
        hit = origins.get(join_path(segs[:i]))
        if hit is not None:
            return hit
    return None, None


def problems_from_validation(exc: ValidationError, data: Any, origins: Origins, *,
                             root: type[BaseModel], default_file: str | None = None) -> list[Problem]:
    problems = []
    for i, err in enumerate(exc.errors()):
        if i >= 4 * MAX_SHOWN:  # beyond what is shown (and deduplicated), only the count matters
            problems.append(Problem(f"problem {i + 1}", err["msg"]))
            continue
        segs, message = _message(err, _clean_loc(err["loc"], data), data, root)
        file, line = locate(segs, origins)
        given = err.get("input")
        if err["type"].startswith("union_tag"):
            given = (err.get("ctx") or {}).get("tag")
        elif err["type"] == "missing" and err["loc"] and isinstance(err["loc"][-1], int):  # short tuple
            given = _child_at(data, segs)
        elif err["type"] in _NO_GIVEN or isinstance(given, dict):
            given = None
        problems.append(Problem(join_path(segs) or TOP, message, given, line, file or default_file))
    return problems
