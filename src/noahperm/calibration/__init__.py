"""Calibration stage (paper sections 2.5-2.5.2): CaliTGL, CaliTSH and CaliMAP with Bayesian
optimisation (OpenBox, Gaussian process and Expected Improvement), the convergence threshold
by piecewise-linear regression with BIC, and the 13 members drawn from the optimal sets.
docs/calibration.md."""
