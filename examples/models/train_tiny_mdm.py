"""Train the tiny masked diffusion model shipped with mdmtheory (the built-in model ``torch:tiny``).

A small transformer MDM (:class:`mdmtheory.tiny_mdm.TinyMDM`) trained with the masked diffusion
loss (mask ratio ``t ~ U(0, 1)`` per sequence, cross-entropy on the masked positions weighted
``1/t``) on fresh exact draws of the block HMM ``block:2,2,0.8,0.1`` (``q = 4``, ``n = 32``).
Deterministic from the seed on one thread (about four minutes on one CPU core).  Writes the
``state_dict`` and a JSON beside it (config, HMM spec, seed, steps, final loss):

    python examples/models/train_tiny_mdm.py                      # rewrites mdmtheory/data/tiny_mdm.pt
    python examples/models/train_tiny_mdm.py --out my.pt --steps 500
"""

import argparse
import json
import sys
from pathlib import Path

import torch

from mdmtheory.tiny_mdm import CHECKPOINT, TINY_HMM, train_tiny_mdm


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default=str(CHECKPOINT), help="checkpoint path (.pt; the metadata goes beside it as .json)")
    ap.add_argument("--steps", type=int, default=2500)
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--hmm", default=TINY_HMM)
    args = ap.parse_args(argv)
    torch.set_num_threads(1)  # deterministic, and fair to other processes on the machine

    def report(step, loss):
        if step % 100 == 0 or step == args.steps - 1:
            print(f"step {step:5d}  loss {loss:.4f}", file=sys.stderr, flush=True)

    net, meta = train_tiny_mdm(steps=args.steps, seed=args.seed, hmm=args.hmm, batch=args.batch, progress=report)
    out = Path(args.out)
    out.parent.mkdir(parents=True, exist_ok=True)
    torch.save(net.state_dict(), out)
    out.with_suffix(".json").write_text(json.dumps(meta, indent=2) + "\n")
    print(f"wrote {out} ({out.stat().st_size / 1e6:.2f} MB) and {out.with_suffix('.json')}: final loss "
          f"{meta['final_loss']:.4f} nats per position after {meta['steps']} steps in {meta['seconds']} s")


if __name__ == "__main__":
    main()
