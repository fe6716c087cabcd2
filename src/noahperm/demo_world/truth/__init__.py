"""The demo's twin "truth": a run of the demo world with hidden, non-default parameters whose
output, written in the real formats, stands in for the observations (docs/truth.md).

A twin experiment gives calibration a known answer: the 2010 permafrost map and the observation
network are made from the same model with the parameters of :func:`true_parameters`, so
CaliTGL, CaliTSH and CaliMAP can be judged by how close they come to them.

Modules: ``settings`` (config ``truth`` and defaults), ``params`` (the seeded draw),
``run`` (spin-up + transient in memory), ``pfmap`` (the 1 km map), ``network`` (where the
stations are), ``obsfiles`` (values, noise, gaps, writers), ``make`` (:func:`run_truth`),
``__main__`` (the CLI of rule ``make_truth``).

The true parameters are written to ``<truth_dir>/true_parameters.json``, apart from the raw
inputs and the results: only evaluation code (tests, validation of the calibrations) may read
them; no stage of the workflow that produces a calibrated or simulated product does.
"""

from noahperm.demo_world.truth.make import RAW_PRODUCTS, run_truth
from noahperm.demo_world.truth.params import PARAMETER_FILE, read_parameters, true_parameters
from noahperm.demo_world.truth.settings import DEFAULTS, truth_settings

__all__ = ["DEFAULTS", "PARAMETER_FILE", "RAW_PRODUCTS", "read_parameters", "run_truth",
           "true_parameters", "truth_settings"]
