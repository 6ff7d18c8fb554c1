"""A false conjecture: half of the Li-Cai bound.

For the copy distribution and steps of size 2 the expected KL is log q, exactly the Li-Cai
bound, so half of it is violated; `mdmtheory conjecture` finds and saves such a table.
"""

import math


def bound(ctx):
    s_max = ctx.schedule.max_step
    return 0.5 * (2 ** math.ceil(math.log2(s_max)) - 1) / ctx.n * (ctx.tc + ctx.dtc)
