# Re-implementation of opacus/accountants/analysis/rdp.py (Opacus 1.5.4) with scipy,
# used only to generate test reference values; checked against the fixture's real Opacus rows.
import math, sys
import numpy as np
from scipy import special

def _log_add(logx, logy):
    a, b = min(logx, logy), max(logx, logy)
    if a == -np.inf: return b
    return math.log1p(math.exp(a - b)) + b

def _log_sub(logx, logy):
    if logx < logy: raise ValueError("neg")
    if logy == -np.inf: return logx
    if logx == logy: return -np.inf
    try:
        return math.log(math.expm1(logx - logy)) + logy
    except OverflowError:
        return logx

def _compute_log_a_for_int_alpha(q, sigma, alpha):
    log_a = -np.inf
    for i in range(alpha + 1):
        log_coef_i = (math.log(special.binom(alpha, i)) + i * math.log(q) + (alpha - i) * math.log(1 - q))
        s = log_coef_i + (i * i - i) / (2 * (sigma**2))
        log_a = _log_add(log_a, s)
    return float(log_a)

def _log_erfc(x):
    return math.log(2) + special.log_ndtr(-x * 2**0.5)

def _compute_log_a_for_frac_alpha(q, sigma, alpha):
    log_a0, log_a1 = -np.inf, -np.inf
    i = 0
    z0 = sigma**2 * math.log(1 / q - 1) + 0.5
    while True:
        coef = special.binom(alpha, i)
        log_coef = math.log(abs(coef))
        j = alpha - i
        log_t0 = log_coef + i * math.log(q) + j * math.log(1 - q)
        log_t1 = log_coef + j * math.log(q) + i * math.log(1 - q)
        log_e0 = math.log(0.5) + _log_erfc((i - z0) / (math.sqrt(2) * sigma))
        log_e1 = math.log(0.5) + _log_erfc((z0 - j) / (math.sqrt(2) * sigma))
        log_s0 = log_t0 + (i * i - i) / (2 * (sigma**2)) + log_e0
        log_s1 = log_t1 + (j * j - j) / (2 * (sigma**2)) + log_e1
        if coef > 0:
            log_a0 = _log_add(log_a0, log_s0); log_a1 = _log_add(log_a1, log_s1)
        else:
            log_a0 = _log_sub(log_a0, log_s0); log_a1 = _log_sub(log_a1, log_s1)
        i += 1
        if max(log_s0, log_s1) < -30: break
    return _log_add(log_a0, log_a1)

def _compute_rdp(q, sigma, alpha):
    if q == 0: return 0
    if sigma == 0: return np.inf
    if q == 1.0: return alpha / (2 * sigma**2)
    if float(alpha).is_integer():
        return _compute_log_a_for_int_alpha(q, sigma, int(alpha)) / (alpha - 1)
    return _compute_log_a_for_frac_alpha(q, sigma, alpha) / (alpha - 1)

ALPHAS = [1 + x / 10.0 for x in range(1, 100)] + list(range(12, 64))

def rdp_vec(q, sigma, steps):
    return np.array([_compute_rdp(q, sigma, a) for a in ALPHAS]) * steps

def eps(rdp, delta, classic=False):
    o = np.array(ALPHAS, dtype=float)
    if classic:
        e = rdp + math.log(1/delta)/(o-1)
    else:
        e = rdp - (np.log(delta) + np.log(o)) / (o - 1) + np.log((o - 1) / o)
    i = np.nanargmin(e)
    return e[i], o[i]

if __name__ == "__main__":
    import csv
    # 1) self-check against the real Opacus rows of the shared fixture
    for row in csv.DictReader(open(sys.argv[1])):
        if row["accountant"] not in ("opacus_rdp", "rdp_classic"): continue
        qs = [float(x) for x in row["q"].split("|")]; ss=[float(x) for x in row["sigma"].split("|")]; ns=[int(x) for x in row["steps"].split("|")]
        r = sum(rdp_vec(q,s,n) for q,s,n in zip(qs,ss,ns))
        e,_ = eps(r, float(row["delta"]), row["accountant"]=="rdp_classic")
        print("check", row["accountant"], row["q"], row["sigma"], row["steps"], e, float(row["epsilon"]), abs(e/float(row["epsilon"])-1), file=sys.stderr)
    # 2) grid
    out = csv.writer(open(sys.argv[2], "w"))
    out.writerow(["q","sigma","steps","delta","epsilon","opt_alpha"])
    for q in [0.001, 0.004, 0.01, 0.05, 0.1, 0.3, 0.5, 0.9, 1.0]:
        for s in [0.5, 0.8, 1.0, 1.5, 2.0, 3.0, 5.0]:
            one = rdp_vec(q, s, 1)
            for n in [1, 10, 100, 1000, 10000]:
                for d in [1e-5, 1e-6]:
                    e, a = eps(one * n, d)
                    out.writerow([repr(q), repr(s), n, repr(d), repr(float(e)), repr(float(a))])
    # heterogeneous plans
    plans = [([0.01,0.02],[1.0,1.5],[100,50]), ([0.001,0.05,1.0],[2.0,0.8,5.0],[5000,200,3]), ([0.004]*3,[1.1,0.7,3.0],[1000,10,9000])]
    for qs, ss, ns in plans:
        r = sum(rdp_vec(q,s,n) for q,s,n in zip(qs,ss,ns))
        for d in [1e-5, 1e-6]:
            e, a = eps(r, d)
            out.writerow(["|".join(map(repr,qs)), "|".join(map(repr,ss)), "|".join(map(str,ns)), repr(d), repr(float(e)), repr(float(a))])
