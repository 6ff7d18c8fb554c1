"""The fixed integer codes of the selection rules and of their selection specs (a leaf with no
imports, so the rule registry of :mod:`mdmtheory.samplers` can name them without loading numba).

The codes are fixed values, not derived from any list: a cached kernel that compares against
them can never disagree with the Python side after an edit elsewhere.
"""

# Rule codes (the registry in mdmtheory.samplers refers to them by name).
RANDOM = 0
LEFT = 1
CONF = 2
MARGIN = 3
ENTROPY = 4
THRESH = 5
EB = 6
PUNT_PAIRWISE = 7  # the pairwise CMI rule (named punt before the published PUNT arrived)
BISECT = 8
OPTIMAL = 9
LLADA = 10
FAST_DLLM = 11
DREAM = 12
PUNT = 13  # the published PUNT (arXiv:2510.21961)
ENTROPY_SUM = 14  # Cai and Li's entropy-sum rule (arXiv:2603.22248, as issue 12 summarises it)
FRECHET = 15  # Fast-dLLM++ Frechet profile decoding (arXiv:2606.02955)
RANKED = 16  # the ranked-prefix family: a ranking key and a stopping rule, both declared in the registry
FIXED = 17  # the fixed-order family: the registry's fixed sets, packed as the round of each position
EB_TEMPERED = 18  # eb with temperature != 1: values drawn as candidates from p^(1/T)/Z

# The ranked-prefix family (code RANKED): ip[0] the ranking key, ip[1] the stop, ip[2] the statistic
# the stop reads (STOP_EACH), fp[0] the stop's threshold.
KEY_POSITION = 0  # increasing position (left to right)
KEY_CONFIDENCE = 1  # decreasing max_v p(v)
KEY_MARGIN = 2  # decreasing p(1st) - p(2nd)
KEY_ENTROPY = 3  # increasing H(p)
STOP_SIZE = 0  # the step's size from the schedule (sizes[t])
STOP_EACH = 1  # every position whose statistic passes (confidence or margin >= x, entropy <= x); at least the first
STOP_SUM = 2  # the longest prefix with sum H <= x; at least one
STOP_SUM_FREE_MAX = 3  # the longest prefix with sum H - max H <= x; at least one (EB-sampler)
STOP_SUM_THROUGH = 4  # the shortest prefix with sum H > x (the crossing position included), or all; at least one

# punt's rounds readings (ip[0] of PUNT).
PUNT_INDEPENDENT = 0  # every round over every ranked candidate, each a model call; dropped when KL >= eps
PUNT_SHRINKING = 1  # the published decode_punt: the set R shrinks, empty rounds skipped; dropped when KL > eps

# Selection-spec kinds.
DET = 0
UNIFORM = 1
BERNOULLI = 2
PLACKETT = 3
DEPENDENCE = 4
ANCHORED = 5

# Dream's alg values.
DREAM_ORIGIN = 0
DREAM_MASKGIT = 1
DREAM_MARGIN = 2
DREAM_ENTROPY = 3
# Dream's count dtype (ip[3]): torch's default float32 (linspace with fused multiply-adds, as torch's
# AVX2/AVX512 CPU kernels compute it), float64, or float32 with separate roundings (torch's DEFAULT build).
DREAM_FLOAT32 = 0
DREAM_FLOAT64 = 1
DREAM_FLOAT32_UNFUSED = 2
