"""BG/NBD and Gamma-Gamma (radar/churn.py) against published and hand-worked values.

The CDNOW sample ships inside the lifetimes 0.11.3 wheel on PyPI; the test
downloads the wheel (``pip download --no-deps``, no install) into the
git-ignored data/cache/ when it is not there and reads the file out of it
(radar.cdnow.lifetimes_dataset).
"""

from __future__ import annotations

import io
import math

import numpy as np
import pandas as pd
import pytest
from scipy import integrate, stats

from radar import churn
from radar.cdnow import lifetimes_dataset


@pytest.fixture(scope="module")
def cdnow_calibration():
    """(x, t_x, T) in weeks, calibration period 1997-01-01 … 1997-09-30, same-day purchases merged."""
    raw = pd.read_csv(io.BytesIO(lifetimes_dataset("CDNOW_sample.txt")), sep=r"\s+", header=None,
                      names=["customer", "sample_id", "date", "cds", "dollars"], dtype={"date": str})
    raw["date"] = pd.to_datetime(raw["date"], format="%Y%m%d")
    end = pd.Timestamp("1997-09-30")
    days = raw.loc[raw["date"] <= end].drop_duplicates(["customer", "date"]).groupby("customer")["date"]
    first, last, count = days.min(), days.max(), days.count()
    assert len(count) == 2357
    return ((count - 1).to_numpy(float), ((last - first).dt.days / 7).to_numpy(),
            ((end - first).dt.days / 7).to_numpy())


def test_bgnbd_reproduces_fader_hardie_lee_2005_on_cdnow_sample(cdnow_calibration):
    fit = churn.fit_bgnbd(*cdnow_calibration)
    # FHL 2005, section 5: r = 0.243, α = 4.414, a = 0.793, b = 2.426, LL = −9582.4
    assert round(fit.params["r"], 3) == 0.243
    assert round(fit.params["alpha"], 3) == 4.414
    assert round(fit.params["a"], 3) == 0.793
    assert round(fit.params["b"], 3) == 2.426
    assert round(fit.log_likelihood, 1) == -9582.4
    assert fit.n == 2357 and fit.unique_rows < fit.n  # collapsed to unique rows
    assert fit.gradient_norm < churn.GRADIENT_TOLERANCE


def test_bgnbd_collapsed_and_per_member_likelihood_agree(cdnow_calibration):
    x, t_x, T = cdnow_calibration
    theta = np.log([0.243, 4.414, 0.793, 2.426])
    per_member = churn.bgnbd_log_likelihood(theta, x, t_x, T)[0].sum()
    (ux, ut, uT), w = churn.collapse(x, t_x, T)
    assert w @ churn.bgnbd_log_likelihood(theta, ux, ut, uT)[0] == pytest.approx(per_member, rel=1e-12)
    assert per_member == pytest.approx(-9582.4, abs=0.1)


def test_bgnbd_gradient_matches_finite_differences(cdnow_calibration):
    x, t_x, T = cdnow_calibration
    theta = np.log([0.5, 3.0, 1.2, 2.0])
    _, gradient = churn.bgnbd_log_likelihood(theta, x, t_x, T)
    analytic = gradient.sum(axis=1)
    step = 1e-6
    for i in range(4):
        up, down = theta.copy(), theta.copy()
        up[i] += step
        down[i] -= step
        numeric = (churn.bgnbd_log_likelihood(up, x, t_x, T)[0].sum()
                   - churn.bgnbd_log_likelihood(down, x, t_x, T)[0].sum()) / (2 * step)
        assert analytic[i] == pytest.approx(numeric, rel=1e-6, abs=1e-6)


def _random_bgnbd_rows(seed):
    """Small random (x, t_x, T, weight) rows, unsorted, with repeated x, days and x = 0 rows."""
    rng = np.random.default_rng(seed)
    n = 300
    x = rng.integers(0, 6, n).astype(float)
    T = rng.integers(1, 40, n).astype(float)
    t_x = np.where(x > 0, np.floor(rng.random(n) * (T + 1)), 0.0)
    return x, t_x, T, rng.integers(1, 5, n).astype(float)


@pytest.mark.parametrize("seed", [0, 1, 2])
@pytest.mark.parametrize("params", [(0.243, 4.414, 0.793, 2.426), (2.0, 0.5, 3.0, 0.7), (1.0, 30.0, 0.2, 9.0)])
def test_grouped_bgnbd_likelihood_equals_the_per_row_formula(seed, params):
    # the grouped sum (per distinct x, per distinct day, x = 0 by T) against
    # the per-row formula weighted: any row given another row's x, day or
    # weight moves the value
    x, t_x, T, w = _random_bgnbd_rows(seed)
    theta = np.log(params)
    ll, gradient = churn.bgnbd_log_likelihood(theta, x, t_x, T)
    grouped_ll, grouped_gradient = churn.BgnbdLikelihood(x, t_x, T, w)(theta)
    assert grouped_ll == pytest.approx(w @ ll, rel=1e-12)
    np.testing.assert_allclose(grouped_gradient, gradient @ w, rtol=1e-10, atol=1e-9)
    # collapsed rows with their counts give the same sum
    (ux, ut, uT), counts = churn.collapse(np.repeat(x, w.astype(int)), np.repeat(t_x, w.astype(int)),
                                          np.repeat(T, w.astype(int)))
    assert churn.BgnbdLikelihood(ux, ut, uT, counts)(theta)[0] == pytest.approx(w @ ll, rel=1e-12)


def test_grouped_bgnbd_likelihood_without_repeat_buyers():
    x, t_x, T = np.zeros(4), np.zeros(4), np.array([3.0, 5.0, 3.0, 8.0])
    theta = np.log([0.5, 2.0, 1.0, 2.0])
    ll, gradient = churn.bgnbd_log_likelihood(theta, x, t_x, T)
    grouped_ll, grouped_gradient = churn.BgnbdLikelihood(x, t_x, T, np.ones(4))(theta)
    assert grouped_ll == pytest.approx(ll.sum(), rel=1e-12)
    np.testing.assert_allclose(grouped_gradient, gradient.sum(axis=1), rtol=1e-10, atol=1e-12)


def test_collapse_matches_unique_rows():
    rng = np.random.default_rng(5)
    columns = [rng.integers(0, 4, 500).astype(float), rng.integers(0, 7, 500) / 3, rng.random(500).round(1)]
    unique, counts = churn.collapse(*columns)
    expected, expected_counts = np.unique(np.column_stack(columns), axis=0, return_counts=True)
    np.testing.assert_array_equal(np.column_stack(unique), expected)
    np.testing.assert_array_equal(counts, expected_counts)


PARAMS = {"r": 1.0, "alpha": 2.0, "a": 2.0, "b": 3.0}


def test_p_alive_by_hand():
    # x = 0: no repeat purchase, never had a chance to drop out: p_alive = 1.
    assert churn.p_alive(PARAMS, [0], [0], [10])[0] == 1.0
    # x = 2, t_x = 4, T = 10, r = 1, α = 2, a = 2, b = 3:
    # odds = a/(b+x−1) · ((α+T)/(α+t_x))^(r+x) = 2/4 · (12/6)^3 = 0.5 · 8 = 4
    # p_alive = 1 / (1 + 4) = 0.2
    assert churn.p_alive(PARAMS, [2], [4], [10])[0] == pytest.approx(0.2, rel=1e-12)
    # bought on the cut-off day (t_x = T): odds = 2/4 · 1 = 0.5, p_alive = 2/3
    assert churn.p_alive(PARAMS, [2], [10], [10])[0] == pytest.approx(2 / 3, rel=1e-12)


def posterior_expectation(params, t, x, t_x, T):
    """E[Y(t) | data] by quadrature, without 2F1.

    Alive at T (probability p_alive), λ | data ~ Gamma(r+x, α+T) and
    p | data ~ Beta(a, b+x), independent. Alive with (λ, p), purchases come at
    rate λ until the dropout that follows a purchase with probability p, so
    E[Y(t) | λ, p] = ∫_0^t λ e^(−λps) ds = (1 − e^(−λpt)) / p, and
    E_λ[e^(−λpt)] = ((α+T)/(α+T+pt))^(r+x): one integral over p remains.
    """
    r, alpha, a, b = (params[k] for k in ("r", "alpha", "a", "b"))
    # p_alive written out again here (not churn.p_alive) to keep the check independent
    odds = 0.0 if x == 0 else a / (b + x - 1) * ((alpha + T) / (alpha + t_x)) ** (r + x)
    beta = stats.beta(a, b + x)

    def integrand(p):
        return (1 - ((alpha + T) / (alpha + T + p * t)) ** (r + x)) / p * beta.pdf(p)

    value, _ = integrate.quad(integrand, 0, 1, epsabs=1e-13, epsrel=1e-11)
    return value / (1 + odds)


@pytest.mark.parametrize("x, t_x, T", [(2, 4, 10), (0, 0, 10), (5, 30, 31)])
@pytest.mark.parametrize("t", [0.01, 1.0, 30.0, 90.0])
def test_conditional_expectation_against_quadrature(x, t_x, T, t):
    expected = posterior_expectation(PARAMS, t, x, t_x, T)
    got = churn.expected_purchases(PARAMS, t, [x], [t_x], [T])[0]
    assert got == pytest.approx(expected, rel=1e-8)


def test_conditional_expectation_small_t_by_hand():
    # For small t, E[Y(t)] ≈ p_alive · E[λ | alive] · t = 0.2 · (r+x)/(α+T) · t
    # = 0.2 · 3/12 · t = 0.05 t (x = 2, t_x = 4, T = 10; second-order term O(t²)).
    t = 1e-4
    got = churn.expected_purchases(PARAMS, t, [2], [4], [10])[0]
    assert got == pytest.approx(0.05 * t, rel=1e-3)


def test_p_no_purchase_by_hand():
    # x = 2, t_x = 4, T = 10, t = 12: ((α+T)/(α+T+t))^(r+x) = (12/24)^3 = 1/8;
    # P(no purchase) = 1 − p_alive · (1 − 1/8) = 1 − 0.2 · 0.875 = 0.825
    assert churn.p_no_purchase(PARAMS, 12, [2], [4], [10])[0] == pytest.approx(0.825, rel=1e-12)
    # x = 0, T = 10, t = 12: p_alive = 1, (12/24)^1 = 0.5 → 0.5
    assert churn.p_no_purchase(PARAMS, 12, [0], [0], [10])[0] == pytest.approx(0.5, rel=1e-12)


def test_fit_that_cannot_converge_raises():
    # Nobody ever repeats: the likelihood (α/(α+T))^r grows as r → 0, no interior optimum.
    # a and b then have no data at all: the likelihood is flat along them.
    with pytest.raises(churn.ChurnModelError, match="did not converge.*flat"):
        churn.fit_bgnbd(np.zeros(50), np.zeros(50), np.arange(1, 51, dtype=float))
    # One repeat among 51 members: a → ∞, b → 0 along a ridge, no interior maximum.
    with pytest.raises(churn.ChurnModelError, match="did not converge"):
        churn.fit_bgnbd(np.r_[np.zeros(50), 1], np.r_[np.zeros(50), 1], np.arange(1, 52, dtype=float))
    with pytest.raises(churn.ChurnModelError, match="at least one member"):
        churn.fit_bgnbd([0], [0], [0])


# ---------------------------------------------------------------- Gamma-Gamma

GG = {"p": 2.0, "q": 3.0, "gamma": 10.0}


def test_gamma_gamma_expected_spend_by_hand():
    # x = 2, m = 5: (γ + x m) p / (p x + q − 1) = (10 + 10) · 2 / (4 + 3 − 1) = 40 / 6
    # x = 0: the population mean γ p / (q − 1) = 20 / 2 = 10
    got = churn.expected_spend(GG, [2, 0], [5, np.nan])
    assert got[0] == pytest.approx(40 / 6, rel=1e-12)
    assert got[1] == pytest.approx(10.0, rel=1e-12)


def test_gamma_gamma_density_against_quadrature():
    # mean m of x purchase days: given ν, x·m ~ Gamma(p x, rate ν) so m ~ Gamma(p x, rate x ν);
    # integrate ν ~ Gamma(q, rate γ) out numerically.
    p, q, g = GG["p"], GG["q"], GG["gamma"]
    for x, m in [(1, 4.0), (3, 7.5), (10, 2.0)]:
        def integrand(nu, x=x, m=m):
            return (stats.gamma(p * x, scale=1 / (x * nu)).pdf(m)
                    * stats.gamma(q, scale=1 / g).pdf(nu))

        numeric, _ = integrate.quad(integrand, 0, np.inf, epsabs=1e-14, epsrel=1e-11)
        ll, _ = churn.gamma_gamma_log_likelihood(np.log([p, q, g]), np.array([x]), np.array([m]))
        assert math.exp(ll[0]) == pytest.approx(numeric, rel=1e-8)


def test_gamma_gamma_fit_is_a_maximum_and_recovers_simulated_parameters():
    # 20,000 members, p = 6, q = 4, γ = 15, 1–10 repeat purchase days each
    rng = np.random.default_rng(7)
    n = 20_000
    nu = rng.gamma(4.0, 1 / 15.0, n)
    x = rng.integers(1, 11, n)
    m = rng.gamma(6.0 * x, 1 / (x * nu))
    fit = churn.fit_gamma_gamma(x, m)
    assert fit.gradient_norm < churn.GRADIENT_TOLERANCE
    assert fit.params["p"] == pytest.approx(6.0, rel=0.1)
    assert fit.params["q"] == pytest.approx(4.0, rel=0.1)
    assert fit.params["gamma"] == pytest.approx(15.0, rel=0.15)
    # no nearby point is better
    best = np.log([fit.params[k] for k in ("p", "q", "gamma")])
    ll_best = churn.gamma_gamma_log_likelihood(best, x.astype(float), m)[0].sum()
    for i in range(3):
        for step in (-1e-3, 1e-3):
            moved = best.copy()
            moved[i] += step
            assert churn.gamma_gamma_log_likelihood(moved, x.astype(float), m)[0].sum() < ll_best
    # members with x = 0 are left out of the fit, and so are non-positive means
    same = churn.fit_gamma_gamma(np.r_[x, 0, 0], np.r_[m, np.nan, 3.0])
    assert same.params == pytest.approx(fit.params, rel=1e-9)


@pytest.mark.parametrize("seed", [0, 1])
@pytest.mark.parametrize("params", [(2.0, 3.0, 10.0), (0.3, 8.0, 150.0), (6.0, 1.5, 0.4)])
def test_grouped_gamma_gamma_likelihood_equals_the_per_row_formula(seed, params):
    rng = np.random.default_rng(seed)
    x = rng.integers(1, 6, 300).astype(float)
    m = rng.gamma(2.0, 5.0, 300)
    w = rng.integers(1, 5, 300).astype(float)
    theta = np.log(params)
    ll, gradient = churn.gamma_gamma_log_likelihood(theta, x, m)
    grouped_ll, grouped_gradient = churn.GammaGammaLikelihood(x, m, w)(theta)
    assert grouped_ll == pytest.approx(w @ ll, rel=1e-12)
    np.testing.assert_allclose(grouped_gradient, gradient @ w, rtol=1e-9, atol=1e-8)


def test_gamma_gamma_gradient_matches_finite_differences():
    x, m = np.array([1.0, 2.0, 5.0]), np.array([3.0, 10.0, 0.5])
    theta = np.log([2.0, 3.0, 10.0])
    _, gradient = churn.gamma_gamma_log_likelihood(theta, x, m)
    for i in range(3):
        up, down = theta.copy(), theta.copy()
        up[i] += 1e-6
        down[i] -= 1e-6
        numeric = (churn.gamma_gamma_log_likelihood(up, x, m)[0].sum()
                   - churn.gamma_gamma_log_likelihood(down, x, m)[0].sum()) / 2e-6
        assert gradient.sum(axis=1)[i] == pytest.approx(numeric, rel=1e-6)
