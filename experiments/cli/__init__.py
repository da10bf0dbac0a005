"""The ``drumbeat`` command line: ``main`` is the entry point, and each sub-command is a module
of its own here (``run``, ``sweep``, ``report``, ``validate``, ``calibrate``, ``teach``, ``odd``,
``params``, ``scenarios``)."""
