#!/usr/bin/python3
"""Reference figures for core/stats, computed once with Debian's SciPy and numpy and committed
as tests/core/stats/data/scipy_cases.txt (the tests read that file; they never need SciPy).

Run with Debian's python3 (apt-get install python3-scipy):
    /usr/bin/python3 scripts/stats_reference.py > tests/core/stats/data/scipy_cases.txt

Each case is a block of "key value..." lines ending in "end"; values are repr()s, so they
read back as the same doubles. "none" marks a figure SciPy does not define (a Welch test of a
constant sample) or that is not computed (the exact p-value when there are ties or a sample
has more than 50 values). The Hodges–Lehmann interval follows the definition in
core/include/setpoint/stats/hodges_lehmann.hpp, with its k taken from SciPy's own exact null
distribution (scipy.stats._mannwhitneyu._mwu_state) or from scipy.stats.norm.ppf.
"""
import math
import sys

import numpy as np
import scipy
from scipy import stats
from scipy.stats._mannwhitneyu import _mwu_state

sys.setrecursionlimit(100000)
LEVEL = 0.95


def fmt(x):
    return 'none' if x is None else repr(float(x))


def tie_term(pooled):
    _, counts = np.unique(pooled, return_counts=True)
    return float(np.sum(counts.astype(float) ** 3 - counts))


def hodges_lehmann(control, canary):
    m, n = len(control), len(canary)
    diffs = np.sort(np.subtract.outer(canary, control).ravel())
    estimate = np.median(diffs)
    tail = (1 - LEVEL) / 2
    pooled = np.concatenate([control, canary])
    ties = len(np.unique(pooled)) < len(pooled)
    if not ties and m <= 50 and n <= 50:
        k = 0
        # the largest k with P(U < k) <= tail, i.e. cdf(k - 1) <= tail
        while k < m * n and _mwu_state.cdf(k, m, n) <= tail:
            k += 1
    else:
        total = m + n
        sd = math.sqrt(m * n / 12 * ((total + 1) - tie_term(pooled) / (total * (total - 1))))
        k = max(0, math.floor(m * n / 2 - stats.norm.ppf(1 - tail) * sd))
    k = min(max(k, 1), max(int((m * n + 1) // 2), 1))
    return estimate, diffs[k - 1], diffs[m * n - k]


def case(name, control, canary):
    control = np.asarray(control, dtype=float)
    canary = np.asarray(canary, dtype=float)
    out = [f'case {name}',
           'control ' + ' '.join(fmt(v) for v in control),
           'canary ' + ' '.join(fmt(v) for v in canary)]
    two = stats.mannwhitneyu(control, canary, alternative='two-sided', method='asymptotic')
    greater = stats.mannwhitneyu(control, canary, alternative='greater', method='asymptotic')
    less = stats.mannwhitneyu(control, canary, alternative='less', method='asymptotic')
    pooled = np.concatenate([control, canary])
    exact = None
    if len(np.unique(pooled)) == len(pooled) and len(control) <= 50 and len(canary) <= 50:
        exact = stats.mannwhitneyu(control, canary, alternative='two-sided',
                                   method='exact').pvalue
    out += [f'u {fmt(two.statistic)}', f'p_two_sided {fmt(two.pvalue)}',
            f'p_greater {fmt(greater.pvalue)}', f'p_less {fmt(less.pvalue)}',
            f'p_two_sided_exact {fmt(exact)}']
    if len(control) >= 2 and len(canary) >= 2 and (np.var(control) + np.var(canary)) > 0:
        t = stats.ttest_ind(control, canary, equal_var=False)
        vm = np.var(control, ddof=1) / len(control)
        vn = np.var(canary, ddof=1) / len(canary)
        df = (vm + vn) ** 2 / (vm ** 2 / (len(control) - 1) + vn ** 2 / (len(canary) - 1))
        out.append(f'welch {fmt(t.statistic)} {fmt(t.pvalue)} {fmt(df)}')
    else:
        out.append('welch none')
    estimate, lo, hi = hodges_lehmann(control, canary)
    out.append(f'hodges_lehmann {fmt(estimate)} {fmt(lo)} {fmt(hi)}')
    for side, values in (('control', control), ('canary', canary)):
        q = np.quantile(values, [0.5, 0.9, 0.95, 0.99])
        out.append(f'quantiles_{side} ' + ' '.join(fmt(v) for v in q))
    out.append('end')
    print('\n'.join(out))


def distributions():
    for z in (-40, -8.5, -3, -1.96, -0.5, 0, 0.3, 1.0, 1.959963984540054, 4, 9.25, 20, 37.5):
        print(f'normal_sf {fmt(z)} {fmt(stats.norm.sf(z))}')
    for p in (1e-300, 1e-20, 1e-9, 0.001, 0.02425, 0.025, 0.2, 0.5, 0.7, 0.975, 0.999, 1 - 1e-12):
        print(f'normal_quantile {fmt(p)} {fmt(stats.norm.ppf(p))}')
    for df in (1, 2.5, 7.3, 30, 199.5, 1000, 20000, 123456.7, 1e7):
        for t in (-2.5, 0, 0.5, 1.96, 3, 10, 40):
            print(f'student_t_sf {fmt(t)} {fmt(df)} {fmt(stats.t.sf(t, df))}')


def main():
    rng = np.random.default_rng(20261201)
    print(f'# made by scripts/stats_reference.py with SciPy {scipy.__version__} and numpy '
          f'{np.__version__}; do not edit by hand')
    distributions()
    # Hand-checkable: no overlap at all, and a textbook pair (Siegel & Castellan's example).
    case('separated', [1, 2, 3, 4], [5, 6, 7, 8, 9])
    case('textbook', [6.2, 7.9, 8.3, 9.1, 10.4, 11.7], [5.1, 5.8, 6.0, 7.2, 7.7, 8.0, 8.8])
    case('ties', [1, 2, 2, 3, 3, 3, 4], [2, 3, 3, 4, 4, 5, 5, 5])
    case('binary', [0] * 30 + [1] * 5, [0] * 20 + [1] * 15)
    case('one_each', [3.5], [7.25])
    case('one_vs_many', [4.0], rng.normal(5, 1, 20))
    case('all_equal', [2.5] * 6, [2.5] * 9)
    case('constant_control', [10.0] * 8, rng.normal(10, 1, 8))
    case('exact_edge_50x50', rng.normal(0, 1, 50), rng.normal(0.4, 1, 50))
    case('exact_edge_50x7', rng.exponential(1, 50), rng.exponential(1.5, 7))
    case('past_exact_51x10', rng.normal(0, 1, 51), rng.normal(0.2, 1, 10))
    case('latency_lognormal_300x300', rng.lognormal(np.log(0.27), 0.3, 300),
         rng.lognormal(np.log(0.31), 0.3, 300))
    case('latency_rounded_ms_800x200', np.round(rng.lognormal(np.log(270), 0.25, 800)),
         np.round(rng.lognormal(np.log(280), 0.25, 200)))
    case('unequal_variance_1000x1500', rng.normal(100, 5, 1000), rng.normal(100.5, 25, 1500))
    case('far_tail_400x400', rng.normal(0, 1, 400), rng.normal(3, 1, 400))
    case('negative_and_large', rng.normal(-1e6, 3e5, 60), rng.normal(-0.9e6, 3e5, 70))


main()
