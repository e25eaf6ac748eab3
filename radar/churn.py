"""Churn models: BG/NBD and Gamma-Gamma by maximum likelihood, written here.

BG/NBD (Fader, Hardie & Lee 2005, "Counting your customers the easy way"):
while alive a member buys at Poisson rate λ ~ Gamma(r, α); after each purchase
she drops out with probability p ~ Beta(a, b). A member is summarised by
``x`` (repeat purchase days = distinct purchase days − 1), ``t_x`` (last − first
purchase day) and ``T`` (cut-off − first purchase day), all in the same unit
(days in the warehouse, weeks in the FHL paper).

Gamma-Gamma (Fader, Hardie & Lee 2005, "RFM and CLV"; Colombo & Jiang 1999):
spend per purchase day z ~ Gamma(p, ν), ν ~ Gamma(q, γ), independent of the
purchase process; fitted on the mean spend of the repeat purchase days of the
members with x ≥ 1.

Both are fitted on log-parameters with analytic gradients, on the data
collapsed to its unique rows with weights (1M members are a few hundred
thousand unique (x, t_x, T) rows). A fit that does not converge raises
:class:`ChurnModelError`; it never returns NaN parameters.

The learned churn model, the warehouse step and :func:`scores_as_of` are
further down (section "Warehouse").
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from scipy import optimize, special


class ChurnModelError(RuntimeError):
    """A churn model could not be fitted (no data, or the optimiser did not converge)."""


# Largest |∂(mean log-likelihood)/∂ log θ| accepted at the optimum.
GRADIENT_TOLERANCE = 1e-5
# Least eigenvalue of the Hessian of the mean negative log-likelihood (log-parameters).
MIN_CURVATURE = 1e-7
LOG_BOUND = 20.0  # log-parameters live in [−20, 20]; an optimum on the bound is not converged


@dataclass(frozen=True)
class Fit:
    """A fitted model: parameters by name and the fit statistics."""

    model: str
    params: dict[str, float]
    log_likelihood: float  # Σ weight × log-likelihood at the optimum
    n: int  # members (Σ weights)
    unique_rows: int
    iterations: int
    gradient_norm: float  # max |∂ mean LL / ∂ log θ| at the optimum
    converged: bool = True
    extra: dict[str, float] = field(default_factory=dict)


def collapse(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of the given equal-length columns and how many times each occurs."""
    stacked = np.column_stack([np.asarray(c, dtype=float) for c in columns])
    unique, counts = np.unique(stacked, axis=0, return_counts=True)
    return [unique[:, i] for i in range(unique.shape[1])], counts.astype(float)


def _maximise(model: str, names: tuple[str, ...], neg_mean_ll, start: np.ndarray,
              n: float, rows: int) -> Fit:
    """Minimise the mean negative log-likelihood over log-parameters; check convergence."""
    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = optimize.minimize(neg_mean_ll, start, jac=True, method="L-BFGS-B", bounds=bounds,
                               options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9})
    value, gradient = neg_mean_ll(result.x)
    gradient_norm = float(np.max(np.abs(gradient)))
    at_bound = bool(np.any(np.abs(result.x) >= LOG_BOUND - 1e-6))
    # Curvature at the optimum (central differences of the analytic gradient):
    # a flat direction means the data do not identify a parameter.
    step = 1e-5
    hessian = np.empty((len(start), len(start)))
    for i in range(len(start)):
        up, down = result.x.copy(), result.x.copy()
        up[i] += step
        down[i] -= step
        hessian[i] = (neg_mean_ll(up)[1] - neg_mean_ll(down)[1]) / (2 * step)
    hessian = (hessian + hessian.T) / 2
    curvature = float(np.min(np.linalg.eigvalsh(hessian))) if np.all(np.isfinite(hessian)) else np.nan
    problem = None
    if not np.isfinite(value) or gradient_norm > GRADIENT_TOLERANCE:
        problem = f"gradient {gradient_norm:.2e} (tolerance {GRADIENT_TOLERANCE:.0e})"
    elif at_bound:
        problem = "a parameter ran to the bound of its range"
    elif not curvature > MIN_CURVATURE:
        problem = (f"the likelihood is flat in some direction (least curvature {curvature:.1e}): "
                   "the data do not identify every parameter")
    if problem:
        raise ChurnModelError(
            f"{model} fit did not converge on {int(round(n))} members ({rows} unique rows): {problem}; "
            f"log-parameters {np.round(result.x, 3).tolist()}; optimiser: {result.message}")
    params = dict(zip(names, np.exp(result.x).tolist(), strict=True))
    # standard errors of the log-parameters from the observed information (n × mean Hessian)
    covariance = np.linalg.inv(hessian * n)
    extra = {f"se_log_{name}": float(np.sqrt(covariance[i, i])) for i, name in enumerate(names)}
    extra["least_curvature"] = curvature
    return Fit(model, params, float(-value * n), int(round(n)), rows, int(result.nit), gradient_norm,
               True, extra)


# ---------------------------------------------------------------- BG/NBD

def bgnbd_log_likelihood(log_params: np.ndarray, x: np.ndarray, t_x: np.ndarray,
                         T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-likelihood and its gradient with respect to log(r, α, a, b).

    L = B(a, b+x)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+T)^(r+x))
        + [x > 0] · B(a+1, b+x−1)/B(a, b) · Γ(r+x) α^r / (Γ(r) (α+t_x)^(r+x))
    with B(a+1, b+x−1)/B(a, b+x) = a / (b+x−1).
    """
    r, alpha, a, b = np.exp(log_params)
    repeat = x > 0
    xr = np.where(repeat, x, 1.0)  # keeps b + x − 1 > 0 where the term is dropped
    a1 = special.gammaln(r + x) - special.gammaln(r) + r * np.log(alpha)
    a2 = (special.gammaln(a + b) + special.gammaln(b + x) - special.gammaln(b)
          - special.gammaln(a + b + x))
    a3 = -(r + x) * np.log(alpha + T)
    a4 = np.where(repeat, np.log(a) - np.log(b + xr - 1) - (r + x) * np.log(alpha + t_x), -np.inf)
    top = np.maximum(a3, a4)
    e3, e4 = np.exp(a3 - top), np.exp(a4 - top)
    ll = a1 + a2 + top + np.log(e3 + e4)
    w1 = e3 / (e3 + e4)
    w2 = 1.0 - w1
    d_r = (special.digamma(r + x) - special.digamma(r) + np.log(alpha)
           - w1 * np.log(alpha + T) - w2 * np.log(alpha + t_x))
    d_alpha = r / alpha - w1 * (r + x) / (alpha + T) - w2 * (r + x) / (alpha + t_x)
    d_a = special.digamma(a + b) - special.digamma(a + b + x) + w2 / a
    d_b = (special.digamma(a + b) + special.digamma(b + x) - special.digamma(b)
           - special.digamma(a + b + x) - w2 / (b + xr - 1))
    gradient = np.stack([d_r * r, d_alpha * alpha, d_a * a, d_b * b])
    return ll, gradient


def fit_bgnbd(frequency, recency, age, weights=None) -> Fit:
    """Maximum-likelihood BG/NBD on per-member (x, t_x, T); collapses to unique rows first."""
    frequency, recency, age = (np.asarray(v, dtype=float) for v in (frequency, recency, age))
    if weights is None:
        (x, t_x, T), w = collapse(frequency, recency, age)
    else:
        x, t_x, T, w = frequency, recency, age, np.asarray(weights, dtype=float)
    n = float(w.sum())
    if n == 0 or not np.any(T > 0):
        raise ChurnModelError("BG/NBD needs at least one member whose first purchase is before the cut-off")
    if np.any((x < 0) | (t_x < 0) | (t_x > T) | ((x == 0) & (t_x != 0))):
        raise ChurnModelError("BG/NBD input out of range: need x ≥ 0, 0 ≤ t_x ≤ T, t_x = 0 when x = 0")

    def neg_mean_ll(theta):
        ll, gradient = bgnbd_log_likelihood(theta, x, t_x, T)
        return -(w @ ll) / n, -(gradient @ w) / n

    scale = max(float(np.average(T, weights=w)), 1e-3)
    start = np.log([1.0, scale, 1.0, 1.0])
    return _maximise("bgnbd", ("r", "alpha", "a", "b"), neg_mean_ll, start, n, len(w))


def _bgnbd_terms(params: dict[str, float], x, t_x, T):
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    x, t_x, T = (np.asarray(v, dtype=float) for v in (x, t_x, T))
    repeat = x > 0
    xr = np.where(repeat, x, 1.0)
    # odds of "dropped out right after the last purchase" against "alive"
    log_odds = np.log(a) - np.log(b + xr - 1) + (r + x) * (np.log(alpha + T) - np.log(alpha + t_x))
    odds = np.where(repeat, np.exp(np.minimum(log_odds, 700.0)), 0.0)
    return r, alpha, a, b, x, T, odds


def p_alive(params: dict[str, float], x, t_x, T) -> np.ndarray:
    """P(alive at T | x, t_x, T) = 1 / (1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x))."""
    *_, odds = _bgnbd_terms(params, x, t_x, T)
    return 1.0 / (1.0 + odds)


def expected_purchases(params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """E[purchase days in (T, T+t] | x, t_x, T] (FHL 2005, eq. 10).

    ((a+b+x−1)/(a−1)) · (1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t)))
    divided by 1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x).
    """
    r, alpha, a, b, x, T, odds = _bgnbd_terms(params, x, t_x, T)
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    ratio = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    value = (a + b + x - 1) / (a - 1) * (1.0 - ratio * hyp) / (1.0 + odds)
    if not np.all(np.isfinite(value)):
        raise ChurnModelError("BG/NBD conditional expectation is not finite (check the parameters)")
    return value


def p_no_purchase(params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """P(no purchase day in (T, T+t] | x, t_x, T) = 1 − P(alive) · (1 − ((α+T)/(α+T+t))^(r+x)).

    Alive at T, the member drops out only right after a purchase, so she makes no
    purchase in the next t days with probability e^(−λt); λ given the data and
    alive is Gamma(r+x, α+T), whose Laplace transform at t is ((α+T)/(α+T+t))^(r+x).
    """
    r, alpha, a, b, x, T, odds = _bgnbd_terms(params, x, t_x, T)
    ratio = np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))
    return 1.0 - (1.0 - ratio) / (1.0 + odds)


# ---------------------------------------------------------------- Gamma-Gamma

def gamma_gamma_log_likelihood(log_params: np.ndarray, x: np.ndarray,
                               m: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per-row log-density of a mean spend m over x purchase days, and its gradient in log(p, q, γ).

    The total s = x·m is Gamma(p·x, ν) given ν ~ Gamma(q, γ); integrating ν out:
    f(m) = x · Γ(px+q)/(Γ(px)Γ(q)) · γ^q · s^(px−1) / (γ+s)^(px+q).
    """
    p, q, g = np.exp(log_params)
    s = x * m
    px = p * x
    ll = (special.gammaln(px + q) - special.gammaln(px) - special.gammaln(q) + q * np.log(g)
          + (px - 1) * np.log(s) - (px + q) * np.log(g + s) + np.log(x))
    d_p = x * (special.digamma(px + q) - special.digamma(px) + np.log(s) - np.log(g + s))
    d_q = special.digamma(px + q) - special.digamma(q) + np.log(g) - np.log(g + s)
    d_g = q / g - (px + q) / (g + s)
    return ll, np.stack([d_p * p, d_q * q, d_g * g])


def fit_gamma_gamma(frequency, mean_spend) -> Fit:
    """Maximum-likelihood Gamma-Gamma on members with frequency ≥ 1 and a positive mean spend."""
    frequency, mean_spend = np.asarray(frequency, dtype=float), np.asarray(mean_spend, dtype=float)
    keep = (frequency >= 1) & (mean_spend > 0)
    if not np.any(keep):
        raise ChurnModelError("Gamma-Gamma needs at least one member with a repeat purchase day")
    (x, m), w = collapse(frequency[keep], mean_spend[keep])
    n = float(w.sum())

    def neg_mean_ll(theta):
        ll, gradient = gamma_gamma_log_likelihood(theta, x, m)
        return -(w @ ll) / n, -(gradient @ w) / n

    # method-of-moments-ish start: p = 1 per purchase day, mean spend γ p / (q − 1)
    mean = float(np.average(m, weights=w))
    start = np.log([1.0, 2.0, mean])
    fit = _maximise("gamma_gamma", ("p", "q", "gamma"), neg_mean_ll, start, n, len(w))
    if fit.params["q"] <= 1:
        raise ChurnModelError(f"Gamma-Gamma q = {fit.params['q']:.4f} ≤ 1: the mean spend is not finite")
    return fit


def expected_spend(params: dict[str, float], x, m) -> np.ndarray:
    """E[spend per purchase day | x, m] = (γ + x·m) · p / (p·x + q − 1); x = 0 gives γp/(q−1)."""
    p, q, g = params["p"], params["q"], params["gamma"]
    x = np.asarray(x, dtype=float)
    m = np.where(x > 0, np.asarray(m, dtype=float), 0.0)
    return (g + x * m) * p / (p * x + q - 1)
