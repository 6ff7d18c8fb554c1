"""Information curves from anywhere: a :class:`~mdmtheory.joint.Joint`, an array, or a file.

Users estimate ``Z_1..Z_n`` for a real model elsewhere and bring it here as ``.npy``, a
``.json`` list (or the JSON of ``mdmtheory info``), or a ``.csv`` column.  Every curve is
validated: finite, ``Z_1 = 0`` and nondecreasing, both within a tolerance, and the worst
violation is named in the error.

References
----------
.. [1] Chen, Cong, Li, "Optimal inference schedules for masked diffusion models",
   COLT 2026, arXiv:2511.04647, Section 3 (the information curve).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import numpy as np

from .errors import InputError
from .information import information_curve
from .joint import Joint

__all__ = ["as_curve", "validate_curve", "load_curve"]


def validate_curve(z, tol: float = 1e-9) -> np.ndarray:
    """Check that ``z`` is an information curve and return it cleaned.

    Parameters
    ----------
    z : array_like
        ``Z_1..Z_n`` (any unit).
    tol : float
        Allowed violation, relative to ``max(1, max |Z|)``: ``|Z_1| <= tol`` and
        ``Z_{j+1} >= Z_j - tol``.

    Returns
    -------
    numpy.ndarray
        The curve with ``Z_1`` set to 0 and each value raised to the running maximum (a change
        of at most ``tol``), so that the Monge property the optimiser relies on holds exactly.

    Raises
    ------
    InputError
        If ``z`` is empty, not 1-D, not finite, ``Z_1`` is not 0, or ``Z`` decreases by more
        than ``tol`` (the message gives the worst position and size).

    Notes
    -----
    ``Z_1 = 0`` and ``Z_j <= Z_{j+1}`` hold for every distribution (Han's inequality); a
    curve violating them did not come from a distribution.  ``O(n)``.

    Examples
    --------
    >>> validate_curve([0.0, 0.5, 1.0]).tolist()
    [0.0, 0.5, 1.0]
    >>> validate_curve([0.0, 0.5, 0.4])
    Traceback (most recent call last):
    ...
    mdmtheory.errors.InputError: the information curve must be nondecreasing: worst decrease 0.1 from Z_2 to Z_3 (tolerance 1e-09)
    """
    try:
        arr = np.asarray(z, dtype=float)
    except (TypeError, ValueError):
        raise InputError("an information curve is a list of numbers Z_1..Z_n") from None
    if arr.ndim != 1 or arr.size == 0:
        raise InputError(f"an information curve is a non-empty 1-D list Z_1..Z_n; got shape {arr.shape}")
    bad = np.flatnonzero(~np.isfinite(arr))
    if bad.size:
        raise InputError(f"the information curve must be finite; Z_{bad[0] + 1} = {arr[bad[0]]}")
    scale = max(1.0, float(np.max(np.abs(arr))))
    if abs(arr[0]) > tol * scale:
        raise InputError(f"an information curve starts at Z_1 = 0 (nothing revealed, no information); got Z_1 = {arr[0]:.6g}")
    if arr.size > 1:
        drops = arr[:-1] - arr[1:]
        j = int(np.argmax(drops))
        if drops[j] > tol * scale:
            raise InputError(
                f"the information curve must be nondecreasing: worst decrease {drops[j]:.6g} "
                f"from Z_{j + 1} to Z_{j + 2} (tolerance {tol:g})"
            )
    out = arr.copy()
    out[0] = 0.0
    return np.maximum.accumulate(out)


def load_curve(path: str | os.PathLike, tol: float = 1e-9) -> np.ndarray:
    """Read and validate ``Z_1..Z_n`` from ``.npy``, ``.json`` or ``.csv``.

    ``.json`` holds a list, or an object with an ``"information_curve"`` list (the output of
    ``mdmtheory info --json``); ``.csv`` holds one column, with an optional header line.

    Raises
    ------
    InputError
        For an unknown extension, a malformed file, or an invalid curve.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "z.json")
    >>> with open(path, "w") as f:
    ...     _ = f.write("[0, 0.1, 0.25, 0.25]")
    >>> load_curve(path).tolist()
    [0.0, 0.1, 0.25, 0.25]
    """
    p = Path(path)
    ext = p.suffix.lower()
    if ext == ".npy":
        try:
            data = np.load(p, allow_pickle=False)
        except ValueError as exc:
            raise InputError(f"{p}: not a numeric .npy array ({exc})") from None
        data = np.asarray(data)
        if data.ndim != 1:
            raise InputError(f"{p}: a curve file holds a 1-D array Z_1..Z_n; got shape {data.shape}")
    elif ext == ".json":
        try:
            data = json.loads(p.read_text())
        except json.JSONDecodeError as exc:
            raise InputError(f"{p}: invalid JSON ({exc.msg} at line {exc.lineno})") from None
        if isinstance(data, dict):
            if "information_curve" not in data:
                raise InputError(f"{p}: a JSON curve is a list, or an object with an \"information_curve\" list")
            data = data["information_curve"]
        if not isinstance(data, list) or not all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in data):
            raise InputError(f"{p}: a JSON curve is a flat list of numbers Z_1..Z_n")
    elif ext == ".csv":
        rows = [r for r in csv.reader(p.read_text().splitlines()) if any(c.strip() for c in r)]
        if rows and len({len(r) for r in rows}) == 1 and len(rows[0]) != 1:
            raise InputError(f"{p}: a CSV curve is one column Z_1..Z_n; got {len(rows[0])} columns")
        vals = []
        for i, r in enumerate(rows):
            try:
                vals.append(float(r[0]))
            except (ValueError, IndexError):
                if i == 0:
                    continue  # a header line
                raise InputError(f"{p}: line {i + 1} is not a number: {','.join(r)!r}") from None
        data = vals
    else:
        raise InputError(f"{p}: a curve file is .npy, .json or .csv; got {ext or 'no extension'!r}")
    try:
        return validate_curve(data, tol)
    except InputError as exc:
        raise InputError(f"{p}: {exc}") from None


def as_curve(curve_or_joint, base: float | None = None, tol: float = 1e-9) -> np.ndarray:
    """The information curve of a :class:`Joint` (in ``base``), or a validated array or file.

    A ``str`` or path is read with :func:`load_curve`; an array is checked with
    :func:`validate_curve` (its unit is kept, ``base`` is ignored).

    Examples
    --------
    >>> from mdmtheory import copy
    >>> as_curve(copy(3, 2), base=2).tolist()
    [0.0, 1.0, 1.0]
    """
    if isinstance(curve_or_joint, Joint):
        return validate_curve(information_curve(curve_or_joint, base), tol=1e-7)
    if isinstance(curve_or_joint, (str, os.PathLike)):
        return load_curve(curve_or_joint, tol)
    return validate_curve(curve_or_joint, tol)
