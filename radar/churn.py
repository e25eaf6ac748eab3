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

import datetime as dt
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import optimize, special


class ChurnModelError(RuntimeError):
    """A churn model could not be fitted (no data, or the optimiser did not converge)."""


# Largest |∂(mean log-likelihood)/∂ log θ| accepted at the optimum.
GRADIENT_TOLERANCE = 1e-5
# Least eigenvalue of the Hessian of the mean negative log-likelihood (log-parameters).
MIN_CURVATURE = 1e-7
# Ridge on the log-parameters for the second try when the plain maximum is not identified.
RIDGE_PENALTY = 1e-4
# Fewer training rows than this: churn_risk falls back to BG/NBD (method bgnbd_fallback).
MIN_TRAINING_ROWS = 50
# Fewer members with a purchase than this: no model is fitted (method
# insufficient_data, every model output null, one row in churn_model_parameters
# saying so). A handful of buyers (a test fixture, a new platform's first
# weeks) identifies no BG/NBD maximum; from this size on, a fit that does not
# converge fails the build.
MIN_FIT_BUYERS = 10
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


def unique_rows(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray, np.ndarray]:
    """Unique rows of equal-length columns, each row's index among them, and their counts.

    Rows come out in lexicographic order of the columns (as ``np.unique(...,
    axis=0)`` gives them). Each column is coded by the rank of its value among
    the column's distinct values and the row by one integer from those ranks,
    so one 1-D sort of integers does the work (np.unique over rows sorts
    byte strings: seconds at 1M rows).
    """
    arrays = [np.asarray(c, dtype=float).reshape(-1) for c in columns]
    key = np.zeros(len(arrays[0]) if arrays else 0, dtype=np.int64)
    size = 1
    for column in arrays:
        distinct, code = np.unique(column, return_inverse=True)
        size *= max(len(distinct), 1)
        if size >= 2**62 or np.isnan(distinct).any():  # no integer key: rows sorted as such
            unique, inverse, counts = np.unique(np.column_stack(arrays), axis=0, return_inverse=True,
                                                return_counts=True)
            return [unique[:, i] for i in range(unique.shape[1])], inverse.reshape(-1), counts
        key = key * len(distinct) + code.reshape(-1)
    _, first, inverse, counts = np.unique(key, return_index=True, return_inverse=True, return_counts=True)
    return [column[first] for column in arrays], inverse.reshape(-1), counts


def collapse(*columns: np.ndarray) -> tuple[list[np.ndarray], np.ndarray]:
    """Unique rows of the given equal-length columns and how many times each occurs."""
    unique, _, counts = unique_rows(*columns)
    return unique, counts.astype(float)


def _maximise(model: str, names: tuple[str, ...], objective, start: np.ndarray,
              n: float, rows: int, penalty: float = 0.0) -> Fit:
    """Minimise the mean negative log-likelihood over log-parameters; check convergence.

    penalty > 0 adds penalty/2 · Σ (log θ)² (a ridge on the log-parameters) to
    the mean negative log-likelihood: used only as the documented second try
    when the plain maximum is not identified (see :func:`fit_with_fallback`).
    """
    def neg_mean_ll(theta):
        value, gradient = objective(theta)
        return value + penalty / 2 * theta @ theta, gradient + penalty * theta

    bounds = [(-LOG_BOUND, LOG_BOUND)] * len(start)
    result = optimize.minimize(neg_mean_ll, start, jac=True, method="L-BFGS-B", bounds=bounds,
                               options={"maxiter": 2000, "ftol": 1e-15, "gtol": 1e-9})
    theta = result.x
    value, gradient = neg_mean_ll(theta)

    def curvature_at(point):
        # central differences of the analytic gradient (2 × k gradient evaluations)
        step = 1e-5
        hessian = np.empty((len(point), len(point)))
        for i in range(len(point)):
            up, down = point.copy(), point.copy()
            up[i] += step
            down[i] -= step
            hessian[i] = (neg_mean_ll(up)[1] - neg_mean_ll(down)[1]) / (2 * step)
        hessian = (hessian + hessian.T) / 2
        least = float(np.min(np.linalg.eigvalsh(hessian))) if np.all(np.isfinite(hessian)) else np.nan
        return hessian, least

    hessian, curvature = curvature_at(theta)
    # Newton steps from L-BFGS-B's answer: it stops where the mean log-likelihood
    # changes by 1e-15 relative, which rounding in the sums decides; a step is
    # kept only if it lowers the largest gradient component, so the optimum is
    # pinned by the gradient and not by the order the sums are taken in. Only
    # a fit that already passes the checks below is polished: which fits fail
    # does not change.
    moved = False
    converged = (np.isfinite(value) and np.max(np.abs(gradient)) <= GRADIENT_TOLERANCE
                 and curvature > MIN_CURVATURE and not np.any(np.abs(theta) >= LOG_BOUND - 1e-6))
    for _ in range(3 if converged else 0):
        candidate = theta - np.linalg.solve(hessian, gradient)
        if np.any(np.abs(candidate) >= LOG_BOUND - 1e-6):
            break
        candidate_value, candidate_gradient = neg_mean_ll(candidate)
        if not (np.isfinite(candidate_value)
                and np.max(np.abs(candidate_gradient)) < np.max(np.abs(gradient))):
            break
        theta, value, gradient, moved = candidate, candidate_value, candidate_gradient, True
    if moved:
        hessian, curvature = curvature_at(theta)
    gradient_norm = float(np.max(np.abs(gradient)))
    at_bound = bool(np.any(np.abs(theta) >= LOG_BOUND - 1e-6))
    # a flat direction of the curvature means the data do not identify a parameter
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
            f"log-parameters {np.round(theta, 3).tolist()}; optimiser: {result.message}")
    params = dict(zip(names, np.exp(theta).tolist(), strict=True))
    # standard errors of the log-parameters from the observed information (n × mean Hessian)
    covariance = np.linalg.inv(hessian * n)
    extra = {f"se_log_{name}": float(np.sqrt(covariance[i, i])) for i, name in enumerate(names)}
    extra["least_curvature"] = curvature
    extra["penalty"] = penalty
    log_likelihood = float(-objective(theta)[0] * n)
    return Fit(model, params, log_likelihood, int(round(n)), rows, int(result.nit), gradient_norm,
               True, extra)


def fit_with_fallback(fit_function, *args, penalty: float = RIDGE_PENALTY) -> Fit:
    """The maximum-likelihood fit; if it is not identified, the ridge-penalised one.

    Data where nobody is seen to drop out drive BG/NBD's a and b to infinity
    together (p becomes a constant): no finite maximum exists. The penalised
    fit is finite and is recorded as such (extra["penalty"] > 0, the penalty
    used: ``penalty``, else 10× or 100× it where a weaker one leaves the
    likelihood flat); if every one fails, the error of the plain fit is raised.
    """
    try:
        return fit_function(*args)
    except ChurnModelError as plain:
        # a stronger ridge only where a weaker one leaves the likelihood flat
        # (a handful of repeat buyers, e.g. an early backtest cut-off)
        for strength in (penalty, 10 * penalty, 100 * penalty):
            try:
                return fit_function(*args, penalty=strength)
            except ChurnModelError:
                continue
        raise plain from None


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


class BgnbdLikelihood:
    """Σ weight × :func:`bgnbd_log_likelihood` and its gradient, computed by groups.

    The same sum as the per-row formula, arranged so that each special
    function is evaluated once per distinct value it depends on: the terms in
    x alone (Γ and ψ of r+x, b+x, a+b+x; log(b+x−1)) once per distinct x,
    weighted by the total weight of that x; log(α+T) and log(α+t_x) once per
    distinct day; the members without a repeat purchase (x = 0, t_x = 0, where
    the second term of L is absent) once per distinct T. Only the log-sum of
    the two terms of L and its weights remain per row (repeat buyers), in
    buffers allocated once (fresh arrays of 1M rows cost page faults).
    """

    def __init__(self, x, t_x, T, w):
        x, t_x, T, w = (np.asarray(v, dtype=float).reshape(-1) for v in (x, t_x, T, w))
        self.n = float(w.sum())
        self.xs, x_code = np.unique(x, return_inverse=True)
        x_code = x_code.reshape(-1)
        self.x_weight = np.bincount(x_code, weights=w, minlength=len(self.xs))
        self.days, day_code = np.unique(np.concatenate([T, t_x]), return_inverse=True)
        day_code = day_code.reshape(-1)
        T_code, t_code = day_code[:len(T)], day_code[len(T):]
        once = x == 0
        # x = 0 (then t_x = 0): L = Γ(r)… α^r (α+T)^−r alone; weight per distinct T
        self.once_T_weight = np.bincount(T_code[once], weights=w[once], minlength=len(self.days))
        # repeat buyers, ordered by x (a stable sort: collapse's rows already are)
        repeat = np.flatnonzero(~once)
        repeat = repeat[np.argsort(x_code[repeat], kind="stable")]
        self.x, self.w = x[repeat], w[repeat]
        self.wx = self.w * self.x
        self.T_code, self.t_code = T_code[repeat], t_code[repeat]
        self.x_code = x_code[repeat]
        self.repeat_xs, self.x_start = np.unique(self.x_code, return_index=True)
        self.repeat_xs = self.xs[self.repeat_xs]
        self.buffers = np.empty((6, len(repeat)))

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        """(Σ weight × log-likelihood, its gradient in log(r, α, a, b))."""
        r, alpha, a, b = np.exp(log_params)
        xs, W = self.xs, self.x_weight
        log_days = np.log(alpha + self.days)
        inv_days = 1.0 / (alpha + self.days)
        # terms in x alone, once per distinct x
        psi_rx, psi_bx, psi_abx = (special.digamma(v) for v in (r + xs, b + xs, a + b + xs))
        psi_ab = special.digamma(a + b)
        ll = (W @ (special.gammaln(r + xs) + special.gammaln(b + xs) - special.gammaln(a + b + xs))
              + self.n * (-special.gammaln(r) + r * np.log(alpha) + special.gammaln(a + b)
                          - special.gammaln(b)))
        g_r = W @ psi_rx + self.n * (np.log(alpha) - special.digamma(r))
        g_alpha = self.n * r / alpha
        g_a = W @ (psi_ab - psi_abx)
        g_b = W @ (psi_ab + psi_bx - special.digamma(b) - psi_abx)
        # x = 0: the term −r log(α+T) alone
        once = self.once_T_weight
        ll -= r * (once @ log_days)
        g_r -= once @ log_days
        g_alpha -= r * (once @ inv_days)
        if not len(self.x):
            return float(ll), np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])
        # repeat buyers, per row: a3 = −(r+x) log(α+T),
        # a4 = log a − log(b+x−1) − (r+x) log(α+t_x); log(e^a3 + e^a4) = a3 + softplus(a4 − a3);
        # the weight of the first term w1 = e^a3 / (e^a3 + e^a4) = e^−softplus(a4 − a3), w2 = 1 − w1
        log_T, log_t, rx, odds, soft, other = self.buffers
        w, x = self.w, self.x
        np.take(log_days, self.T_code, out=log_T, mode="clip")
        np.take(log_days, self.t_code, out=log_t, mode="clip")
        np.add(x, r, out=rx)
        ll -= r * (w @ log_T) + self.wx @ log_T  # Σ w a3
        odds_x = np.log(a) - np.log(b + xs - 1, where=xs > 0, out=np.zeros_like(xs))
        np.take(odds_x, self.x_code, out=odds, mode="clip")
        np.subtract(log_T, log_t, out=soft)
        soft *= rx
        odds += soft
        np.abs(odds, out=soft)
        np.negative(soft, out=soft)
        np.exp(soft, out=soft)
        np.log1p(soft, out=soft)
        np.maximum(odds, 0.0, out=other)
        soft += other  # softplus(a4 − a3)
        ll += w @ soft
        w1 = soft
        np.negative(soft, out=w1)
        np.exp(w1, out=w1)
        ww1 = w1
        ww1 *= w
        ww2 = np.subtract(w, ww1, out=other)
        g_r -= ww1 @ log_T + ww2 @ log_t
        g_a += ww2.sum() / a
        g_b -= np.add.reduceat(ww2, self.x_start) @ (1.0 / (b + self.repeat_xs - 1))
        inv_T, inv_t = log_T, log_t
        np.take(inv_days, self.T_code, out=inv_T, mode="clip")
        np.take(inv_days, self.t_code, out=inv_t, mode="clip")
        inv_T *= ww1
        inv_t *= ww2
        inv_T += inv_t
        g_alpha -= rx @ inv_T
        return float(ll), np.array([g_r * r, g_alpha * alpha, g_a * a, g_b * b])


def fit_bgnbd(frequency, recency, age, weights=None, penalty: float = 0.0) -> Fit:
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

    likelihood = BgnbdLikelihood(x, t_x, T, w)

    def neg_mean_ll(theta):
        ll, gradient = likelihood(theta)
        return -ll / n, -gradient / n

    scale = max(float(np.average(T, weights=w)), 1e-3)
    start = np.log([1.0, scale, 1.0, 1.0])
    return _maximise("bgnbd", ("r", "alpha", "a", "b"), neg_mean_ll, start, n, len(w), penalty)


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


def _laplace_ratio(params: dict[str, float], t: float, x, T) -> np.ndarray:
    """((α+T)/(α+T+t))^(r+x): depends on (x, T) only."""
    r, alpha = params["r"], params["alpha"]
    return np.exp((r + x) * (np.log(alpha + T) - np.log(alpha + T + t)))


def _expected_if_alive(params: dict[str, float], t: float, x, T) -> np.ndarray:
    """((a+b+x−1)/(a−1)) · (1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(…)): eq. 10 before the P(alive) factor."""
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    z = t / (alpha + T + t)
    hyp = special.hyp2f1(r + x, b + x, a + b + x - 1, z)
    return (a + b + x - 1) / (a - 1) * (1.0 - _laplace_ratio(params, t, x, T) * hyp)


def expected_purchases(params: dict[str, float], t: float, x, t_x, T) -> np.ndarray:
    """E[purchase days in (T, T+t] | x, t_x, T] (FHL 2005, eq. 10).

    ((a+b+x−1)/(a−1)) · (1 − ((α+T)/(α+T+t))^(r+x) · ₂F₁(r+x, b+x; a+b+x−1; t/(α+T+t)))
    divided by 1 + [x > 0] · a/(b+x−1) · ((α+T)/(α+t_x))^(r+x).
    """
    r, alpha, a, b, x, T, odds = _bgnbd_terms(params, x, t_x, T)
    value = _expected_if_alive(params, t, x, T) / (1.0 + odds)
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
    return 1.0 - (1.0 - _laplace_ratio(params, t, x, T)) / (1.0 + odds)


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


class GammaGammaLikelihood:
    """Σ weight × :func:`gamma_gamma_log_likelihood` and its gradient, computed by groups.

    The Γ and ψ terms depend on x alone: once per distinct x, weighted by the
    total weight of that x; log s (s = x·m) is the same at every parameter:
    summed once. Per row only log(γ+s) and 1/(γ+s) remain.
    """

    def __init__(self, x, m, w):
        x, m, w = (np.asarray(v, dtype=float).reshape(-1) for v in (x, m, w))
        self.n = float(w.sum())
        self.xs, x_code = np.unique(x, return_inverse=True)
        self.x_weight = np.bincount(x_code.reshape(-1), weights=w, minlength=len(self.xs))
        self.s = x * m
        self.w, self.wx = w, w * x
        log_s = np.log(self.s)
        self.sum_w_log_s, self.sum_wx_log_s = float(w @ log_s), float(self.wx @ log_s)
        self.sum_w_log_x = float(self.x_weight @ np.log(self.xs))
        self.buffers = np.empty((2, len(x)))

    def __call__(self, log_params: np.ndarray) -> tuple[float, np.ndarray]:
        """(Σ weight × log-density, its gradient in log(p, q, γ))."""
        p, q, g = np.exp(log_params)
        xs, W, n = self.xs, self.x_weight, self.n
        pxs = p * xs
        psi_pxq = special.digamma(pxs + q)
        log_gs, inv_gs = self.buffers
        np.add(self.s, g, out=log_gs)
        np.divide(1.0, log_gs, out=inv_gs)
        np.log(log_gs, out=log_gs)
        w_log_gs, wx_log_gs = self.w @ log_gs, self.wx @ log_gs
        ll = (W @ (special.gammaln(pxs + q) - special.gammaln(pxs)) + self.sum_w_log_x
              + n * (q * np.log(g) - special.gammaln(q))
              + p * self.sum_wx_log_s - self.sum_w_log_s - p * wx_log_gs - q * w_log_gs)
        d_p = W @ (xs * (psi_pxq - special.digamma(pxs))) + self.sum_wx_log_s - wx_log_gs
        d_q = W @ psi_pxq + n * (np.log(g) - special.digamma(q)) - w_log_gs
        d_g = n * q / g - p * (self.wx @ inv_gs) - q * (self.w @ inv_gs)
        return float(ll), np.array([d_p * p, d_q * q, d_g * g])


def fit_gamma_gamma(frequency, mean_spend, penalty: float = 0.0) -> Fit:
    """Maximum-likelihood Gamma-Gamma on members with frequency ≥ 1 and a positive mean spend."""
    frequency, mean_spend = np.asarray(frequency, dtype=float), np.asarray(mean_spend, dtype=float)
    keep = (frequency >= 1) & (mean_spend > 0)
    if not np.any(keep):
        raise ChurnModelError("Gamma-Gamma needs at least one member with a repeat purchase day")
    (x, m), w = collapse(frequency[keep], mean_spend[keep])
    n = float(w.sum())

    likelihood = GammaGammaLikelihood(x, m, w)

    def neg_mean_ll(theta):
        ll, gradient = likelihood(theta)
        return -ll / n, -gradient / n

    # method-of-moments-ish start: p = 1 per purchase day, mean spend γ p / (q − 1)
    mean = float(np.average(m, weights=w))
    start = np.log([1.0, 2.0, mean])
    fit = _maximise("gamma_gamma", ("p", "q", "gamma"), neg_mean_ll, start, n, len(w), penalty)
    if fit.params["q"] <= 1:
        raise ChurnModelError(f"Gamma-Gamma q = {fit.params['q']:.4f} ≤ 1: the mean spend is not finite")
    return fit


def expected_spend(params: dict[str, float], x, m) -> np.ndarray:
    """E[spend per purchase day | x, m] = (γ + x·m) · p / (p·x + q − 1); x = 0 gives γp/(q−1)."""
    p, q, g = params["p"], params["q"], params["gamma"]
    x = np.asarray(x, dtype=float)
    m = np.where(x > 0, np.asarray(m, dtype=float), 0.0)
    return (g + x * m) * p / (p * x + q - 1)


# ================================================================ Warehouse
#
# The learned churn model. Features as of a day c come from ONE query
# (FEATURES_SQL) over the built warehouse: the member's RFM and lifecycle as
# the warehouse computed them on c (member_segment_history for a complete
# month end, member_segments for as_of_date), her purchase days on or before
# c (int_member_daily_purchases), her group on c (int_roster_intervals) and
# that group's last complete month (group_health_monthly). The same query
# serves the training month ends and the scoring day.

HORIZON_DAYS = 90  # SPEC §7.2: churn_risk = P(no purchase on c+1 … c+90)
TRAINING_MONTHS = 6  # most recent month ends with a known outcome used for training
IMPORTANCE_ROWS = 20_000  # holdout rows the permutation importances are measured on
MAX_TRAINING_ROWS = 200_000  # deterministic member sample above this (speed at 1M members)
RISK_BANDS = ((0.8, "high"), (0.5, "medium"), (0.0, "low"))  # churn_risk ≥ bound
# Small, strongly regularised trees: on CDNOW (26k training rows) 150 trees of
# 15 leaves scored a 90-day AUC of 0.716 at 1998-03-31, these 0.724 (BG/NBD 0.720).
CLASSIFIER_SETTINGS = {"max_iter": 100, "learning_rate": 0.05, "max_leaf_nodes": 8,
                       "min_samples_leaf": 100, "l2_regularization": 1.0}
# HistGradientBoosting with these settings, early stopping off and a fixed
# random_state: the same training rows always give the same model.

FEATURES = (
    "tier_399", "days_since_join", "has_purchase", "recency_days", "frequency", "recency", "age",
    "purchase_days_30d", "purchase_days_90d", "purchase_days_180d", "sales_30d", "sales_prev_30d",
    "sales_90d", "sales_total", "mean_spend_per_day", "segment_rank", "in_group",
    "group_roster_size", "group_activity_rate", "group_grade_rank",
    "bgnbd_p_alive", "bgnbd_expected_90d", "bgnbd_p_no_purchase_90d",
)

#: The relations FEATURES_SQL reads by date ({history} … in it); member_features
#: puts member-filtered copies of them in their place for a sample.
FEATURE_INPUTS = {"history": "marts.member_segment_history", "segments": "marts.member_segments",
                  "daily": "intermediate.int_member_daily_purchases",
                  "intervals": "intermediate.int_roster_intervals"}

FEATURES_SQL = f"""
with

dates as (

    select unnest(cast(? as date[])) as snapshot_date

),
{{sampled_inputs}}
-- the warehouse's own RFM and lifecycle on each date (one definition: SPEC §5.4)
snapshots as (

    select
        history.month_end as snapshot_date,
        history.member_id,
        history.tier,
        history.join_date,
        history.recency_days,
        history.frequency_30d,
        history.monetary_30d,
        history.monetary_prev_30d,
        history.sales_total,
        history.segment_rank,
        history.lifecycle_stage
    from {{history}} as history
    inner join dates on history.month_end = dates.snapshot_date

    union all

    select
        segments.as_of_date,
        segments.member_id,
        segments.tier,
        segments.join_date,
        segments.recency_days,
        segments.frequency_30d,
        segments.monetary_30d,
        segments.monetary_prev_30d,
        segments.sales_total,
        segments.segment_rank,
        segments.lifecycle_stage
    from {{segments}} as segments
    inner join dates on segments.as_of_date = dates.snapshot_date
    where not exists (
        select 1 from marts.member_segment_history as history
        where history.month_end = segments.as_of_date
    )

),

purchase_days as (

    select
        dates.snapshot_date,
        daily.member_id,
        count(*) as purchase_days,
        min(daily.purchase_date) as first_purchase_day,
        max(daily.purchase_date) as last_purchase_day,
        arg_min(daily.sales, daily.purchase_date) as first_day_sales,
        sum(daily.sales) as sales_all_days,
        count(*) filter (where daily.purchase_date > dates.snapshot_date - 30) as purchase_days_30d,
        count(*) filter (where daily.purchase_date > dates.snapshot_date - 90) as purchase_days_90d,
        count(*) filter (where daily.purchase_date > dates.snapshot_date - 180) as purchase_days_180d,
        coalesce(sum(daily.sales) filter (where daily.purchase_date > dates.snapshot_date - 90), 0)
            as sales_90d
    from {{daily}} as daily
    inner join dates on daily.purchase_date <= dates.snapshot_date
    group by 1, 2

),

outcomes as (

    select distinct
        dates.snapshot_date,
        daily.member_id
    from {{daily}} as daily
    inner join dates
        on daily.purchase_date > dates.snapshot_date
        and daily.purchase_date <= dates.snapshot_date + {HORIZON_DAYS}
        and dates.snapshot_date + {HORIZON_DAYS} <= cast(? as date)

),

rosters as (

    select
        dates.snapshot_date,
        intervals.member_id,
        intervals.group_id,
        row_number() over (
            partition by dates.snapshot_date, intervals.member_id
            order by intervals.joined_at_utc desc, intervals.group_id
        ) as interval_order
    from {{intervals}} as intervals
    inner join dates
        on intervals.start_date <= dates.snapshot_date
        and (intervals.end_date is null or dates.snapshot_date < intervals.end_date)

),

-- the group's last complete month as of the date
group_months as (

    select
        rosters.snapshot_date,
        rosters.member_id,
        rosters.group_id,
        health.roster_size,
        health.activity_rate,
        health.grade_rank
    from rosters
    left join marts.group_health_monthly as health
        on rosters.group_id = health.group_id
        and health.month = case
            when rosters.snapshot_date = last_day(rosters.snapshot_date)
                then date_trunc('month', rosters.snapshot_date)
            else date_trunc('month', rosters.snapshot_date) - interval 1 month
        end
    where rosters.interval_order = 1

)

select
    snapshots.snapshot_date,
    snapshots.member_id,
    snapshots.lifecycle_stage <> 'churned' as is_alive,
    cast(snapshots.tier = 399 as double) as tier_399,
    cast(snapshots.snapshot_date - snapshots.join_date as double) as days_since_join,
    cast(purchase_days.member_id is not null as double) as has_purchase,
    cast(snapshots.recency_days as double) as recency_days,
    cast(purchase_days.purchase_days - 1 as double) as frequency,
    cast(purchase_days.last_purchase_day - purchase_days.first_purchase_day as double) as recency,
    cast(snapshots.snapshot_date - purchase_days.first_purchase_day as double) as age,
    cast(coalesce(purchase_days.purchase_days_30d, 0) as double) as purchase_days_30d,
    cast(coalesce(purchase_days.purchase_days_90d, 0) as double) as purchase_days_90d,
    cast(coalesce(purchase_days.purchase_days_180d, 0) as double) as purchase_days_180d,
    cast(snapshots.monetary_30d as double) as sales_30d,
    cast(snapshots.monetary_prev_30d as double) as sales_prev_30d,
    cast(coalesce(purchase_days.sales_90d, 0) as double) as sales_90d,
    cast(snapshots.sales_total as double) as sales_total,
    cast(purchase_days.sales_all_days / purchase_days.purchase_days as double) as mean_spend_per_day,
    case
        when purchase_days.purchase_days > 1
            then cast((purchase_days.sales_all_days - purchase_days.first_day_sales)
                / (purchase_days.purchase_days - 1) as double)
    end as repeat_mean_spend,
    cast(snapshots.segment_rank as double) as segment_rank,
    cast(group_months.group_id is not null as double) as in_group,
    cast(group_months.roster_size as double) as group_roster_size,
    cast(group_months.activity_rate as double) as group_activity_rate,
    cast(group_months.grade_rank as double) as group_grade_rank,
    case
        when snapshots.snapshot_date + {HORIZON_DAYS} <= cast(? as date)
            then outcomes.member_id is null
    end as churned_within_horizon
from snapshots
left join purchase_days
    on snapshots.snapshot_date = purchase_days.snapshot_date
    and snapshots.member_id = purchase_days.member_id
left join outcomes
    on snapshots.snapshot_date = outcomes.snapshot_date
    and snapshots.member_id = outcomes.member_id
left join group_months
    on snapshots.snapshot_date = group_months.snapshot_date
    and snapshots.member_id = group_months.member_id
order by snapshots.snapshot_date, snapshots.member_id
"""


def member_features(con, dates: list, known_by, members=None) -> pd.DataFrame:
    """Features of every member joined by each date (one row per snapshot_date × member_id).

    ``churned_within_horizon`` is filled only where date + 90 ≤ ``known_by``;
    nothing dated after ``known_by`` is read otherwise. ``members`` (member
    ids), if given: the rows of those members only, the same rows as the
    full result filtered; every input of the query is filtered to them first.
    """
    if members is None:
        sql = FEATURES_SQL.format(sampled_inputs="", **FEATURE_INPUTS)
        return con.execute(sql, [list(dates), known_by, known_by]).df()
    # each input filtered to the members first, materialised (otherwise the
    # optimiser moves the filter after the joins on dates, which then build
    # every member's rows); the history also to the dates
    sampled = "".join(
        f"\nsampled_{alias} as materialized (select * from {table} where member_id in "
        f"(select member_id from churn_feature_members)"
        f"{' and month_end in (select snapshot_date from dates)' if alias == 'history' else ''}),\n"
        for alias, table in FEATURE_INPUTS.items())
    sql = FEATURES_SQL.format(sampled_inputs=sampled, **{alias: f"sampled_{alias}" for alias in FEATURE_INPUTS})
    con.register("churn_feature_members", pd.DataFrame({"member_id": pd.Series(members, dtype=str)}))
    try:
        return con.execute(sql, [list(dates), known_by, known_by]).df()
    finally:
        con.unregister("churn_feature_members")


def training_features(con, ends: list, cutoff) -> pd.DataFrame:
    """Features on the training month ends for the deterministic member sample (MAX_TRAINING_ROWS).

    The sample keeps the fraction MAX_TRAINING_ROWS / (alive rows over the
    month ends) of the members (:func:`_member_sample`, a hash of member_id),
    all of them when that is ≥ 1. The alive rows are counted and the members
    sampled before the feature query, which then reads the sampled members
    only: the same rows as sampling its full result, without computing
    features for the members left out.
    """
    ends = list(ends)
    alive_rows = con.execute(
        "select count(*) from marts.member_segment_history where month_end in "
        "(select unnest(cast(? as date[]))) and lifecycle_stage <> 'churned'", [ends]).fetchone()[0]
    fraction = min(1.0, MAX_TRAINING_ROWS / max(1, int(alive_rows)))
    if fraction >= 1:
        return member_features(con, ends, cutoff)
    members = con.execute(
        "select distinct member_id from marts.member_segment_history where month_end in "
        "(select unnest(cast(? as date[])))", [ends]).df()["member_id"]
    return member_features(con, ends, cutoff, members=members[_member_sample(members, fraction)])


def _as_date(value) -> dt.date:
    if isinstance(value, dt.datetime):
        return value.date()
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value))


def training_month_ends(con, cutoff) -> list:
    """Complete month ends c with c + 90 ≤ cutoff (their outcome is known), most recent last."""
    rows = con.execute(
        "select distinct month_end from marts.member_segment_history "
        f"where month_end + {HORIZON_DAYS} <= ? order by 1", [cutoff]).fetchall()
    ends = [r[0] for r in rows]
    return [d if isinstance(d, dt.date) else _as_date(d) for d in ends][-TRAINING_MONTHS:]


def bgnbd_outputs(params: dict[str, float], x, t_x, T, horizons=(30, HORIZON_DAYS)) -> dict:
    """p_alive, expected purchase days per horizon and P(no purchase in 90 days), per member.

    The same values as :func:`p_alive`, :func:`expected_purchases` and
    :func:`p_no_purchase` member by member; the factors that depend on (x, T)
    alone (₂F₁ and ((α+T)/(α+T+t))^(r+x)) are evaluated once per distinct
    (x, T) and spread back to the members.
    """
    *_, x, T, odds = _bgnbd_terms(params, x, t_x, T)
    (px, pT), inverse, _ = unique_rows(x, T)
    alive = 1.0 + odds
    out = {"p_alive": 1.0 / alive,
           "p_no_purchase_90d": 1.0 - (1.0 - _laplace_ratio(params, HORIZON_DAYS, px, pT)[inverse]) / alive}
    for t in horizons:
        value = _expected_if_alive(params, t, px, pT)[inverse] / alive
        if not np.all(np.isfinite(value)):
            raise ChurnModelError("BG/NBD conditional expectation is not finite (check the parameters)")
        out[f"expected_purchases_{t}d"] = value
    return out


@dataclass
class ScoreResult:
    """Scores of the members alive on ``cutoff`` and the rows of churn_model_fit."""

    cutoff: object
    scores: pd.DataFrame
    fit_rows: list[dict]
    method: str


def _auc(y, score) -> float | None:
    from sklearn.metrics import roc_auc_score

    y = np.asarray(y, dtype=bool)
    if y.all() or not y.any():
        return None
    return float(roc_auc_score(y, score))  # ties count one half


def recency_score(frame) -> np.ndarray:
    """Days since the last purchase, or since joining when none (SPEC §7.3 score_recency)."""
    return np.where(frame["has_purchase"] == 1, frame["recency_days"], frame["days_since_join"])


def bgnbd_score(frame) -> np.ndarray:
    """− expected purchase days in 90 days; a member without a purchase counts as 0 expected."""
    return -np.nan_to_num(frame["bgnbd_expected_90d"].to_numpy(float), nan=0.0)


def _add_bgnbd(frame, params, horizons=(HORIZON_DAYS,)) -> None:
    """BG/NBD outputs of the members with a purchase as columns bgnbd_* (null for the others)."""
    columns = {"bgnbd_p_alive": "p_alive", "bgnbd_p_no_purchase_90d": "p_no_purchase_90d",
               **{f"bgnbd_expected_{t}d": f"expected_purchases_{t}d" for t in horizons}}
    for column in columns:
        frame[column] = np.nan
    buyers = (frame["has_purchase"] == 1).to_numpy()
    if params is None or not buyers.any():
        return
    sub = frame.loc[buyers]
    out = bgnbd_outputs(params, sub["frequency"], sub["recency"], sub["age"], horizons=horizons)
    for column, output in columns.items():
        frame.loc[buyers, column] = out[output]


def _fit_bgnbd_frame(frame) -> Fit:
    buyers = frame["has_purchase"] == 1
    return fit_with_fallback(fit_bgnbd, frame.loc[buyers, "frequency"], frame.loc[buyers, "recency"],
                             frame.loc[buyers, "age"])


def _classifier():
    from sklearn.ensemble import HistGradientBoostingClassifier

    return HistGradientBoostingClassifier(early_stopping=False, random_state=0, **CLASSIFIER_SETTINGS)


def _threads(rows: int):
    """OpenMP/BLAS threads of the model step: RADAR_CHURN_THREADS, default 1.

    Measured on the 2-core machine shared with other jobs: two OpenMP threads
    made the classifier's fit 10× slower (78 s against 7 s at 100k rows; the
    threads spin waiting for each other), and one thread fits 200k rows in a
    few CPU seconds. ``rows`` is kept for callers that may tune this by size.
    """
    import os

    import sklearn.ensemble  # noqa: F401 (load its OpenMP runtime before limiting it)
    from threadpoolctl import threadpool_limits

    del rows
    return threadpool_limits(limits=int(os.environ.get("RADAR_CHURN_THREADS", "1")))


def _member_sample(member_ids, fraction: float) -> np.ndarray:
    """Deterministic member sample: a fixed hash of member_id below fraction of its range."""
    if fraction >= 1:
        return np.ones(len(member_ids), dtype=bool)
    hashed = pd.util.hash_pandas_object(pd.Series(member_ids, dtype=str), index=False).to_numpy()
    return (hashed % 1_000_000) < int(fraction * 1_000_000)


def check_cutoff(con, cutoff) -> None:
    """A cut-off must be as_of_date or a complete month end the warehouse keeps history for."""
    as_of = con.execute("select as_of_date from intermediate.int_run_parameters").fetchone()[0]
    known = con.execute("select count(*) from (select distinct month_end from marts.member_segment_history"
                        " where month_end = ?)", [cutoff]).fetchone()[0]
    if cutoff != as_of and not known:
        raise ValueError(f"cannot score as of {cutoff}: the warehouse (as of {as_of}) keeps member "
                         "history only for complete month ends up to its as_of_date")


def _in_parallel(*tasks):
    """Run the tasks (functions of no argument) at once, one thread each; their results in order.

    RADAR_CHURN_JOBS (default 2, the machine's cores) caps how many run at
    once; 1 runs them one after the other. Each thread keeps the step's
    OpenMP/BLAS limit (RADAR_CHURN_THREADS): the limit is set per thread.
    The tasks are deterministic and share nothing they write, so the results
    do not depend on the order they run in.
    """
    import os
    from concurrent.futures import ThreadPoolExecutor

    jobs = max(1, int(os.environ.get("RADAR_CHURN_JOBS", "2")))

    def limited(task):
        with _threads(0):
            return task()

    if jobs == 1 or len(tasks) <= 1:
        return [task() for task in tasks]
    with ThreadPoolExecutor(max_workers=min(jobs, len(tasks))) as pool:
        futures = [pool.submit(limited, task) for task in tasks]
        return [future.result() for future in futures]


def _train_and_score(train, alive, stats: dict, diagnostics: bool, holdout: bool = True):
    """Out-of-time holdout (latest training month end; only with ``holdout``), then the model on every month end.

    The holdout model (with its AUCs and permutation importances) and the
    published model are independent fits: they run at the same time.
    """
    importances: dict[str, float] = {}
    # a feature with fewer than two values in the training rows says nothing
    # (one group, one tier: CDNOW) and breaks the binning: left out
    features = [f for f in FEATURES if train[f].nunique(dropna=True) >= 2]
    y = train["churned_within_horizon"].astype(bool).to_numpy()
    months = sorted(train["snapshot_date"].unique())
    stats.update(training_cutoffs=", ".join(str(_as_date(m)) for m in months),
                 training_rows=int(len(train)), training_churn_rate=float(y.mean()))
    tasks = []
    if holdout and len(months) >= 2:
        early = (train["snapshot_date"] < months[-1]).to_numpy()
        hold = train.loc[~early]
        if len(np.unique(y[early])) == 2:
            used = [f for f in features if train.loc[early, f].nunique(dropna=True) >= 2]
            X_early, X_hold, y_early, y_hold = train.loc[early, used], hold[used], y[early], y[~early]
            auc_bgnbd, auc_recency = _auc(y_hold, bgnbd_score(hold)), _auc(y_hold, recency_score(hold))

            def holdout() -> dict:
                model = _classifier().fit(X_early, y_early)
                predicted = model.predict_proba(X_hold)[:, 1]
                found = {"holdout_cutoff": str(_as_date(months[-1])), "holdout_rows": int(len(X_hold)),
                         "holdout_auc": _auc(y_hold, predicted), "holdout_auc_bgnbd": auc_bgnbd,
                         "holdout_auc_recency": auc_recency}
                if diagnostics and found["holdout_auc"] is not None:
                    from sklearn.inspection import permutation_importance

                    # on at most IMPORTANCE_ROWS holdout rows: the importances are a
                    # description, and at 1M members they cost more than the model
                    result = permutation_importance(model, X_hold.iloc[:IMPORTANCE_ROWS],
                                                    y_hold[:IMPORTANCE_ROWS], scoring="roc_auc",
                                                    n_repeats=2, random_state=0)
                    found["importances"] = dict(zip(used, result.importances_mean.tolist(), strict=True))
                return found

            tasks.append(holdout)
    X_train, X_alive = train[features], alive[features]

    def published() -> np.ndarray:
        return _classifier().fit(X_train, y).predict_proba(X_alive)[:, 1]

    risk, *held = _in_parallel(published, *tasks)
    if held:
        importances = held[0].pop("importances", {})
        stats.update(held[0])
    return risk, stats, importances


def score(con, cutoff, diagnostics: bool = True, with_spend: bool = True, holdout: bool = True) -> ScoreResult:
    """Fit BG/NBD and Gamma-Gamma and train the churn classifier as of ``cutoff``; score.

    Only data dated ≤ cutoff is read; the classifier trains on the members
    alive on the last TRAINING_MONTHS complete month ends c with
    c + 90 ≤ cutoff, features as of c, outcome "no purchase on c+1 … c+90".
    The latest of those month ends is first held out (trained on the earlier
    ones) to measure out-of-time AUC (skipped with ``holdout=False``: the
    holdout figures stay null); the published model then trains on all.
    With no such month end (or a one-class outcome) churn_risk falls back to
    BG/NBD's P(no purchase in 90 days) (method ``bgnbd_fallback``; members
    without a purchase then have no churn_risk).
    """
    cutoff = _as_date(cutoff)
    check_cutoff(con, cutoff)
    now = member_features(con, [cutoff], cutoff)
    with _threads(len(now)):
        return _score(con, cutoff, now, diagnostics, with_spend, holdout)


def _not_fitted(cutoff, now) -> ScoreResult:
    """Too few buyers to fit anything: every model output null, said in one fit row."""
    alive = now.loc[now["is_alive"]].reset_index(drop=True)
    buyers = int((now["has_purchase"] == 1).sum())
    empty = np.full(len(alive), np.nan)
    scores = pd.DataFrame({
        "as_of_date": cutoff, "member_id": alive["member_id"],
        "frequency": alive["frequency"].astype("Int64"), "recency": alive["recency"].astype("Int64"),
        "age": alive["age"].astype("Int64"), "p_alive": empty,
        "expected_purchases_30d": empty, f"expected_purchases_{HORIZON_DAYS}d": empty,
        "expected_spend_per_purchase": empty, "expected_value_90d": empty,
        "p_no_purchase_90d": empty, "churn_risk": empty, "churn_risk_method": "insufficient_data",
    })
    row = {"as_of_date": cutoff, "model": "bgnbd",
           "parameter": f"(not fitted: {buyers} members with a purchase, fewer than {MIN_FIT_BUYERS})",
           "value": None, "std_error_log": None, "log_likelihood": None, "n_members": buyers,
           "unique_rows": None, "iterations": None, "gradient_norm": None, "converged": False,
           "method": "insufficient_data", "training_cutoffs": None, "training_rows": None,
           "training_churn_rate": None, "holdout_cutoff": None, "holdout_rows": None, "holdout_auc": None,
           "holdout_auc_bgnbd": None, "holdout_auc_recency": None}
    return ScoreResult(cutoff, scores, [row], "insufficient_data")


def _score(con, cutoff, now, diagnostics: bool, with_spend: bool = True, holdout: bool = True) -> ScoreResult:
    if int((now["has_purchase"] == 1).sum()) < MIN_FIT_BUYERS:
        return _not_fitted(cutoff, now)
    bg = _fit_bgnbd_frame(now)
    _add_bgnbd(now, bg.params, horizons=(30, HORIZON_DAYS))
    buyers = (now["has_purchase"] == 1).to_numpy()
    # Gamma-Gamma gives expected spend only (not churn_risk nor the BG/NBD
    # scores): the nightly build fits it and fails when it does not converge;
    # the backtest (with_spend=False) only ranks its task list by it, so an
    # early cut-off with a handful of repeat buyers leaves the spend null
    # there (the interim priority) instead of stopping the backtest.
    try:
        gg = fit_with_fallback(fit_gamma_gamma, now.loc[buyers, "frequency"],
                               now.loc[buyers, "repeat_mean_spend"])
    except ChurnModelError:
        if with_spend:
            raise
        gg = None

    alive = now.loc[now["is_alive"]].reset_index(drop=True)
    stats: dict = {"training_cutoffs": None, "training_rows": None, "training_churn_rate": None,
                   "holdout_cutoff": None, "holdout_rows": None, "holdout_auc": None,
                   "holdout_auc_bgnbd": None, "holdout_auc_recency": None}
    importances: dict[str, float] = {}
    method = "bgnbd_fallback"
    risk = alive["bgnbd_p_no_purchase_90d"].to_numpy(float)

    ends = training_month_ends(con, cutoff)
    train = training_features(con, ends, cutoff) if ends else None
    if train is not None and len(train):
        parts = []
        for _end, part in train.groupby("snapshot_date", sort=True):
            part = part.copy()
            try:
                _add_bgnbd(part, _fit_bgnbd_frame(part).params)
            except ChurnModelError:
                continue  # too few buyers that month to fit BG/NBD: not a training month
            parts.append(part.loc[part["is_alive"]])
        train = pd.concat(parts, ignore_index=True) if parts else None
    # the classifier needs both outcomes and enough rows to bin every feature;
    # below MIN_TRAINING_ROWS (tiny data, an early backtest cut-off) the
    # documented BG/NBD fallback scores instead
    if (train is not None and len(train) >= MIN_TRAINING_ROWS
            and train["churned_within_horizon"].nunique() == 2):
        risk, stats, importances = _train_and_score(train, alive, stats, diagnostics, holdout)
        method = "learned"


    scores = pd.DataFrame({
        "as_of_date": cutoff,
        "member_id": alive["member_id"],
        "frequency": alive["frequency"].astype("Int64"),
        "recency": alive["recency"].astype("Int64"),
        "age": alive["age"].astype("Int64"),
        "p_alive": alive["bgnbd_p_alive"],
    })
    has = (alive["has_purchase"] == 1).to_numpy()
    for t in (30, HORIZON_DAYS):
        scores[f"expected_purchases_{t}d"] = alive[f"bgnbd_expected_{t}d"].to_numpy(float)
    spend = np.full(len(alive), np.nan)
    if gg is not None:
        spend[has] = expected_spend(gg.params, alive.loc[has, "frequency"],
                                    alive.loc[has, "repeat_mean_spend"].fillna(0))
    scores["expected_spend_per_purchase"] = spend
    scores["expected_value_90d"] = scores[f"expected_purchases_{HORIZON_DAYS}d"] * spend
    scores["p_no_purchase_90d"] = alive["bgnbd_p_no_purchase_90d"]
    scores["churn_risk"] = risk
    scores["churn_risk_method"] = np.where(np.isnan(risk), "none", method)

    rows = []
    for fit in (bg, gg) if gg is not None else (bg,):
        for name, value in fit.params.items():
            rows.append({"model": fit.model, "parameter": name, "value": value,
                         "std_error_log": fit.extra.get(f"se_log_{name}"),
                         "log_likelihood": fit.log_likelihood, "n_members": fit.n,
                         "unique_rows": fit.unique_rows, "iterations": fit.iterations,
                         "gradient_norm": fit.gradient_norm, "converged": fit.converged,
                         "method": ("penalised_maximum_likelihood" if fit.extra["penalty"]
                                    else "maximum_likelihood"), **stats})
    classifier_rows = importances or {"(fallback: BG/NBD P(no purchase in 90 days))": None}
    if method == "learned" and not importances:
        classifier_rows = dict.fromkeys(FEATURES)
    for name, value in classifier_rows.items():
        rows.append({"model": "churn_classifier", "parameter": name, "value": value,
                     "std_error_log": None, "log_likelihood": None,
                     "n_members": int(len(alive)), "unique_rows": None, "iterations": None,
                     "gradient_norm": None, "converged": method == "learned",
                     "method": method, **stats})
    for row in rows:
        row["as_of_date"] = cutoff
    return ScoreResult(cutoff, scores, rows, method)


def scores_as_of(con, cutoff) -> pd.DataFrame:
    """The churn scores the warehouse would have computed on day ``cutoff``.

    con: a duckdb connection to a built warehouse (read-only is fine).
    cutoff: a ``datetime.date`` — the warehouse's as_of_date or a complete month
    end up to it (the member history the features come from is kept at month
    ends); anything else raises ValueError.

    Returns one row per member alive on cutoff (SPEC §7.1: joined by cutoff and
    not ``churned`` as of cutoff), columns member_id, churn_risk, p_alive,
    expected_purchases_90d (the last two null for members without a purchase;
    churn_risk null only in the fallback for members without a purchase).
    BG/NBD, Gamma-Gamma and the classifier are fitted and trained with data
    dated ≤ cutoff only, the classifier on month ends whose 90-day outcome is
    known by cutoff. Deterministic: the same warehouse and cutoff give the same
    scores.
    """
    # no holdout model: its AUCs are not returned, and the published model does not depend on it
    result = score(con, cutoff, diagnostics=False, with_spend=False, holdout=False)
    return result.scores[["member_id", "churn_risk", "p_alive", "expected_purchases_90d",
                          "expected_value_90d"]].copy()


def write_scores(db_path) -> ScoreResult:
    """The pipeline step: score as of the warehouse's as_of_date into schema ``scores``."""
    import duckdb

    with duckdb.connect(str(db_path)) as con:
        as_of = con.execute("select as_of_date from intermediate.int_run_parameters").fetchone()[0]
        result = score(con, as_of)
        con.execute("create schema if not exists scores")
        for table, frame in (("member_churn_scores", result.scores),
                             ("churn_model_fit", pd.DataFrame(result.fit_rows))):
            con.register("frame_to_write", frame)
            con.execute(f"create or replace table scores.{table} as select * from frame_to_write")
            con.unregister("frame_to_write")
    return result
