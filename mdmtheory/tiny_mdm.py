"""The tiny masked diffusion model shipped with mdmtheory: a small transformer trained on a
block HMM, so a real network's errors can be measured against a known truth.

:class:`TinyMDM` maps ``input_ids`` ``(B, n)`` (tokens ``0..q-1``, the mask token ``q``) to
logits ``(B, n, q + 1)``; :func:`train_tiny_mdm` trains it with the masked diffusion loss
(:func:`masked_diffusion_loss`) on fresh exact draws of the HMM; :func:`load_tiny_mdm` builds it
and loads the checkpoint shipped in ``mdmtheory/data/tiny_mdm.pt`` (``weights_only=True``; its
config, HMM spec, seed, steps and final loss in ``tiny_mdm.json``), and :mod:`mdmtheory.torch_oracle`
wraps it as the built-in model ``torch:tiny``.
``examples/models/train_tiny_mdm.py`` rewrites the checkpoint.

This module imports torch at its top; ``import mdmtheory`` never imports it (it is reached only
through the torch oracle).
"""

from __future__ import annotations

import json
import time
from pathlib import Path

import numpy as np
import torch
from torch import nn

from ._numeric import check_int
from .errors import InputError
from .hmm_families import parse_hmm

__all__ = ["TINY_HMM", "TINY_CONFIG", "TinyMDM", "masked_diffusion_loss", "train_tiny_mdm", "load_tiny_mdm",
           "CHECKPOINT", "METADATA"]

#: The law the shipped model is trained on: ``block_hmm(2, 2, 32, stay=0.8, eps=0.1)`` (``q = 4``,
#: ``n = 32``; two blocks of two states, a cycle inside a block, a jump with probability 0.2).
TINY_HMM = "block:2,2,0.8,0.1"

#: The network of the shipped model.
TINY_CONFIG = {"n": 32, "q": 4, "d_model": 64, "heads": 4, "layers": 2, "ff": 128}

#: The shipped checkpoint (a ``state_dict``) and its metadata (JSON).
CHECKPOINT = Path(__file__).parent / "data" / "tiny_mdm.pt"
METADATA = Path(__file__).parent / "data" / "tiny_mdm.json"


class TinyMDM(nn.Module):
    """A bidirectional transformer MDM: token and position embeddings, ``layers`` pre-norm
    encoder layers, a linear head to ``q + 1`` logits (the mask token's logit is never used).

    Parameters
    ----------
    n, q, d_model, heads, layers, ff : int
        Length, alphabet size (the mask token is id ``q``), width, attention heads, layers and
        feed-forward width.

    Examples
    --------
    >>> net = TinyMDM(n=4, q=2, d_model=8, heads=2, layers=1, ff=16)
    >>> tuple(net(torch.full((3, 4), 2)).shape)
    (3, 4, 3)
    """

    def __init__(self, n: int, q: int, d_model: int, heads: int, layers: int, ff: int):
        super().__init__()
        self.n, self.q = int(n), int(q)
        self.tok = nn.Embedding(q + 1, d_model)
        self.pos = nn.Parameter(torch.randn(n, d_model) * 0.02)
        layer = nn.TransformerEncoderLayer(d_model, heads, ff, dropout=0.0, batch_first=True, norm_first=True)
        self.body = nn.TransformerEncoder(layer, layers, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, q + 1)

    def forward(self, ids: torch.Tensor) -> torch.Tensor:
        h = self.tok(ids) + self.pos[: ids.shape[1]]
        return self.head(self.norm(self.body(h)))


def masked_diffusion_loss(net: TinyMDM, x: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    """The masked diffusion loss of a batch ``x`` ``(B, n)``: per sequence a mask ratio
    ``t ~ U(0, 1)``, each position masked with probability ``t``, and

        L = mean_b (1 / (t_b n)) sum_{i masked} -log p_theta(x_i | x_unmasked),

    an upper bound on ``-log p_theta(x) / n`` in expectation (the MDLM/MD4 ELBO).  ``t`` is
    clipped below at ``1e-3``.
    """
    B, n = x.shape
    t = torch.rand(B, 1, generator=gen).clamp_min(1e-3)
    masked = torch.rand(B, n, generator=gen) < t
    ids = torch.where(masked, torch.full_like(x, net.q), x)
    logits = net(ids)[..., : net.q]
    nll = nn.functional.cross_entropy(logits.reshape(-1, net.q), x.reshape(-1), reduction="none").reshape(B, n)
    return ((nll * masked).sum(dim=1) / (t[:, 0] * n)).mean()


def train_tiny_mdm(steps: int = 2500, seed: int = 0, hmm: str = TINY_HMM, batch: int = 64, lr: float = 2e-3,
                   config: dict | None = None, progress=None) -> tuple[TinyMDM, dict]:
    """Train a :class:`TinyMDM` from scratch on fresh exact draws of the HMM ``hmm``.

    AdamW (weight decay 0.01), a linear warm-up over the first 5% of the steps and a cosine decay
    of the learning rate to 0; every batch drawn from the HMM with numpy's generator seeded by
    ``seed``, the network's initial weights and masks by ``torch.manual_seed(seed)``: the result
    is a function of the arguments (on one machine and torch build; set
    ``torch.set_num_threads(1)`` for bitwise-equal runs).

    Parameters
    ----------
    steps, seed, batch : int
    hmm : str
        An HMM spec of :func:`mdmtheory.parse_hmm` (its length is ``config["n"]``).
    lr : float
        Peak learning rate.
    config : dict, optional
        :class:`TinyMDM`'s arguments (default :data:`TINY_CONFIG`).
    progress : callable, optional
        Called as ``progress(step, loss)`` after each step.

    Returns
    -------
    (TinyMDM, dict)
        The trained network (eval mode) and its metadata: ``config``, ``hmm``, ``seed``,
        ``steps``, ``batch``, ``lr``, ``final_loss`` (the mean loss of the last 100 steps, nats
        per position), ``seconds``, ``torch``.

    Raises
    ------
    InputError
        Bad steps, seed, batch or HMM spec, or an HMM whose alphabet is not ``config["q"]``.
    """
    steps = check_int(steps, "steps", lo=1)
    seed = check_int(seed, "seed", lo=0)
    batch = check_int(batch, "batch", lo=1)
    cfg = dict(TINY_CONFIG if config is None else config)
    law = parse_hmm(hmm, cfg["n"])
    if int(np.max(law.q)) != cfg["q"]:
        raise InputError(f"the HMM {hmm!r} has {int(np.max(law.q))} tokens but the network's q is {cfg['q']}; "
                         "give an HMM with q tokens")
    torch.manual_seed(seed)
    gen = torch.Generator().manual_seed(seed)
    rng = np.random.default_rng(seed)
    net = TinyMDM(**cfg)
    opt = torch.optim.AdamW(net.parameters(), lr=lr, weight_decay=0.01)
    warm = max(1, steps // 20)

    def rate(s):
        return (s + 1) / warm if s < warm else 0.5 * (1.0 + np.cos(np.pi * (s - warm) / max(1, steps - warm)))

    sched = torch.optim.lr_scheduler.LambdaLR(opt, rate)
    losses = []
    start = time.perf_counter()
    net.train()
    for s in range(steps):
        x = torch.from_numpy(np.asarray(law.sample(rng, batch), dtype=np.int64))
        loss = masked_diffusion_loss(net, x, gen)
        opt.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(net.parameters(), 1.0)
        opt.step()
        sched.step()
        losses.append(float(loss.detach()))
        if progress is not None:
            progress(s, losses[-1])
    net.eval()
    meta = {"config": cfg, "hmm": hmm, "seed": seed, "steps": steps, "batch": batch, "lr": lr,
            "final_loss": float(np.mean(losses[-100:])), "loss_unit": "nats per position",
            "seconds": round(time.perf_counter() - start, 1), "torch": torch.__version__}
    return net, meta


def load_tiny_mdm(path=None) -> tuple[TinyMDM, dict]:
    """The shipped tiny model (or the checkpoint ``path`` written by
    ``examples/models/train_tiny_mdm.py``, its metadata beside it as ``.json``), in eval mode.

    Returns
    -------
    (TinyMDM, dict)
        The network and its metadata (``config``, ``hmm``, ``seed``, ``steps``, ``final_loss``...).

    Raises
    ------
    InputError
        A missing or unreadable checkpoint or metadata file.

    Examples
    --------
    >>> net, meta = load_tiny_mdm()
    >>> meta["hmm"], meta["config"]["n"], meta["config"]["q"]
    ('block:2,2,0.8,0.1', 32, 4)
    """
    pt = CHECKPOINT if path is None else Path(path)
    js = METADATA if path is None else pt.with_suffix(".json")
    try:
        meta = json.loads(js.read_text())
        state = torch.load(pt, map_location="cpu", weights_only=True)
        net = TinyMDM(**meta["config"])
        net.load_state_dict(state)
    except (OSError, ValueError, KeyError, TypeError, RuntimeError) as exc:
        raise InputError(f"cannot load the tiny model from {pt} (metadata {js}): {exc}; rerun "
                         "examples/models/train_tiny_mdm.py") from None
    return net.eval(), meta
