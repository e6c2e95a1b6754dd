"""Scenario files: load, validate completely, expand into arms x replicates (DESIGN.md §5).

A scenario is data only (TOML read with :mod:`tomllib`; nothing in it is
executed)::

    [scenario]
    name = "core_vs_blast"                 # default: the file name
    description = "Seed a small core or blast hundreds of people? [000-2]"
    question = "Which seeding earns more at equal budget?"
    replicates = 10                        # per arm; replicate r of every arm shares one seed
    days = 90                              # horizon
    seed = 2024                            # scenario seed; replicate seeds derive from it
    outcomes = ["revenue_total", "members_final"]   # default: every outcome in sim.metrics.OUTCOMES

    [base]                                 # overrides applied to every arm
    n_persons = 20000                      # bare leaf, dotted path or [base.section] table

    [arms.core]                            # one table per arm: its overrides of base
    description = "<= 30 screened core members"
    seeding = "core"

    [arms.blast]
    seeding = "blast"

Validation happens in full before anything runs: unknown keys (with a "did
you mean" suggestion), wrong types, out-of-range values, NaN, arms overriding
unknown parameters, duplicate arms, empty, binary, non-TOML, missing or
unreadable files. Every error is a :class:`ScenarioError` naming the file, the
field, the value and what is allowed.

Replicate ``r`` of every arm runs with the same seed, derived from the
scenario seed and ``r`` (common random numbers: arms are compared paired, and
every run is a pure function of its parameters and seed).

The runner writes ``scenario.resolved.toml`` with :meth:`Scenario.resolved_toml`:
the same document plus ``[resolved.<arm>]`` (every parameter's final value) and
``[provenance]``; those two tables are informational, so the resolved file is
itself a valid scenario that reruns the same experiment.

Examples
--------
>>> s = parse_scenario('[scenario]\\nreplicates = 2\\ndays = 5\\n[arms.a]\\nseeding = "core"\\n'
...                    '[arms.b]\\nseeding = "blast"\\n', "demo.toml")
>>> [a.name for a in s.arms], len(s.runs())
(['a', 'b'], 4)
>>> runs = s.runs()   # arm by arm
>>> runs[0].seed == runs[2].seed != runs[1].seed   # replicate 0 of both arms share a seed
True
>>> parse_scenario('[arms.a]\\ninvite_rat = 1\\n', "x.toml")
Traceback (most recent call last):
...
sim.scenario.ScenarioError: x.toml: arms.a.invite_rat = 1: unknown parameter (did you mean 'invite_rate'?)
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import math
import re
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from sim.metrics import OUTCOMES
from sim.network import EdgeListError, read_edgelist
from sim.params import ParamError, Params, did_you_mean, resolve_key

__all__ = ["ScenarioError", "Arm", "Run", "Scenario", "load_scenario", "parse_scenario", "from_dict",
           "replicate_seed", "dumps_toml", "LIMITS"]

MAX_FILE_BYTES = 1_000_000
ARM_NAME = re.compile(r"^[A-Za-z0-9_][A-Za-z0-9_-]{0,63}$")
#: Allowed ranges of the scenario settings (also used for command-line options).
LIMITS: dict[str, tuple[int, int]] = {"replicates": (1, 10_000), "days": (1, 36_500), "seed": (0, 2**63 - 1)}
_TEXT_KEYS = ("name", "description", "question")
_SCENARIO_KEYS = _TEXT_KEYS + tuple(LIMITS) + ("outcomes",)
_TOP_KEYS = ("scenario", "base", "arms", "resolved", "provenance")
_DEFAULTS = {"replicates": 10, "days": 90, "seed": 0}


class ScenarioError(ValueError):
    """A scenario file or setting is not allowed; the message names file, field, value and rule."""

    def __init__(self, file: str, field: str | None, message: str):
        field = _printable(field) if field is not None else None
        self.file, self.field, self.message = file, field, message
        super().__init__(f"{file}: {field}{'' if message.startswith(' =') else ': '}{message}"
                         if field else f"{file}: {message}")


def _printable(text: str) -> str:
    """``text`` with control characters escaped, so an error message stays on one line."""
    return "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)


def value_error(file: str, field: str, value: Any, allowed: str) -> ScenarioError:
    """The error for a ``field`` whose ``value`` is not allowed (shared with sweep files)."""
    return ScenarioError(file, field, f" = {_show(value)}: {allowed}")


def _show(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def replicate_seed(seed: int, replicate: int) -> int:
    """The seed of replicate ``replicate`` (shared by every arm), derived from the scenario seed.

    >>> replicate_seed(0, 0) == replicate_seed(0, 0) != replicate_seed(0, 1)
    True
    """
    state = np.random.SeedSequence(seed, spawn_key=(replicate,)).generate_state(2, np.uint32)
    return int((int(state[0]) << 31) ^ int(state[1]))  # < 2**63: fits int64 columns


# --------------------------------------------------------------------------- the objects
@dataclass(frozen=True)
class Arm:
    """One arm: its name, its overrides (nested ``{section: {leaf: value}}``) and final parameters."""

    name: str
    description: str
    overrides: dict[str, dict[str, Any]]
    params: Params


@dataclass(frozen=True)
class Run:
    """One simulation to run: an arm at one replicate."""

    run_id: str
    arm: str
    replicate: int
    seed: int
    days: int
    params: Params


@dataclass(frozen=True)
class Scenario:
    """A validated scenario: settings, base overrides and arms with their final parameters."""

    name: str
    description: str
    question: str
    replicates: int
    days: int
    seed: int
    outcomes: tuple[str, ...]
    base: dict[str, dict[str, Any]]
    arms: tuple[Arm, ...]
    source: str

    def runs(self) -> list[Run]:
        """Every (arm, replicate), arm by arm; replicate ``r`` of every arm shares one seed."""
        out = []
        for arm in self.arms:
            for r in range(self.replicates):
                seed = replicate_seed(self.seed, r)
                key = json.dumps({"params": arm.params.flat(), "days": self.days, "seed": seed},
                                 sort_keys=True, default=str)
                digest = hashlib.sha256(key.encode()).hexdigest()[:10]
                out.append(Run(f"{arm.name}__r{r:04d}__{digest}", arm.name, r, seed, self.days, arm.params))
        return out

    def with_settings(self, *, where: str = "command line", **settings: Any) -> "Scenario":
        """A copy with ``replicates``, ``days`` or ``seed`` replaced (None = keep), validated.

        >>> s = parse_scenario('[arms.a]\\n', "x.toml")
        >>> s.with_settings(days=5, replicates=None).days
        5
        >>> s.with_settings(days=0)
        Traceback (most recent call last):
        ...
        sim.scenario.ScenarioError: command line: --days = 0: must be an integer in [1, 36500]
        """
        changes = {}
        for key, value in settings.items():
            if key not in LIMITS:
                raise TypeError(f"unknown setting {key!r}")
            if value is not None:
                changes[key] = check_integer(where, f"--{key}", value, *LIMITS[key])
        return dataclasses.replace(self, **changes)

    def with_overrides(self, overrides: dict[str, Any], *, where: str = "command line --set") -> "Scenario":
        """A copy with parameter ``overrides`` applied on top of every arm (and recorded in each).

        >>> s = parse_scenario('[arms.a]\\nseeding = "blast"\\n', "x.toml")
        >>> s.with_overrides({"n_persons": 500}).arms[0].params.population.n_persons
        500
        """
        if not overrides:
            return self
        arms = []
        for arm in self.arms:
            params = apply_overrides(arm.params, overrides, where, "", ".")
            merged = {sec: dict(leaves) for sec, leaves in arm.overrides.items()}
            for sec, leaves in _nested(overrides, params).items():
                merged.setdefault(sec, {}).update(leaves)
            arms.append(dataclasses.replace(arm, overrides=merged, params=params))
        return dataclasses.replace(self, arms=tuple(arms))

    # ------------------------------------------------------------------ output
    def document(self) -> dict[str, Any]:
        """The scenario as a plain TOML-ready mapping (settings, base, arms' overrides)."""
        return {
            "scenario": {"name": self.name, "description": self.description, "question": self.question,
                         "replicates": self.replicates, "days": self.days, "seed": self.seed,
                         "outcomes": list(self.outcomes)},
            "base": self.base,
            "arms": {a.name: ({"description": a.description} if a.description else {}) | a.overrides
                     for a in self.arms},
        }

    def resolved_toml(self, provenance: dict[str, Any] | None = None) -> str:
        """``scenario.resolved.toml``: the document plus every parameter of every arm.

        The result is itself a valid scenario file (``resolved`` and
        ``provenance`` are informational tables).
        """
        doc = self.document()
        doc["resolved"] = {a.name: a.params.to_dict() for a in self.arms}
        doc["provenance"] = {k: v for k, v in {"source": self.source, **(provenance or {})}.items()
                             if v is not None}
        header = (f"# Resolved scenario {self.name!r}: every parameter of every arm with its final value.\n"
                  "# Written by community-sim; rerun it with `community-sim run <this file>`.\n\n")
        return header + dumps_toml(doc)


# --------------------------------------------------------------------------- loading
def read_toml_text(path: str | Path, kind: str, error: type[ScenarioError] = ScenarioError) -> str:
    """The text of a TOML input file (a ``kind`` such as "scenario" or "sweep"), after the checks
    every input gets: exists, is a file, readable, not too large, not binary, UTF-8."""
    path = Path(path)
    file = str(path)
    if not path.exists():
        raise error(file, None, "file not found")
    if path.is_dir():
        raise error(file, None, f"is a folder, not a {kind} file")
    try:
        size = path.stat().st_size
        if size > MAX_FILE_BYTES:
            raise error(file, None, f"is {size} bytes; a {kind} file must be under {MAX_FILE_BYTES}")
        raw = path.read_bytes()
    except PermissionError:
        raise error(file, None, "cannot be read (permission denied)") from None
    except OSError as e:
        raise error(file, None, f"cannot be read ({e.strerror or e})") from None
    if b"\x00" in raw:
        raise error(file, None, f"is a binary file, not a TOML {kind}")
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as e:
        raise error(file, None, f"is not UTF-8 text (bad byte at offset {e.start}); "
                                f"a {kind} must be a TOML text file") from None


def parse_toml(text: str, file: str, empty_hint: str, error: type[ScenarioError] = ScenarioError) -> dict[str, Any]:
    """Parse TOML ``text``; syntax errors name the field where possible (duplicate tables, keys)."""
    if not text.strip():
        raise error(file, None, f"is empty: {empty_hint}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as e:
        err = _toml_error(file, text, str(e))
        raise error(err.file, err.field, err.message) from None


def load_scenario(path: str | Path) -> Scenario:
    """Read and validate a scenario file; raises :class:`ScenarioError` on any problem."""
    return parse_scenario(read_toml_text(path, "scenario"), str(path), base_dir=Path(path).parent)


def parse_scenario(text: str, file: str = "<scenario>", *, base_dir: str | Path = ".") -> Scenario:
    """Validate scenario TOML ``text`` (``file`` is used in messages; relative paths resolve in ``base_dir``)."""
    doc = parse_toml(text, file, "a scenario needs at least one [arms.NAME] table")
    return from_dict(doc, file, base_dir=base_dir)


def from_dict(doc: dict[str, Any], file: str = "<scenario>", *, base_dir: str | Path = ".") -> Scenario:
    """Validate an already parsed scenario mapping (see the module docstring for its shape)."""
    for key, value in doc.items():
        if key not in _TOP_KEYS:
            raise value_error(file, key, value, "unknown top-level key; allowed: "
                               + ", ".join(f"[{k}]" for k in _TOP_KEYS[:3]) + did_you_mean(key, _TOP_KEYS))
        if not isinstance(value, dict):
            raise value_error(file, key, value, f"must be a table ([{key}])")

    settings = doc.get("scenario", {})
    check_keys(file, "scenario", settings, _SCENARIO_KEYS)
    text = {}
    for key in _TEXT_KEYS:
        value = settings.get(key, Path(file).stem if key == "name" else "")
        if not isinstance(value, str) or len(value) > 10_000 or (key == "name" and not value.strip()):
            raise value_error(file, f"scenario.{key}", value, "must be a " + ("non-empty " if key == "name" else "")
                               + "string of at most 10000 characters")
        text[key] = value
    numbers = {k: check_integer(file, f"scenario.{k}", settings.get(k, _DEFAULTS[k]), *LIMITS[k]) for k in LIMITS}
    outcomes = _outcomes(file, settings.get("outcomes", list(OUTCOMES)))

    base_raw = doc.get("base", {})
    base_params = apply_overrides(Params(), base_raw, file, "base", base_dir)
    base = _nested(base_raw, base_params)

    arms_raw = doc.get("arms")
    if not arms_raw:
        raise ScenarioError(file, "arms", "missing: a scenario needs at least one arm, e.g. [arms.core] "
                                          'with seeding = "core"')
    if len(arms_raw) > 100:
        raise ScenarioError(file, "arms", f"{len(arms_raw)} arms; at most 100 are allowed")
    arms = []
    for name, table in arms_raw.items():
        field = f"arms.{name}"
        if not ARM_NAME.match(name):
            raise value_error(file, field, name, "an arm name must be 1-64 letters, digits, '_' or '-' "
                                                  "and not start with '-'")
        if not isinstance(table, dict):
            raise value_error(file, field, table, f"must be a table of parameter overrides ([arms.{name}])")
        table = dict(table)
        description = table.pop("description", "")
        if not isinstance(description, str):
            raise value_error(file, f"{field}.description", description, "must be a string")
        params = apply_overrides(base_params, table, file, field, base_dir)
        arms.append(Arm(name, description, _nested(table, params), params))
    # [resolved] and [provenance] are informational (written by the runner) and not read back.
    return Scenario(name=text["name"], description=text["description"], question=text["question"],
                    outcomes=outcomes, base=base, arms=tuple(arms), source=file, **numbers)


# --------------------------------------------------------------------------- helpers
def check_keys(file: str, field: str, table: dict[str, Any], allowed: tuple[str, ...],
               error: type[ScenarioError] = ScenarioError) -> None:
    """Raise ``error`` for the first key of ``table`` not in ``allowed``: it, the allowed keys, the closest."""
    for key, value in table.items():
        if key not in allowed:
            e = value_error(file, f"{field}.{key}", value,
                            "unknown key; allowed: " + ", ".join(allowed) + did_you_mean(key, allowed))
            raise error(e.file, e.field, e.message)


def check_integer(file: str, field: str, value: Any, lo: int, hi: int) -> int:
    """``value`` as an int in ``[lo, hi]`` (a whole float is accepted), or a ScenarioError."""
    ok = isinstance(value, int) and not isinstance(value, bool) or (
        isinstance(value, float) and math.isfinite(value) and value.is_integer())
    if not ok or not lo <= value <= hi:
        raise value_error(file, field, value, f"must be an integer in [{lo}, {hi}]")
    return int(value)


def _outcomes(file: str, value: Any) -> tuple[str, ...]:
    field = "scenario.outcomes"
    allowed = ", ".join(OUTCOMES)
    if not isinstance(value, list) or not value:
        raise value_error(file, field, value, f"must be a non-empty list of outcome names from: {allowed}")
    for item in value:
        if not isinstance(item, str) or item not in OUTCOMES:
            hint = did_you_mean(item, list(OUTCOMES)) if isinstance(item, str) else ""
            raise value_error(file, field, item, f"unknown outcome{hint}; allowed: {allowed}")
    if len(set(value)) != len(value):
        dup = next(v for v in value if value.count(v) > 1)
        raise value_error(file, field, dup, "listed twice")
    return tuple(value)


def apply_overrides(start: Params, overrides: dict[str, Any], file: str, field: str, base_dir: str | Path) -> Params:
    """Apply ``overrides`` to ``start``; ParamErrors become ScenarioErrors naming the field."""
    try:
        params = start.with_overrides(overrides)
    except ParamError as e:
        raise value_error(file, f"{field}.{e.path}" if field else e.path, e.value, e.allowed) from None
    net = params.network
    if net.edgelist_path:
        path = Path(net.edgelist_path)
        path = path if path.is_absolute() else (Path(base_dir) / path).resolve()
        params = params.with_overrides({"network.edgelist_path": str(path)})
    if net.graph == "edgelist":
        if not net.edgelist_path:
            raise value_error(file, f"{field}.network.edgelist_path".lstrip("."), "",
                               'must name a CSV edge list when network.graph = "edgelist"')
        try:
            read_edgelist(params.network.edgelist_path)
        except EdgeListError as e:
            raise ScenarioError(file, f"{field}.network.edgelist_path".lstrip("."), str(e)) from None
    return params


def _nested(overrides: dict[str, Any], params: Params) -> dict[str, dict[str, Any]]:
    """Overrides in canonical nested form ``{section: {leaf: final value}}`` (already validated)."""
    out: dict[str, dict[str, Any]] = {}
    for key, value in overrides.items():
        for sec, leaf, _ in resolve_key(str(key), value, None):
            final = getattr(getattr(params, sec), leaf)
            out.setdefault(sec, {})[leaf] = list(final) if isinstance(final, tuple) else final
    return out


_DUP_TABLE = re.compile(r"Cannot declare \((.*)\) twice")


def _toml_error(file: str, text: str, message: str) -> ScenarioError:
    """Turn a tomllib message into one naming the field where possible."""
    m = _DUP_TABLE.search(message)
    if m:
        parts = re.findall(r"'((?:[^'\\]|\\.)*)'", m.group(1))
        field = ".".join(parts)
        what = "duplicate arm name" if len(parts) == 2 and parts[0] == "arms" else "table declared twice"
        return ScenarioError(file, field, f"{what}: [{field}] appears more than once")
    if "Cannot overwrite a value" in message:
        dup = _duplicate_key(text)
        if dup:
            return ScenarioError(file, dup[0], f"set twice (lines {dup[1]} and {dup[2]}); each key may appear once")
    return ScenarioError(file, None, f"is not valid TOML: {message}")


def _duplicate_key(text: str) -> tuple[str, int, int] | None:
    """Best effort: the first key assigned twice within one table (for a clearer message)."""
    table, seen = "", {}
    for lineno, line in enumerate(text.splitlines(), start=1):
        stripped = line.strip()
        if stripped.startswith("["):
            table = stripped.strip("[] ")
            continue
        m = re.match(r"^([A-Za-z0-9_.\-\"' ]+?)\s*=", stripped)
        if m:
            key = (table + "." if table else "") + m.group(1).replace('"', "").replace("'", "").replace(" ", "")
            if key in seen:
                return key, seen[key], lineno
            seen[key] = lineno
    return None


# --------------------------------------------------------------------------- TOML writing
_BARE = re.compile(r"^[A-Za-z0-9_-]+$")


def _key(k: str) -> str:
    return k if _BARE.fullmatch(k) else _string(k)


def _string(s: str) -> str:
    escapes = {'"': '\\"', "\\": "\\\\", "\n": "\\n", "\t": "\\t", "\r": "\\r"}
    return '"' + "".join(escapes.get(c) or (f"\\u{ord(c):04x}" if ord(c) < 0x20 or ord(c) == 0x7F else c)
                         for c in s) + '"'


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return _string(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"cannot write {type(v).__name__} to TOML")


def dumps_toml(doc: dict[str, Any]) -> str:
    """Write a nested mapping of str/int/float/bool/lists as TOML (tables after plain keys).

    >>> tomllib.loads(dumps_toml({"a": 1, "t": {"s": "x\\ny", "u": {"f": 0.5}}}))
    {'a': 1, 't': {'s': 'x\\ny', 'u': {'f': 0.5}}}
    """
    lines: list[str] = []

    def table(prefix: list[str], d: dict[str, Any]) -> None:
        plain = {k: v for k, v in d.items() if not isinstance(v, dict)}
        subs = {k: v for k, v in d.items() if isinstance(v, dict)}
        if prefix and (plain or not subs):
            lines.append(("\n" if lines else "") + "[" + ".".join(_key(p) for p in prefix) + "]")
        lines.extend(f"{_key(k)} = {_value(v)}" for k, v in plain.items())
        for k, v in subs.items():
            table(prefix + [k], v)

    table([], doc)
    return "\n".join(lines) + "\n"
