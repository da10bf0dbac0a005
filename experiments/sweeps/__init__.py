"""Sweep machinery: many runs of the model, stored so that a killed sweep resumes.

``spec`` (the experiment file, validated) -> ``designs`` (grids, Morris, Sobol, samples) ->
``seeds`` (one seed per run from the root seed) -> ``runner`` (one run, its tables) ->
``executors`` (serial, processes, Dask) -> ``store`` (Parquet parts and metadata, checked
against ``integrity``'s manifest); ``sweep`` ties them together with ``progress`` and
``provenance``. Every command's output follows ``outputs`` (markers, ``--force``, one lock;
docs/reliability.md) and ``atomic`` (files flushed and renamed whole, strict JSON).
"""
