"""The null forecaster: size, number of organisations and devolution, and nothing else.

**Features** (:func:`.units.features`), standardised over the 42 units (mean 0, standard
deviation 1, the population one) except devolution, a 0/1 indicator: the log of the unit's
mid-2018 population, its organisations (CCGs of April 2018 plus acute trusts) and a health
devolution deal agreed by May 2018.

**Fit**, on the fitted facts only (:func:`.units.fitted_designations`): a discrete-time
hazard model, logistic, with two periods and one set of slopes ``b``. Period 1 is the first
wave (designated by June 2017; every unit at risk), period 2 the eleven months from July 2017
to May 2018 (the units not designated by June 2017 at risk)::

    logit h1(x) = a1 + b.x          logit h2(x) = a2 + b.x

fitted by Firth's penalised likelihood (the Jeffreys-prior penalty, which keeps the estimates
finite where a feature separates the designated from the rest, as devolution does: both
devolved units were in the first wave). Newton steps from zero, halved until the penalised
likelihood rises; deterministic, no random draw.

**Extrapolation.** After June 2017 the hazard is constant by month at the rate of period 2,
``m(x) = 1 - (1 - h2(x)) ** (1 / 11)``, so a unit's probability of designation by the end of
month ``d``, ``k`` months after June 2017, is ``1 - (1 - h1(x)) * (1 - m(x)) ** k``; its median
designation month is the first month whose probability reaches 0.5, or none before 2022-07.
The statute of July 2022 is not in it: ``p_by_2022-06`` is the chance of designation before.
The forecast is not conditioned on which units were in fact designated by May 2018: like the
model's, it is a fitted model's forecast from the start, for every unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import expit

from simulation.panel import Panel

from .files import DATES, FIRST, HORIZON, Forecast, check_forecast, month_index
from .units import FEATURES, features, fitted_designations, units

#: Months in period 2 (July 2017 to May 2018), over which its hazard is observed.
PERIOD2_MONTHS = 11


@dataclass(frozen=True)
class NullFit:
    """The fitted null forecaster: intercepts of the two periods, the slopes on the
    standardised features (:data:`~.units.FEATURES` order), the standardisation, and counts."""

    a1: float
    a2: float
    slopes: tuple[float, ...]
    means: tuple[float, ...]
    sds: tuple[float, ...]
    at_risk: tuple[int, int]
    events: tuple[int, int]
    iterations: int

    def as_dict(self) -> dict:
        return {"a1": self.a1, "a2": self.a2, "slopes": dict(zip(FEATURES, self.slopes, strict=True)),
                "feature_means": dict(zip(FEATURES, self.means, strict=True)),
                "feature_sds": dict(zip(FEATURES, self.sds, strict=True)),
                "at_risk": list(self.at_risk), "designated": list(self.events),
                "iterations": self.iterations}


def firth_logistic(x: np.ndarray, y: np.ndarray, max_iter: int = 200, tol: float = 1e-10
                   ) -> tuple[np.ndarray, int]:
    """Firth's bias-reduced logistic regression of 0/1 ``y`` on the design matrix ``x`` (its
    columns as given, intercepts included): the coefficients and the Newton steps taken."""
    def penalised(beta: np.ndarray) -> float:
        p = expit(x @ beta)
        info = x.T @ ((p * (1 - p))[:, None] * x)
        eps = 1e-300
        return float(np.sum(y * np.log(p + eps) + (1 - y) * np.log(1 - p + eps))
                     + 0.5 * np.linalg.slogdet(info)[1])

    beta = np.zeros(x.shape[1])
    for it in range(1, max_iter + 1):
        p = expit(x @ beta)
        w = p * (1 - p)
        inverse = np.linalg.inv(x.T @ (w[:, None] * x))
        hat = w * np.einsum("ij,jk,ik->i", x, inverse, x)
        step = inverse @ (x.T @ (y - p + hat * (0.5 - p)))
        now = penalised(beta)
        for _ in range(30):
            if penalised(beta + step) >= now - 1e-12:
                break
            step = step / 2
        beta = beta + step
        if np.max(np.abs(step)) < tol:
            return beta, it
    return beta, max_iter


def fit_null(panel: Panel) -> NullFit:
    """Fit the null forecaster to the panel's fitted facts (module docstring)."""
    names = units(panel)
    feats = features(panel)
    raw = np.array([[feats[u][f] for f in FEATURES] for u in names])
    scaled = np.array([f != "devolution" for f in FEATURES])
    means = np.where(scaled, raw.mean(axis=0), 0.0)
    sds = np.where(scaled & (raw.std(axis=0) > 0), raw.std(axis=0), 1.0)
    z = (raw - means) / sds
    designated = fitted_designations(panel)
    first = np.array([u in designated and designated[u] <= FIRST for u in names], dtype=float)
    by_second = np.array([u in designated for u in names], dtype=float)
    rows, ys = [], []
    for i in range(len(names)):
        rows.append([1.0, 0.0, *z[i]])
        ys.append(first[i])
        if not first[i]:
            rows.append([0.0, 1.0, *z[i]])
            ys.append(by_second[i])
    beta, iterations = firth_logistic(np.array(rows), np.array(ys))
    return NullFit(float(beta[0]), float(beta[1]), tuple(float(b) for b in beta[2:]),
                   tuple(float(m) for m in means), tuple(float(s) for s in sds),
                   (len(names), int(len(names) - first.sum())),
                   (int(first.sum()), int(by_second.sum() - first.sum())), iterations)


def null_forecasts(panel: Panel, fit: NullFit | None = None) -> list[Forecast]:
    """The null forecaster's forecast for every unit, in the panel's order (module docstring)."""
    fit = fit or fit_null(panel)
    feats = features(panel)
    names = {r["footprint"]: r["name"] for r in panel["footprints"]}
    months = range(month_index(FIRST), month_index(HORIZON) + 1)
    out = []
    for u in units(panel):
        z = (np.array([feats[u][f] for f in FEATURES]) - np.array(fit.means)) / np.array(fit.sds)
        lin = float(np.dot(fit.slopes, z))
        h1, h2 = float(expit(fit.a1 + lin)), float(expit(fit.a2 + lin))
        stay = (1 - h2) ** (1 / PERIOD2_MONTHS)

        def p_by(month: int, h1: float = h1, stay: float = stay) -> float:
            return 1 - (1 - h1) * stay ** (month - month_index(FIRST))

        median = next((m for m in months if p_by(m) >= 0.5), None)
        forecast = Forecast(u, None if median is None else f"{median // 12}-{median % 12 + 1:02d}",
                            tuple(p_by(month_index(d)) for d in DATES), names.get(u) or "")
        check_forecast(forecast, f"null forecast for {u}")
        out.append(forecast)
    return out
