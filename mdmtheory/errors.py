"""The one exception type for bad user input.

Every check on user input raises :class:`InputError` with a message that names the
problem and the fix.  The command line turns it into exit code 2 and a single line
``mdmtheory: error: ...``.
"""

from __future__ import annotations

__all__ = ["InputError", "check_memory", "DEFAULT_MAX_MEMORY"]

#: Default ceiling (bytes) for any single computation's working memory.
DEFAULT_MAX_MEMORY = 4 * 2**30


class InputError(ValueError):
    """Invalid input: the message says what is wrong and how to fix it."""


class ImpossibleContext(InputError):
    """Revealed values of probability 0 under the law an oracle conditions on.

    The oracles (:class:`~mdmtheory.oracles.TableOracle`, :class:`~mdmtheory.hmm.HMM`,
    :class:`~mdmtheory.markov.ChainOracle`) raise it for such a context; the engines that run a model
    off the truth's support catch this error, and only it, and use the uniform law there (any
    other :class:`InputError` of a model, e.g. malformed rows, still stops them)."""


def _human(nbytes: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB", "TiB", "PiB"):
        if nbytes < 1024 or unit == "PiB":
            return f"{nbytes:.1f} {unit}"
        nbytes /= 1024
    raise AssertionError  # pragma: no cover


def check_memory(nbytes: float, what: str, max_memory: float | None = None) -> None:
    """Refuse, before allocating, a computation that would need more than ``max_memory``.

    Parameters
    ----------
    nbytes : float
        The estimated working memory in bytes.
    what : str
        What would be allocated (used in the message).
    max_memory : float, optional
        The ceiling in bytes (default :data:`DEFAULT_MAX_MEMORY`, 4 GiB).

    Raises
    ------
    InputError
        If ``nbytes > max_memory``, or ``max_memory`` is not a positive number of bytes.  An
        estimate too large for a float (or NaN) counts as more than any limit.
    """
    if max_memory is not None:
        try:
            ok = not isinstance(max_memory, (bool, str)) and float(max_memory) > 0  # NaN fails too
        except (TypeError, ValueError):
            ok = False
        if not ok:
            raise InputError(f"max_memory must be a positive number of bytes; got {max_memory!r}")
    limit = DEFAULT_MAX_MEMORY if max_memory is None else float(max_memory)
    try:
        nbytes = float(nbytes)
    except OverflowError:
        nbytes = float("inf")
    if nbytes != nbytes:
        nbytes = float("inf")
    if nbytes > limit:
        if nbytes == float("inf"):  # beyond any float: no limit to suggest
            raise InputError(f"{what} would need more memory than can be counted; use a smaller problem")
        raise InputError(
            f"{what} would need {_human(nbytes)} of memory, over the limit of {_human(limit)}; "
            f"use a smaller problem or raise the limit (max_memory= / --max-memory {int(nbytes) + 1})"
        )
