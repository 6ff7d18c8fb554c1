"""The checks of a sweep's inputs, done before any work (:mod:`mdmtheory.sweeps`).

* the spec's types: sections, keys and values (a boolean is a TOML boolean, a path a string, a
  label a text or a finite number), :func:`check_spec`;
* sizes: the points of a grid are counted before it is expanded (:data:`MAX_POINTS`), worker
  counts are bounded by the points and the cores (:func:`worker_count`);
* a Dask scheduler address (scheme, host, port) before connecting, :func:`check_scheduler_address`;
* tables and journal rows before reuse: a table has a header and rows of its length
  (:func:`read_csv_rows`), a row's inputs equal its point's, its ``digest`` equals the digest of its
  cells (:func:`row_digest`, :func:`row_problem`), each journal line is one JSON row
  (:func:`read_journal`).

The digest is a checksum against damage and edits by mistake (a truncated copy, a hand-edited
number), not a signature: whoever can write the journal can write a matching digest.
"""

from __future__ import annotations

import csv
import hashlib
import inspect
import io
import ipaddress
import json
import math
import os
from pathlib import Path
from typing import Any, Mapping, Sequence

from .errors import InputError, check_memory

__all__ = [
    "MAX_POINTS", "MAX_WORKERS", "SCHEDULER_SCHEMES", "check_spec", "grid_size", "worker_count",
    "check_scheduler_address", "cell_text", "parse_cell", "row_digest", "row_problem", "read_csv_rows",
    "read_journal", "TEXT_COLUMNS",
]

#: The most points one sweep may have (a grid is counted before it is expanded).
MAX_POINTS = 100_000
#: The most worker processes a sweep may ask for (``jobs``, ``dask_local``); more is refused, and
#: a count above the points or the cores is lowered to them.
MAX_WORKERS = 1024
#: Address schemes of a Dask scheduler (``distributed.comm``).
SCHEDULER_SCHEMES = ("tcp", "tls", "inproc", "ucx", "ws", "wss")
#: Columns that hold text whatever they look like (a label ``"007"`` stays ``"007"``).
TEXT_COLUMNS = ("model", "kind", "sampler", "mode", "unit", "version", "error", "key", "digest", "not_estimated",
                "estimator")

_MODEL_KINDS = {  # key -> (its type(s), how to write it)
    "graph": (str, 'graph = "cycle:16"'),
    "hmm": (str, 'hmm = "block:8,4"'),
    "table": (str, 'table = "tables/t.npy"'),
    "family": (str, 'family = "ising_chain"'),
}
_WALK_TYPES = {"weighted": (bool, "weighted = true or weighted = false (a TOML boolean, no quotes)"),
               "lazy": ((int, float), "lazy = 0.5 (a number in [0, 1))")}


def _kind_name(v: Any) -> str:
    return {bool: "a boolean", str: "a string", int: "an integer", float: "a number", list: "a list",
            dict: "a table"}.get(type(v), type(v).__name__)


def _typed(where: str, key: str, value: Any, want, how: str) -> None:
    ok = isinstance(value, want) and not (isinstance(value, bool) and bool not in (want if isinstance(want, tuple) else (want,)))
    if not ok:
        raise InputError(f"{where}: {key} = {value!r} is {_kind_name(value)}; write {how}")


def _tables(spec: Mapping, name: str) -> list:
    value = spec.get(name, [])
    if isinstance(value, Mapping):
        raise InputError(f"[{name}] is a single table; write [[{name}]] (an array of tables, one per {name})")
    if not isinstance(value, list) or not all(isinstance(v, Mapping) for v in value):
        raise InputError(f"{name} = {value!r} is {_kind_name(value)}; a spec lists each {name} as a [[{name}]] table")
    return value


def _check_label(where: str, label: Any) -> None:
    if isinstance(label, bool) or not isinstance(label, (str, int, float)) or (isinstance(label, float) and not math.isfinite(label)):
        raise InputError(f"{where}: label = {label!r} is not a text; write label = \"...\" (a string)")


def _check_values(where: str, values: Mapping, family=None) -> None:
    """Values that must be booleans (walk ``weighted``, family arguments with a boolean default)."""
    bools = set()
    if family is not None:
        try:
            bools = {k for k, p in inspect.signature(family).parameters.items() if isinstance(p.default, bool)}
        except (TypeError, ValueError):
            bools = set()
    for k, v in values.items():
        if k in bools:
            _typed(where, k, v, bool, f"{k} = true or {k} = false (a TOML boolean, no quotes)")


def check_spec(spec: Any, families: Mapping[str, Any] | None = None) -> tuple[dict, list, list]:
    """Check the types of a spec's sections and values; returns ``([sweep], [[model]]s, [[sampler]]s)``.

    Raises
    ------
    InputError
        A section of the wrong type (``[model]`` for ``[[model]]``, ``model = "x"``), a value of
        the wrong type (``weighted = "false"``, ``table = 5``, ``params = [1, 2]``,
        ``label = nan``), naming the key and how to write it.
    """
    if not isinstance(spec, Mapping):
        raise InputError("a sweep spec is a table with [sweep], [[model]] and [[sampler]] sections")
    head = spec.get("sweep", {})
    if not isinstance(head, Mapping):
        raise InputError(f"sweep = {head!r} is {_kind_name(head)}; write a [sweep] table (base = 2, mode = ...)")
    models, samplers = _tables(spec, "model"), _tables(spec, "sampler")
    for i, model in enumerate(models, 1):
        where = f"[[model]] {i}"
        grid = model.get("grid", {})
        if not isinstance(grid, Mapping):
            raise InputError(f"{where}: grid = {grid!r} is {_kind_name(grid)}; write grid = {{ J = [0.4, 0.8] }}")
        values = {**{k: v for k, v in model.items() if k != "grid"}}
        for key, (want, how) in _MODEL_KINDS.items():
            if key in values:
                _typed(where, key, values[key], want, how)
        if "label" in values:
            _check_label(where, values["label"])
        for key, vals in grid.items():
            if key == "label" and isinstance(vals, list):
                for v in vals:
                    _check_label(where, v)
        if "graph" in values:
            for key, (want, how) in _WALK_TYPES.items():
                for v in [values[key]] if key in values else grid.get(key, []) if isinstance(grid.get(key), list) else []:
                    _typed(where, key, v, want, how)
        if "family" in values and families is not None and values["family"] in families:
            family = families[values["family"]]
            _check_values(where, values, family)
            for key, vals in grid.items():
                for v in vals if isinstance(vals, list) else []:
                    _check_values(where, {key: v}, family)
    for i, s in enumerate(samplers, 1):
        where = f"[[sampler]] {i}"
        if "name" in s:
            _typed(where, "name", s["name"], str, 'name = "entropy"')
        for key, how in (("params", "params = { steps = 4 }"), ("grid", 'grid = { steps = "1..n" }')):
            if key in s and not isinstance(s[key], Mapping):
                raise InputError(f"{where}: {key} = {s[key]!r} is {_kind_name(s[key])}; write {how}")
    return dict(head), models, samplers


# ----------------------------------------------------------------------------------------------
# sizes


def parse_range(key: str, value: str, n: int | None) -> range:
    """A range ``"a..b"`` (``b`` may be ``n``, the model's length) as a :class:`range`, never empty.

    Examples
    --------
    >>> parse_range("steps", "2..n", 5)
    range(2, 6)
    >>> len(parse_range("steps", "1..1000000000", None))  # counted, not built
    1000000000
    """
    lo, _, hi = value.partition("..")
    try:
        a = int(lo)
        b = n if hi.strip() == "n" else int(hi)
    except ValueError:
        raise InputError(f"grid {key} = {value!r}: a range is 'a..b' with integers (b may be n)") from None
    if b is None:
        raise InputError(f"grid {key} = {value!r}: 'n' is only known for a model, not here")
    if b < a:
        raise InputError(f"grid {key} = {value!r} is empty ({a} > {b}); write 'a..b' with a <= b")
    return range(a, b + 1)


def grid_size(counts: Sequence[int], what: str, already: int = 0) -> int:
    """The product of the axis lengths, refused above :data:`MAX_POINTS` (with ``already`` points).

    Examples
    --------
    >>> grid_size([3, 4], "the grid")
    12
    """
    total = 1
    for c in counts:
        total *= c
    if already + total > MAX_POINTS:
        raise InputError(f"{what} has {already + total:,} points, more than the limit {MAX_POINTS:,} of one sweep; "
                         "use a coarser grid or split the sweep into several specs")
    return total


def worker_count(requested: int, points: int, flag: str) -> tuple[int, str | None]:
    """``requested`` workers bounded by the points and the cores; returns ``(count, note)``.

    Raises
    ------
    InputError
        ``requested`` is not an integer in ``1..MAX_WORKERS``.

    Examples
    --------
    >>> worker_count(64, 3, "--jobs")[0] <= 3
    True
    """
    if isinstance(requested, bool) or not isinstance(requested, int) or requested < 1:
        raise InputError(f"{flag} must be a positive integer; got {requested!r}")
    if requested > MAX_WORKERS:
        raise InputError(f"{flag} {requested} is more than {MAX_WORKERS} worker processes; "
                         f"give at most the number of cores ({os.cpu_count() or 1} here)")
    cores = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else (os.cpu_count() or 1)
    count = max(1, min(requested, points, cores))
    if count == requested:
        return count, None
    return count, (f"{flag} {requested} lowered to {count} worker(s): "
                   f"{points} point(s) to compute on {cores} core(s)")


def check_scheduler_address(address: Any) -> str:
    """A Dask scheduler address ``scheme://host:port`` (``tcp``, ``tls``, ``ws``, ...; a bare
    ``host:port`` is ``tcp``) or ``inproc://NAME``, checked before connecting.

    Examples
    --------
    >>> check_scheduler_address("127.0.0.1:8786")
    'tcp://127.0.0.1:8786'
    >>> check_scheduler_address("http://127.0.0.1:1")
    Traceback (most recent call last):
    ...
    mdmtheory.errors.InputError: --scheduler 'http://127.0.0.1:1': 'http' is not a Dask address scheme (tcp, tls, inproc, ucx, ws, wss); give one like tcp://127.0.0.1:8786
    """
    if not isinstance(address, str) or not address.strip():
        raise InputError(f"--scheduler {address!r} is not an address; give one like tcp://127.0.0.1:8786")
    fix = "give one like tcp://127.0.0.1:8786"
    text = address.strip()
    scheme, sep, rest = text.partition("://")
    if not sep:
        scheme, rest = "tcp", text
    scheme = scheme.lower()
    if scheme not in SCHEDULER_SCHEMES:
        raise InputError(f"--scheduler {address!r}: {scheme!r} is not a Dask address scheme "
                         f"({', '.join(SCHEDULER_SCHEMES)}); {fix}")
    if scheme == "inproc":
        if not rest or any(c.isspace() for c in rest):
            raise InputError(f"--scheduler {address!r}: an inproc address names a scheduler in this process; {fix}")
        return f"inproc://{rest}"
    host, port = rest, ""
    if rest.startswith("["):  # [IPv6]:port
        host, _, after = rest[1:].partition("]")
        port = after[1:] if after.startswith(":") else after
    elif ":" in rest:
        host, _, port = rest.rpartition(":")
    bad_host = not host or any(c in host for c in "/?#@ []\t") or len(host) > 253
    if not bad_host and not any(ch.isalpha() for ch in host):
        try:
            ipaddress.ip_address(host)
        except ValueError:
            bad_host = True
    if bad_host:
        raise InputError(f"--scheduler {address!r}: no valid host; {fix}")
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise InputError(f"--scheduler {address!r}: the port must be a number in 1..65535; {fix}")
    host = f"[{host}]" if ":" in host else host
    return f"{scheme}://{host}:{int(port)}"


# ----------------------------------------------------------------------------------------------
# cells, rows, tables and journals


def cell_text(v: Any) -> str:
    """A cell as the CSV table writes it (``None`` is empty; floats round-trip by ``repr``).

    Examples
    --------
    >>> [cell_text(v) for v in (None, 0.1, float("inf"), 7, "007")]
    ['', '0.1', 'inf', '7', '007']
    """
    if v is None:
        return ""
    if isinstance(v, float):
        return "inf" if v == math.inf else "-inf" if v == -math.inf else "nan" if v != v else repr(v)
    return str(v)


def parse_cell(text: str) -> Any:
    """A CSV cell read back: empty is ``None``, then an int, a float, or the text."""
    if text == "":
        return None
    for conv in (int, float):
        try:
            return conv(text)
        except (ValueError, OverflowError):
            continue
    return text


def _norm(v: Any) -> str:
    """The cell as it reads back from any table (CSV or Parquet): ``"007"`` and ``7`` agree."""
    return cell_text(parse_cell(cell_text(v)))


def row_digest(row: Mapping) -> str:
    """A digest of every non-empty cell of a row but ``point`` (its place), ``seconds`` (the
    executor's timing, not a result) and ``digest``."""
    cells = sorted((str(k), _norm(v)) for k, v in row.items() if k not in ("point", "seconds", "digest") and v is not None
                   and cell_text(v) != "")
    return hashlib.sha256(json.dumps(cells, separators=(",", ":")).encode()).hexdigest()[:16]


def row_problem(row: Any, expected: Mapping) -> str | None:
    """Why a stored row cannot be reused for the point whose input columns are ``expected``
    (``None``: it can).  Checks the type, the key, every input column, the digest."""
    if not isinstance(row, Mapping):
        return f"expected a row (a JSON object), got {_kind_name(row)} {str(row)[:40]!r}"
    if row.get("key") != expected["key"]:
        return f"key {row.get('key')!r} is not the point's key {expected['key']!r}"
    for k, want in expected.items():
        if _norm(row.get(k)) != _norm(want):
            return f"{k} is {row.get(k)!r}, expected {want!r} from the spec"
    for k, v in row.items():
        if isinstance(k, str) and k.startswith(("model.", "sampler.")) and k not in expected and v is not None:
            return f"{k} = {v!r} is not an input of this point"
    if not isinstance(row.get("digest"), str):
        return "no digest (a row this version of mdmtheory did not write whole)"
    if row["digest"] != row_digest(row):
        return "its cells do not match its digest (the row was edited or damaged)"
    return None


def read_journal(path: Path, max_memory: float | None = None) -> tuple[list[tuple[int, dict]], list[str]]:
    """The rows of a journal with their line numbers, and what was wrong with the other lines."""
    if not path.is_file():
        return [], []
    check_memory(8.0 * path.stat().st_size, f"reading the journal {str(path)!r}", max_memory)
    rows, problems = [], []
    with open(path, "rb") as fh:
        for number, raw in enumerate(fh, 1):
            if not raw.strip():
                continue
            try:
                row = json.loads(raw.decode("utf-8"))
            except (UnicodeDecodeError, ValueError, RecursionError):
                problems.append(f"line {number}: expected one JSON row, got {raw[:30]!r} (damaged or cut short)")
                continue
            if not isinstance(row, dict):
                problems.append(f"line {number}: expected a row (a JSON object), got {_kind_name(row)} {str(row)[:30]!r}")
                continue
            rows.append((number, row))
    return rows, problems


def read_csv_rows(path: str, text_columns: Sequence[str] = TEXT_COLUMNS) -> list[dict]:
    """The rows of a CSV table: a header of distinct names, then rows of its length (numbers
    parsed, ``text_columns`` kept as text).

    Raises
    ------
    InputError
        Not UTF-8, NUL bytes, no header, a repeated or empty column name, a row longer or shorter
        than the header, or a malformed quote; naming the line.
    """
    fix = "give a table written by mdmtheory sweep"
    try:
        with open(path, "rb") as fh:
            data = fh.read()
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path!r} is not a UTF-8 CSV table ({exc.reason} at byte {exc.start}); {fix}") from None
    if "\x00" in text:
        raise InputError(f"{path!r} contains NUL bytes, so it is not a text CSV table; {fix}")
    try:
        records = list(csv.reader(io.StringIO(text, newline=""), strict=True))
    except csv.Error as exc:
        raise InputError(f"{path!r} is not a well-formed CSV table ({exc}); {fix}") from None
    if not records or not any(c.strip() for c in records[0]):
        raise InputError(f"{path!r} is empty: no header row; {fix}")
    header = records[0]
    dupes = sorted({c for c in header if header.count(c) > 1})
    if dupes or any(not c.strip() for c in header):
        raise InputError(f"{path!r}: the header has {'repeated column(s) ' + ', '.join(map(repr, dupes)) if dupes else 'an empty column name'}; {fix}")
    rows = []
    for number, rec in enumerate(records[1:], 2):
        if not rec:
            continue
        if len(rec) != len(header):
            raise InputError(f"{path!r} line {number}: {len(rec)} field(s), the header has {len(header)}; {fix}")
        rows.append({k: (v if k in text_columns and v != "" else parse_cell(v)) for k, v in zip(header, rec)})
    return rows
