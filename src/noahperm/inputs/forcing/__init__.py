"""Meteorological forcing: the CMFD reader (:mod:`.cmfd`) and the Zarr forcing cache (:mod:`.cache`).

The synthetic demo generator lives in :mod:`noahperm.demo_world.generator`; it writes files that
:mod:`.cmfd` reads like real CMFD files.
"""
