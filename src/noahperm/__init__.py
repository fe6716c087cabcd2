"""noahperm: a Numba port of the authors' modified Noah LSM v3.4.1 for QTP permafrost studies."""

__version__ = "0.1.0"
