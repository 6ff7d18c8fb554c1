"""A neural network as the oracle: :class:`TorchOracle` wraps a PyTorch masked language model.

A masked diffusion model is a function from a batch of partly masked token sequences to logits.
:class:`TorchOracle` puts it behind the oracle protocol (:mod:`mdmtheory.oracles`): the toolkit's
token ``v`` of position ``i`` is the model's token id ``vocab[v]`` at input position ``P + i``
(after a fixed ``prompt`` of ``P`` ids), a masked position is fed as ``mask_id``, and the row of a
masked position is the softmax of the logits restricted to ``vocab`` (computed in float64):

    p_i(v | x_R) = exp(l_{P+i}(vocab[v])) / sum_w exp(l_{P+i}(vocab[w])).

This module imports torch; ``import mdmtheory`` and ``import mdmtheory.models`` do not
(``mdmtheory.models.TorchOracle`` loads it on first use).  Install it with
``pip install mdmtheory[torch]`` (and ``[hf]`` for :meth:`TorchOracle.from_pretrained`).

:data:`BUILTIN_MODELS` is the registry of named built-in checkpoints the ``--model torch:NAME``
spec accepts besides a path (a name maps to a loader ``f(**options) -> TorchOracle``).
"""

from __future__ import annotations

import os
import warnings
from typing import Callable

import numpy as np
import torch

from ._numeric import check_int
from .errors import InputError
from .oracles import check_batch_values, check_oracle_values

__all__ = ["TorchOracle", "BUILTIN_MODELS", "register_builtin_model", "load_torch_model", "parse_torch_spec"]

#: Longest law (positions after the prompt) and largest token id a :class:`TorchOracle` accepts.
MAX_LENGTH = 1 << 20
MAX_ID = (1 << 62) - 1

#: Named built-in models of ``--model torch:NAME``: name -> loader ``f(**options) -> TorchOracle``
#: (``options`` the spec's ``key=value`` pairs other than the name).  Add one with
#: :func:`register_builtin_model`.
BUILTIN_MODELS: dict[str, Callable] = {}


def register_builtin_model(name: str, loader: Callable) -> None:
    """Register ``loader`` as the built-in model ``torch:NAME`` (``loader(**options)`` returns a
    :class:`TorchOracle`).

    Raises
    ------
    InputError
        A name that is not an identifier, or a loader that is not callable.
    """
    if not isinstance(name, str) or not name.isidentifier():
        raise InputError(f"a built-in model's name must be an identifier; got {name!r}")
    if not callable(loader):
        raise InputError(f"a built-in model's loader must be callable; got {type(loader).__name__}")
    BUILTIN_MODELS[name] = loader


def _check_device(device) -> torch.device:
    if not isinstance(device, (str, torch.device)):
        raise InputError(f"device must be 'cpu' or 'cuda' (or 'cuda:K'); got {device!r}")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError, ValueError):
        raise InputError(f"device must be 'cpu' or 'cuda' (or 'cuda:K'); got {device!r}") from None
    if dev.type not in ("cpu", "cuda"):
        raise InputError(f"device must be 'cpu' or 'cuda' (or 'cuda:K'); got {device!r}")
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError("device 'cuda' asked for but torch sees no CUDA GPU here; use device='cpu'")
    return dev


def _check_ids(ids, what: str) -> list[int]:
    try:
        arr = np.asarray(ids)
        ok = arr.ndim == 1 and (arr.dtype.kind in "iu" or arr.size == 0)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise InputError(f"{what} must be a list of integer token ids; got {ids!r:.60}")
    if np.any(arr < 0) or np.any(arr > MAX_ID):
        raise InputError(f"{what} has a token id {int(arr.min()) if np.any(arr < 0) else int(arr.max())} out of range; "
                         "token ids are 0..V-1")
    return [int(v) for v in arr.astype(np.int64)]


class TorchOracle:
    """A PyTorch masked language model as an oracle of the toolkit.

    Parameters
    ----------
    module : torch.nn.Module or callable
        Maps ``input_ids`` (a ``(B, P + n)`` int64 tensor) to logits ``(B, P + n, V)`` or to an
        object with ``.logits`` of that shape (a Hugging Face model output).  A
        ``torch.nn.Module`` is put in eval mode and moved to ``device`` (in place).
    mask_id : int
        The token id fed at masked positions (``0 <= mask_id < V``, not in ``vocab``).
    vocab : sequence of int, or n sequences of int, optional
        The token ids of the alphabet, in the toolkit's order (token ``v`` is id ``vocab[v]``);
        the rows are renormalised over them and ``q_i = len(vocab)``.  One list per position
        gives unequal alphabets (``q_i = len(vocab[i])``).  Default: all ``V`` ids (then
        ``mask_id`` is one of them: give ``vocab`` to leave it out).
    prompt : sequence of int, optional
        A fixed prefix of ``P`` token ids, not part of the law.
    batch_size : int, default 256
        Most assignments in one forward pass.
    device : str, default "cpu"
        ``"cpu"`` or ``"cuda"`` (where torch sees a GPU).
    n : int
        The length of the law (the number of positions after the prompt).

    Attributes
    ----------
    n : int
    q : tuple of int
        The alphabet sizes ``len(vocab[i])`` (or ``V``).
    calls : int
        Forward passes so far; ``assignments`` the assignments they answered.

    Raises
    ------
    InputError
        A missing or bad ``n``, ``mask_id``, ``vocab``, ``prompt``, ``batch_size`` or ``device``;
        ``mask_id`` inside ``vocab``; an id out of range ``0..V-1``; a module whose output
        (one probe pass on the all-masked input at construction) is not ``(1, P + n, V)`` finite
        logits.  The calls raise it on bad masks or values and on NaN or ``+inf`` logits, or a
        masked row whose logits are all ``-inf`` over ``vocab``.

    Notes
    -----
    One forward pass answers up to ``batch_size`` assignments (``torch.no_grad``); the softmax
    over ``vocab`` is taken in float64 after casting the logits up, so a float32 model's rows
    carry float32 rounding (relative ``~1e-7``).  Revealed rows are the protocol's point masses.
    Cost: ``ceil(B / batch_size)`` forward passes for ``B`` assignments, plus ``O(B n q)``.

    Examples
    --------
    >>> import torch
    >>> class Uniform(torch.nn.Module):
    ...     def forward(self, ids):
    ...         return torch.zeros(ids.shape + (5,))
    >>> o = TorchOracle(Uniform(), mask_id=4, vocab=[0, 1], n=2)
    >>> o.q, o.conditional_marginals(np.array([True, False]), np.array([1, -1])).tolist()
    ((2, 2), [[0.0, 1.0], [0.5, 0.5]])
    """

    kind = "torch"

    def __init__(self, module, mask_id, vocab=None, prompt=None, batch_size: int = 256, device="cpu", n=None,
                 name: str | None = None):
        if n is None:
            raise InputError("TorchOracle needs n, the length of the law (positions after the prompt): give n=...")
        self.n = check_int(n, "n (the length of the law)", lo=1, hi=MAX_LENGTH)
        if not callable(module):
            raise InputError(f"module must be a torch module (callable on input_ids); got {type(module).__name__}")
        self.mask_id = check_int(mask_id, "mask_id", lo=0, hi=MAX_ID)
        self.batch_size = check_int(batch_size, "batch_size", lo=1)
        self.device = _check_device(device)
        self.prompt = _check_ids([] if prompt is None else prompt, "prompt")
        self.name = name or type(module).__name__
        self.module = module
        if isinstance(module, torch.nn.Module):
            module.eval()
            try:
                module.to(self.device)
            except (RuntimeError, TypeError):  # a scripted module that cannot move
                pass
        self.calls = 0
        self.assignments = 0
        V = self._probe()
        self.V = V
        self.vocab = self._check_vocab(vocab, V)
        for what, ids in (("prompt", self.prompt), ("mask_id", [self.mask_id])):
            bad = [v for v in ids if v >= V]
            if bad:
                raise InputError(f"{what} has token id {bad[0]} but the model's vocabulary has V = {V} ids (0..{V - 1})")
        self.q = tuple(len(v) for v in self.vocab)
        qmax = max(self.q)
        table = np.zeros((self.n, qmax), dtype=np.int64)
        self._valid = np.zeros((self.n, qmax), dtype=bool)
        for i, ids in enumerate(self.vocab):
            table[i, : len(ids)] = ids
            self._valid[i, : len(ids)] = True
        self._all_valid = bool(self._valid.all())
        self._idtab = torch.from_numpy(table)
        self._cols = self._idtab.to(self.device)
        self._rows_ix = torch.arange(self.n)
        self._prompt = torch.tensor(self.prompt, dtype=torch.int64)

    def _check_vocab(self, vocab, V: int) -> list[list[int]]:
        """``n`` lists of token ids: one list for every position, or one list per position."""
        if vocab is None:
            return [list(range(V))] * self.n
        per = isinstance(vocab, (list, tuple)) and len(vocab) > 0 and all(isinstance(v, (list, tuple, np.ndarray)) for v in vocab)
        lists = [_check_ids(v, f"vocab of position {i}") for i, v in enumerate(vocab)] if per else [_check_ids(vocab, "vocab")]
        if per and len(lists) != self.n:
            raise InputError(f"vocab lists {len(lists)} alphabets but n = {self.n}; give one list, or one list per position")
        for ids in lists:
            if not ids:
                raise InputError("vocab must list at least one token id (per position)")
            if len(set(ids)) != len(ids):
                raise InputError(f"vocab lists token id {next(v for v in ids if ids.count(v) > 1)} twice; list each id once")
            bad = [v for v in ids if v >= V]
            if bad:
                raise InputError(f"vocab has token id {bad[0]} but the model's vocabulary has V = {V} ids (0..{V - 1})")
            if self.mask_id in ids:
                raise InputError(f"mask_id {self.mask_id} is in vocab; the alphabet must not contain the mask token: drop it "
                                 "from vocab")
        return lists if per else lists * self.n

    # ------------------------------------------------------------------ construction helpers
    @property
    def spec(self) -> str:
        return f"torch:{self.name}"

    def __repr__(self) -> str:
        return f"TorchOracle({self.name!r}, n={self.n}, q={list(self.q)}, prompt={len(self.prompt)}, device={str(self.device)!r})"

    def _forward(self, ids: torch.Tensor) -> torch.Tensor:
        """Logits ``(B, P + n, V)`` of one forward pass (validated shape)."""
        with torch.no_grad():
            try:
                out = self.module(ids.to(self.device))
            except InputError:
                raise
            except Exception as exc:  # the user's network: report, do not crash
                raise InputError(f"the model {self.name} raised {type(exc).__name__}: {exc}") from None
        logits = getattr(out, "logits", out)
        if isinstance(logits, (tuple, list)) and logits and isinstance(logits[0], torch.Tensor):
            logits = logits[0]
        if not isinstance(logits, torch.Tensor):
            raise InputError(f"the model {self.name} must return logits (a tensor or an object with .logits); got "
                             f"{type(out).__name__}")
        B, L = ids.shape
        if logits.ndim != 3 or logits.shape[0] != B or logits.shape[1] != L:
            raise InputError(f"the model {self.name} returned logits of shape {tuple(logits.shape)} for input_ids of "
                             f"shape ({B}, {L}); expected ({B}, {L}, V)")
        self.calls += 1
        self.assignments += B
        return logits

    def _probe(self) -> int:
        """One pass on the all-masked input: the vocabulary size ``V``, and the output checked."""
        L = len(self.prompt) + self.n
        ids = torch.full((1, L), self.mask_id, dtype=torch.int64)
        if self.prompt:
            ids[0, : len(self.prompt)] = torch.tensor(self.prompt, dtype=torch.int64)
        try:
            logits = self._forward(ids)
        except InputError as exc:  # an id >= V typically fails inside the embedding
            raise InputError(f"{exc} (on the all-masked input: are mask_id {self.mask_id} and the prompt's ids token ids of "
                             "the model, below its vocabulary size V?)") from None
        return int(logits.shape[2])

    # ------------------------------------------------------------------ the protocol
    def conditional_marginals(self, revealed_mask, values) -> np.ndarray:
        """The model's rows ``p_i(. | x_R)`` (revealed rows: point masses), one forward pass.

        Raises
        ------
        InputError
            Bad mask or values, or bad logits (NaN, ``+inf``, a row all ``-inf`` over ``vocab``).
        """
        mask, vals = check_oracle_values(revealed_mask, values, self.n, self.q)
        return self._rows(mask[None], vals[None])[0]

    def conditional_marginals_batch(self, revealed_masks, values) -> np.ndarray:
        """The batched call: ``(B, n, q)`` rows of ``B`` assignments, one forward pass per
        ``batch_size`` of them.

        Raises
        ------
        InputError
            Bad masks or values, or bad logits.
        """
        masks, vals = check_batch_values(revealed_masks, values, self.n, self.q)
        out = np.empty((masks.shape[0], self.n, max(self.q)))
        for lo in range(0, masks.shape[0], self.batch_size):
            hi = min(masks.shape[0], lo + self.batch_size)
            out[lo:hi] = self._rows(masks[lo:hi], vals[lo:hi])
        return out

    def input_ids(self, masks: np.ndarray, vals: np.ndarray) -> torch.Tensor:
        """The ``(B, P + n)`` int64 input of validated ``masks`` and ``vals``: the prompt, then
        ``vocab[v]`` at revealed positions and ``mask_id`` at masked ones."""
        B = masks.shape[0]
        body = torch.full((B, self.n), self.mask_id, dtype=torch.int64)
        m = torch.from_numpy(np.ascontiguousarray(masks))
        v = torch.from_numpy(np.where(masks, vals, 0).astype(np.int64))
        body = torch.where(m, self._idtab[self._rows_ix[None, :], v], body)
        if self.prompt:
            body = torch.cat([self._prompt.expand(B, -1), body], dim=1)
        return body

    def _rows(self, masks: np.ndarray, vals: np.ndarray) -> np.ndarray:
        logits = self._forward(self.input_ids(masks, vals))
        P = len(self.prompt)
        B = masks.shape[0]
        sel = logits[:, P:, :].gather(2, self._cols.expand(B, -1, -1)).to(torch.float64).cpu().numpy()
        free = ~masks
        if not self._all_valid:
            sel = np.where(self._valid[None], sel, -np.inf)
        finite = not self._all_valid or np.isfinite(sel).all()  # the usual case: every logit finite, no check to run
        if not finite:
            bad = free[:, :, None] & (np.isnan(sel) | (sel == np.inf))
            if np.any(bad):
                b, i, _ = (int(a[0]) for a in np.nonzero(bad))
                raise InputError(f"the model {self.name} returned a NaN or +inf logit at masked position {i} (row {b}); "
                                 "its logits must be finite (or -inf for probability 0)")
        top = np.max(sel, axis=2, keepdims=True)
        if not finite:
            dead = free & (top[:, :, 0] == -np.inf)
            if np.any(dead):
                b, i = (int(a[0]) for a in np.nonzero(dead))
                raise InputError(f"the model {self.name} gives every token of vocab logit -inf at masked position {i} "
                                 f"(row {b}); no row to normalise")
            top = np.where(np.isfinite(top), top, 0.0)
        with np.errstate(invalid="ignore"):
            e = np.exp(sel - top)
        e = np.where(free[:, :, None], e, 0.0)
        tot = e.sum(axis=2, keepdims=True)
        out = np.divide(e, tot, out=np.zeros_like(e), where=tot > 0)
        rb, ri = np.nonzero(masks)
        out[rb, ri, vals[rb, ri]] = 1.0
        return out

    # ------------------------------------------------------------------ loaders
    @classmethod
    def from_pretrained(cls, path, mask_id=None, vocab=None, prompt=None, batch_size: int = 256, device="cpu",
                        dtype=None, n=None, trust_remote_code: bool = False) -> "TorchOracle":
        """A Hugging Face masked LM saved on disk (``save_pretrained``) as an oracle.

        ``AutoModelForMaskedLM`` is tried first, then ``AutoModel``; nothing is downloaded
        (``local_files_only``).  ``trust_remote_code=True`` runs the modelling code saved in
        the folder (LLaDA's and Dream's checkpoints ship their own): only for a folder you trust.  ``mask_id``
        defaults to the tokenizer's mask token id (a tokenizer saved in ``path``), else the
        config's ``mask_token_id``.

        Parameters
        ----------
        path : str
            A folder with ``config.json`` and the weights.
        dtype : str or torch.dtype, optional
            The weights' dtype (``"float32"``, ``"bfloat16"``, ...); default: as saved.
        trust_remote_code : bool, default False
            Passed to transformers (Python only; the ``--model torch:`` spec never sets it).
        mask_id, vocab, prompt, batch_size, device, n
            As :class:`TorchOracle`.

        Raises
        ------
        InputError
            transformers not installed, no such folder or no ``config.json``, a model that does
            not load, no mask token id known (give ``mask_id``), or what :class:`TorchOracle`
            refuses.
        """
        try:
            import transformers  # start-up time: the [hf] extra loads only for a saved Hugging Face model
        except ImportError:
            raise InputError("loading a Hugging Face model needs transformers: pip install mdmtheory[hf]") from None
        path = os.fspath(path)
        if not os.path.isfile(os.path.join(path, "config.json")):
            raise InputError(f"{path!r} is not a Hugging Face model folder (no config.json); save one with "
                             "model.save_pretrained(path)")
        torch_dtype = None
        if dtype is not None:
            torch_dtype = getattr(torch, dtype, None) if isinstance(dtype, str) else dtype
            if not isinstance(torch_dtype, torch.dtype):
                raise InputError(f"dtype must be a torch dtype name such as 'float32' or 'bfloat16'; got {dtype!r}")
        if not isinstance(trust_remote_code, bool):
            raise InputError(f"trust_remote_code must be True or False; got {trust_remote_code!r}")
        kwargs = {"local_files_only": True, "trust_remote_code": trust_remote_code}
        if torch_dtype is not None:
            kwargs["torch_dtype"] = torch_dtype
        model = None
        errors = []
        for auto in (transformers.AutoModelForMaskedLM, transformers.AutoModel):
            try:
                model = auto.from_pretrained(path, **kwargs)
                break
            except (OSError, ValueError, KeyError) as exc:
                errors.append(f"{auto.__name__}: {exc}")
        if model is None:
            raise InputError(f"could not load the model in {path!r}: {'; '.join(errors)[:300]}")
        if mask_id is None:
            # only a tokenizer saved in the folder (transformers may build a default one from the config alone)
            if any(os.path.isfile(os.path.join(path, f)) for f in ("tokenizer_config.json", "tokenizer.json")):
                try:
                    tok = transformers.AutoTokenizer.from_pretrained(path, local_files_only=True,
                                                                     trust_remote_code=trust_remote_code)
                    mask_id = tok.mask_token_id
                except (OSError, ValueError, KeyError, TypeError, AttributeError):
                    mask_id = None
            if mask_id is None:
                mask_id = getattr(model.config, "mask_token_id", None)
            if mask_id is None:
                raise InputError(f"the model in {path!r} names no mask token (neither its tokenizer nor its config): "
                                 "give mask_id")
        return cls(model, mask_id, vocab=vocab, prompt=prompt, batch_size=batch_size, device=device, n=n,
                   name=os.path.basename(os.path.normpath(path)))

    @classmethod
    def from_torchscript(cls, path, mask_id, vocab=None, prompt=None, batch_size: int = 256, device="cpu",
                         n=None) -> "TorchOracle":
        """A TorchScript file (``torch.jit.save``) as an oracle (``torch.jit.load`` onto ``device``).

        Raises
        ------
        InputError
            No such file, a file that is not TorchScript, or what :class:`TorchOracle` refuses.
        """
        path = os.fspath(path)
        if not os.path.isfile(path):
            raise InputError(f"no TorchScript file {path!r}; save one with torch.jit.save(torch.jit.script(model), path)")
        dev = _check_device(device)
        try:
            with warnings.catch_warnings():  # torch 2.13 deprecates jit.load; an accepted input prints nothing
                warnings.simplefilter("ignore", DeprecationWarning)
                module = torch.jit.load(path, map_location=dev)
        except (RuntimeError, ValueError) as exc:
            raise InputError(f"{path!r} is not a TorchScript file torch.jit.load reads: {str(exc)[:200]}") from None
        return cls(module, mask_id, vocab=vocab, prompt=prompt, batch_size=batch_size, device=device, n=n,
                   name=os.path.basename(path))


# ---------------------------------------------------------------------- the --model torch: spec
#: Options of ``torch:PATH,key=value,...`` and how each is read.
SPEC_OPTIONS = ("mask_id", "vocab", "prompt", "batch_size", "device", "dtype")


def parse_torch_spec(text: str) -> tuple[str, dict]:
    """``(path or built-in name, options)`` of ``PATH[,mask_id=M,vocab=1:2:3,prompt=5:6,batch_size=B,
    device=D,dtype=T]`` (the text after ``torch:``); lists are ``:``-separated ids.

    Raises
    ------
    InputError
        An empty path, an unknown option, or a value that is not an integer (list).

    Examples
    --------
    >>> parse_torch_spec("m.pt,mask_id=4,vocab=0:1:2")
    ('m.pt', {'mask_id': 4, 'vocab': [0, 1, 2]})
    """
    if not isinstance(text, str):
        raise InputError(f"a torch model spec must be a string; got {type(text).__name__}")
    path, *items = text.split(",")
    path = path.strip()
    if not path:
        raise InputError("write --model torch:PATH[,mask_id=M,vocab=A:B:C,prompt=...,batch_size=B,device=cpu]")
    opts: dict = {}
    for item in items:
        key, sep, value = (s.strip() for s in item.partition("="))
        if not sep or key not in SPEC_OPTIONS:
            raise InputError(f"torch model option {item.strip()!r}: write key=value with key one of {', '.join(SPEC_OPTIONS)}")
        try:
            if key in ("vocab", "prompt"):
                opts[key] = [int(v) for v in value.split(":") if v.strip()] if value else []
            elif key in ("mask_id", "batch_size"):
                opts[key] = int(value)
            else:
                opts[key] = value
        except ValueError:
            raise InputError(f"torch model option {key}={value!r}: give an integer{' list A:B:C' if key in ('vocab', 'prompt') else ''}") from None
    return path, opts


def load_torch_model(path: str, n: int, **options) -> TorchOracle:
    """The oracle of ``torch:PATH``: a built-in model by name (:data:`BUILTIN_MODELS`), a Hugging
    Face folder (``config.json``) or a TorchScript file, of length ``n``.

    Raises
    ------
    InputError
        No such model, or what the loader refuses (a TorchScript file needs ``mask_id``).
    """
    options = dict(options)
    if path in BUILTIN_MODELS:
        return BUILTIN_MODELS[path](n=n, **options)
    if os.path.isdir(path):
        return TorchOracle.from_pretrained(path, n=n, **options)
    if os.path.isfile(path):
        if "dtype" in options:
            raise InputError("dtype applies to Hugging Face folders only; a TorchScript file keeps its own")
        if options.get("mask_id") is None:
            raise InputError(f"the TorchScript model {path!r} needs mask_id: write torch:{path},mask_id=M")
        return TorchOracle.from_torchscript(path, n=n, **options)
    names = f" (built-in: {', '.join(sorted(BUILTIN_MODELS))})" if BUILTIN_MODELS else ""
    raise InputError(f"torch model {path!r}: no such folder or file{names}; give a Hugging Face model folder (config.json) "
                     "or a TorchScript .pt file")


# ---------------------------------------------------------------------- the built-in tiny MDM
def tiny_model(n=None, prompt=None, batch_size: int = 256, device="cpu", path=None, **options) -> TorchOracle:
    """The tiny MDM shipped with mdmtheory (:mod:`mdmtheory.tiny_mdm`, trained on the block HMM
    ``block:2,2,0.8,0.1`` at ``n = 32``) as an oracle: the built-in model ``torch:tiny``
    (``mask_id = 4``, ``vocab = 0:1:2:3``).  With a ``prompt`` of ``P`` tokens the law is over the
    last ``32 - P`` positions.

    Raises
    ------
    InputError
        ``n + len(prompt)`` not 32, or an option other than ``prompt``, ``batch_size``, ``device``.

    Examples
    --------
    >>> o = tiny_model()
    >>> o.n, o.q[0], o.spec
    (32, 4, 'torch:tiny')
    """
    from .tiny_mdm import load_tiny_mdm  # start-up time: the tiny network loads only for torch:tiny

    net, meta = load_tiny_mdm(path)
    length, q = int(meta["config"]["n"]), int(meta["config"]["q"])
    extra = {k: v for k, v in options.items() if not (k == "mask_id" and v == q or k == "vocab" and list(v) == list(range(q)))}
    if extra:
        raise InputError(f"torch:tiny takes prompt, batch_size and device (its mask_id is {q}, its vocab 0..{q - 1}); "
                         f"got {', '.join(sorted(extra))}")
    P = len(prompt or [])
    if n is None:
        n = length - P
    if check_int(n, "n", lo=1) + P != length:
        raise InputError(f"the tiny model has {length} positions: the law's length n = {n} plus the prompt's {P} tokens "
                         f"must be {length} (its truth at full length is --hmm {meta['hmm']} --length {length})")
    return TorchOracle(net, q, vocab=list(range(q)), prompt=prompt, batch_size=batch_size, device=device, n=n,
                       name="tiny")


register_builtin_model("tiny", tiny_model)
