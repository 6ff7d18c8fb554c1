"""Li and Cai (2025, arXiv:2505.21400): E KL <= (2^ceil(log2 s_max) - 1) / n * (TC + DTC).

A true bound: `mdmtheory conjecture examples/conjectures/li_cai.py --quantity expected_kl
--family constant --param s=2` finds no violation.
"""

import math


def bound(ctx):
    s_max = ctx.schedule.max_step
    return (2 ** math.ceil(math.log2(s_max)) - 1) / ctx.n * (ctx.tc + ctx.dtc)
