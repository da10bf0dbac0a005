"""The science on top of the sweeps: pattern-oriented validation (``patterns``, ``validate``),
calibration by ABC-SMC (``calibrate``), the analyses behind docs/findings.md (``findings``)
and the ODD document's generated parameter table (``odd``)."""
