"""Sweep machinery: many runs of the model, stored so that a killed sweep resumes.

``spec`` (the experiment file, validated) -> ``designs`` (grids, Morris, Sobol, samples) ->
``seeds`` (one seed per run from the root seed) -> ``runner`` (one run, its tables) ->
``executors`` (serial, processes, Dask) -> ``store`` (Parquet parts and metadata);
``sweep`` ties them together with ``progress`` and ``provenance``; ``atomic`` gives every
command an output folder that appears whole or not at all.
"""
