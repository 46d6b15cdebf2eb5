"""Reading scenarios safely and reporting everything wrong with them at once.

YAML is parsed with a SafeLoader that also refuses anchors/aliases (alias bombs) and any tag
beyond plain values, lists and mappings. Files are size- and encoding-checked before parsing.
`extends: parent.yaml` chains are deep-merged (mappings merge, lists and scalars replace; a
mapping whose `kind` changes replaces too, since the old kind's fields would not fit). Every
validation error becomes a `Problem` with the dotted path, allowed values, given value and line.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from pydantic import ValidationError

from sim.scenario.errors import (
    Origins,
    Problem,
    ScenarioError,
    Segment,
    join_path,
    kind_defaults,
    problems_from_validation,
    split_path,
    unknown_field_message,
)
from sim.scenario.schema import Scenario

MAX_BYTES = 1_000_000
MAX_CHAIN = 20  # extends depth: each parent may be up to MAX_BYTES
FILE = "<file>"
ALIAS_MESSAGE = "YAML aliases (*name) are not allowed, nor anchors (&name); write each value out in full"
_STD = "tag:yaml.org,2002:"
_ALLOWED_TAGS = {_STD + t for t in ("null", "bool", "int", "float", "str", "seq", "map", "timestamp")}


class _Refused(Exception):
    def __init__(self, message: str, mark: Any) -> None:
        super().__init__(message)
        self.message, self.mark = message, mark


class _SafeLoader(yaml.SafeLoader):
    """SafeLoader that refuses anchors and aliases before they are expanded."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        event = self.peek_event()
        if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
            raise _Refused(ALIAS_MESSAGE, event.start_mark)
        return super().compose_node(parent, index)


# Dates stay text: no scenario field is a date, and a datetime object would only confuse messages.
_SafeLoader.add_constructor(_STD + "timestamp", yaml.SafeLoader.construct_yaml_str)


class _Dumper(yaml.SafeDumper):
    def ignore_aliases(self, data: Any) -> bool:
        return True  # never write anchors: our own loader refuses them


def _fail(message: str, file: str | None, line: int | None = None, path: str = FILE) -> ScenarioError:
    return ScenarioError([Problem(path, message, line=line, file=file)])


# --- bytes -> text ------------------------------------------------------------------------------

def _decode(raw: bytes, file: str | None) -> str:
    if len(raw) > MAX_BYTES:
        raise _fail(f"too large: scenario files are limited to {MAX_BYTES:,} bytes", file)
    if b"\x00" in raw:
        raise _fail("this is a binary file (it contains NUL bytes); a scenario must be YAML text", file)
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as e:
        line = raw.count(b"\n", 0, e.start) + 1
        raise _fail(f"not UTF-8 text (byte 0x{raw[e.start]:02x} at offset {e.start}); save the file as UTF-8",
                    file, line) from None


def _text(text: str | bytes, file: str | None) -> str:
    if isinstance(text, str):
        if len(text) > MAX_BYTES:  # a character is at least one byte: no need to encode to know
            raise _fail(f"too large: scenario files are limited to {MAX_BYTES:,} bytes", file)
        try:
            text = text.encode("utf-8")
        except UnicodeEncodeError:
            raise _fail("the text contains characters that cannot be encoded as UTF-8", file) from None
    if not isinstance(text, bytes):
        raise _fail(f"expected YAML text, got {type(text).__name__}", file)
    return _decode(text, file)


def _read_file(path: Path, shown: str) -> str:
    def reading(op: Callable[[], Any]) -> Any:
        try:
            return op()
        except FileNotFoundError:
            raise _fail("file not found", shown) from None
        except PermissionError:
            raise _fail("cannot read the file: permission denied", shown) from None
        except (OSError, ValueError) as e:  # ValueError: e.g. a NUL byte in the path
            raise _fail(f"cannot read the file: {getattr(e, 'strerror', None) or e}", shown) from None

    st = reading(path.stat)
    if stat.S_ISDIR(st.st_mode):
        raise _fail("this is a directory, not a scenario file", shown)
    if not stat.S_ISREG(st.st_mode):  # devices and pipes could be endless
        raise _fail("not a regular file", shown)
    if st.st_size > MAX_BYTES:  # checked before reading anything
        raise _fail(f"too large ({st.st_size:,} bytes): scenario files are limited to {MAX_BYTES:,} bytes",
                    shown)

    def read() -> bytes:
        with path.open("rb") as f:
            return f.read(MAX_BYTES + 1)  # bounded even if the file grows after stat

    return _decode(reading(read), shown)


# --- text -> data + line map -------------------------------------------------------------------

def _short_tag(tag: str) -> str:
    return "!!" + tag[len(_STD):] if tag.startswith(_STD) else tag


def _walk(node: Any, segs: list[Segment], lines: dict[str, int], problems: list[Problem], file: str | None,
          ) -> None:
    """Record the line of every key and list item; refuse custom tags, odd and duplicate keys."""
    line = node.start_mark.line + 1
    if node.tag not in _ALLOWED_TAGS:
        message = f"the YAML tag {_short_tag(node.tag)} is not allowed; use plain values, lists and mappings"
        problems.append(Problem(join_path(segs) or FILE, message, line=line, file=file))
        return
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for key, value in node.value:
            kline = key.start_mark.line + 1
            where = join_path([*segs, str(key.value)]) if isinstance(key, yaml.ScalarNode) else FILE
            if key.tag == _STD + "merge":
                problems.append(Problem(where, "YAML merge keys (<<) are not allowed", line=kline, file=file))
                continue
            if not isinstance(key, yaml.ScalarNode) or key.tag != _STD + "str":
                given = key.value if isinstance(key, yaml.ScalarNode) else None
                problems.append(Problem(where, "field names must be text (quote it if it looks like a "
                                        "number or yes/no)", given, kline, file))
                continue
            path = [*segs, key.value]
            if key.value in seen:
                message = f"duplicate key (already set at line {seen[key.value]})"
                problems.append(Problem(join_path(path), message, line=kline, file=file))
            seen[key.value] = kline
            lines[join_path(path)] = kline
            _walk(value, path, lines, problems, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            lines[join_path([*segs, i])] = item.start_mark.line + 1
            _walk(item, [*segs, i], lines, problems, file)


def _compose(text: str, file: str | None) -> tuple[Any, dict[str, int]]:
    """Any YAML value (None for an empty document) and its line map."""
    lines: dict[str, int] = {}
    loader = None
    try:
        loader = _SafeLoader(text)  # the reader already checks for unprintable characters here
        node = loader.get_single_node()
        if node is None:
            return None, lines
        problems: list[Problem] = []
        _walk(node, [], lines, problems, file)
        if problems:
            raise ScenarioError(problems)
        return loader.construct_document(node), lines
    except _Refused as e:
        raise _fail(e.message, file, e.mark.line + 1) from None
    except yaml.MarkedYAMLError as e:
        mark = e.problem_mark or e.context_mark
        what = ", ".join(str(x) for x in (e.context, e.problem) if x)
        col = f" (column {mark.column + 1})" if mark else ""
        raise _fail(f"malformed YAML: {what}{col}", file, mark.line + 1 if mark else None) from None
    except yaml.reader.ReaderError as e:
        line = text.count("\n", 0, e.position) + 1
        raise _fail(f"character #x{e.character:04x} is not allowed in YAML text", file, line) from None
    except yaml.YAMLError as e:
        raise _fail(f"malformed YAML: {e}", file) from None
    except RecursionError:
        raise _fail("the YAML is nested too deeply", file) from None
    finally:
        if loader is not None:
            loader.dispose()


def read_yaml_safely(path_or_text: str | bytes | os.PathLike[str], source: str | None = None,
                     ) -> tuple[dict[str, Any], dict[str, int]]:
    """A top-level mapping and {dotted path: 1-based line}. A PathLike is read as a file;
    str/bytes are the YAML text itself."""
    if isinstance(path_or_text, os.PathLike):
        shown = source or str(path_or_text)
        text = _read_file(Path(path_or_text), shown)
    else:
        shown = source or "<text>"
        text = _text(path_or_text, shown)
    data, lines = _compose(text, shown)
    if data is None:
        raise _fail("the file is empty; a scenario is a mapping of fields such as `name: my_scenario`", shown)
    if not isinstance(data, dict):
        word = "list" if isinstance(data, list) else "single value"
        raise _fail(f"the top level must be a mapping of fields (key: value), not a {word}", shown, 1)
    return data, lines


# --- extends -----------------------------------------------------------------------------------

def _merge(base: Any, over: Any, segs: list[Segment], replaced: set[str]) -> Any:
    """Deep merge; records the paths where `over` replaced `base` wholesale."""
    both_maps = isinstance(base, dict) and isinstance(over, dict)
    if both_maps and over.get("kind", base.get("kind")) == base.get("kind"):
        out = dict(base)
        for k, v in over.items():
            out[k] = _merge(base[k], v, [*segs, k], replaced) if k in base else v
        return out
    replaced.add(join_path(segs))
    return over


def _prefixes(path: str) -> list[str]:
    return [path[:i] for i, c in enumerate(path) if c in ".["] + [path]


def _expand(data: dict[str, Any], lines: dict[str, int], file: str | None, base_dir: Path | None,
            chain: tuple[Path, ...], root: Path | None) -> tuple[dict[str, Any], Origins]:
    """Resolve `extends` (recursively) and return the merged mapping with each path's origin."""
    origins: Origins = {p: (file, n) for p, n in lines.items() if "extends" not in _prefixes(p)}
    if "extends" not in data:
        return data, origins
    data = dict(data)
    target, line = data.pop("extends"), lines.get("extends")

    def fail(message: str) -> ScenarioError:
        return _fail(message, file, line, path="extends")

    if not isinstance(target, str) or not target.strip() or "\0" in target:
        raise fail("must be the file name of the parent scenario, relative to this file")
    if base_dir is None:
        raise fail("cannot be used here: there is no folder to look for the parent scenario in")
    parent = Path(os.path.normpath(base_dir / target))
    resolved = parent.resolve()
    if root is not None and not resolved.is_relative_to(root.resolve()):
        raise fail(f"the parent scenario must be inside {root}")
    if resolved in chain:
        names = " -> ".join(p.name for p in (*chain, resolved))
        raise fail(f"extends cycle: {names}")
    if len(chain) >= MAX_CHAIN:
        raise fail(f"extends chain is longer than {MAX_CHAIN} files")
    if not parent.exists():
        raise fail(f"parent scenario {target!r} not found (looked for {parent})")
    pdata, plines = read_yaml_safely(parent, str(parent))
    # `root` limits what uploaded text may name; a file on disk inside it is the project's own and
    # may name its parent anywhere (baseline.yaml extends ../calibration/calibrated.yaml).
    pdata, porigins = _expand(pdata, plines, str(parent), parent.parent, (*chain, resolved), None)
    replaced: set[str] = set()
    merged = _merge(pdata, data, [], replaced)
    kept = {p: o for p, o in porigins.items() if not any(x in replaced for x in _prefixes(p))}
    return merged, {**kept, **origins}


# --- validation and public loaders ---------------------------------------------------------------

def _validate(data: Any, origins: Origins, default_file: str | None) -> Scenario:
    if not isinstance(data, dict):
        raise _fail("the top level must be a mapping of fields (key: value)", default_file)
    try:
        return Scenario.model_validate(data)
    except ValidationError as exc:
        raise ScenarioError(problems_from_validation(exc, data, origins, root=Scenario,
                                                     default_file=default_file)) from None


def load_scenario(path: str | os.PathLike[str]) -> Scenario:
    """Load, merge (`extends`) and validate a scenario file; raises ScenarioError."""
    p = Path(path)
    shown = str(path)
    data, lines = read_yaml_safely(p, shown)
    chain = (p.resolve(),)
    merged, origins = _expand(data, lines, shown, p.parent, chain, root=None)
    return _validate(merged, origins, shown)


def load_scenario_text(text: str | bytes, *, base_dir: Path | None = None, source: str = "<upload>",
                       ) -> Scenario:
    """Validate uploaded YAML text. `extends` resolves against base_dir and may not leave it."""
    data, lines = read_yaml_safely(text, source)
    base = Path(base_dir) if base_dir is not None else None
    merged, origins = _expand(data, lines, source, base, (), root=base)
    return _validate(merged, origins, source)


def load_scenario_dict(data: dict[str, Any], source: str = "<dict>") -> Scenario:
    """Validate an already-parsed mapping, with the same problem format (no line numbers)."""
    if isinstance(data, dict) and "extends" in data:
        raise _fail("cannot be used here: there is no folder to look for the parent scenario in",
                    source, path="extends")
    return _validate(data, {}, None if source == "<dict>" else source)


# --- overrides and export ----------------------------------------------------------------------

def _set(data: dict[str, Any], segs: list[Segment], value: Any, key: str) -> Problem | None:
    """Set one path in the dumped scenario; a Problem if the path does not exist."""
    cur: Any = data
    for i, seg in enumerate(segs):
        where = join_path(segs[:i]) or "the top level"
        if isinstance(seg, str):
            if not isinstance(cur, dict):
                return Problem(key, f"{where} is not a mapping, so it has no field {seg!r}")
            if seg not in cur:
                return Problem(key, unknown_field_message(seg, cur, where))
        elif not isinstance(cur, list):
            return Problem(key, f"{where} is not a list, so [{seg}] does not apply")
        elif seg >= len(cur):
            return Problem(key, f"{where} has {len(cur)} items; indices run from 0 to {len(cur) - 1}")
        if i < len(segs) - 1:
            cur = cur[seg]
        elif seg == "kind" and value != cur["kind"]:
            # A new kind starts from that kind's defaults: the old fields would not fit, and the
            # new ones must be there for later overrides of them.
            fresh = kind_defaults(Scenario, segs[:-1], data, value) or {"kind": value}
            cur.clear()
            cur.update(fresh)
        else:
            cur[seg] = value
    return None


def apply_overrides(scenario: Scenario, overrides: dict[str, str]) -> Scenario:
    """A copy with dotted paths set to values parsed as YAML (`"0.1"`, `"true"`, `"[3, 5, 8]"`).
    Setting a rule's `kind` resets that rule to the new kind's defaults."""
    data = scenario.model_dump(mode="json")
    problems: list[Problem] = []
    for key, raw in overrides.items():
        segs = split_path(key)
        if not segs:
            problems.append(Problem(key, "not a field path; write it like fund.admin_share or "
                                    "region.sectors[0].name"))
            continue
        try:
            value = _compose(_text(raw, "<overrides>"), "<overrides>")[0] if isinstance(raw, str) else raw
        except ScenarioError as e:
            problems.extend(Problem(key, p.message, raw) for p in e.problems)
            continue
        problem = _set(data, segs, value, key)
        if problem is not None:
            problems.append(problem)
    if problems:
        raise ScenarioError(problems)
    return _validate(data, {}, "<overrides>")


def _diff(old: dict[str, Any], new: dict[str, Any]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in new.items():
        before = old.get(k)
        if k in old and v == before:
            continue
        if isinstance(v, dict) and isinstance(before, dict) and v.get("kind") == before.get("kind"):
            out[k] = _diff(before, v)
        else:  # lists, scalars and a mapping of another kind are written whole, as extends merges them
            out[k] = v
    return out


def scenario_to_yaml(scenario: Scenario, *, diff_from: Scenario | None = None) -> str:
    """The scenario as YAML; with diff_from, only what differs (a file to put under `extends`)."""
    data = scenario.model_dump(mode="json")
    if diff_from is not None:
        data = _diff(diff_from.model_dump(mode="json"), data)
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
