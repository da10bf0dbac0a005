"""Scoring a forecast of which real systems were designated when, and the null forecaster
(issue 23, point 4; docs/england.md, "Scoring a forecast").

**This rule was fixed on the date of the commit that added this package (7 December 2026;
``git log --diff-filter=A -- experiments/science/forecast``), before the held-out record was
consulted and before any forecast existed.** Changing it after the record is seen makes the
score worthless: a change goes in a new function beside this one, never into it.

- :mod:`.files`: the forecast format (``predictions.csv``: one row a unit, its median
  designation month and its probability of designation by each June and December from
  2017-06 to 2022-06) and the outcome format, with readers that refuse a malformed file in
  one line naming the file, row and problem, and writers.
- :mod:`.units`: the scored unit (the 42 footprints of 30 June 2022, under their codes of
  that date), how a designation of June 2017 or May 2018 maps onto it under the panel's
  rules, and the null forecaster's features.
- :mod:`.score`: Harrell's C-index over pairs of units (risk: the forecast median month) and
  the Brier score by date, over all units and over what is held out.
- :mod:`.null`: the null forecaster (size, number of organisations, devolution), fitted to
  the June 2017 and May 2018 designations only.

No outcome after May 2018 is in this repository: the held-out record is supplied later, as
an outcome file, by someone who has not seen the forecasts scored.
"""

from .files import (
    DATES,
    HORIZON,
    Forecast,
    read_outcomes,
    read_predictions,
    write_outcomes,
    write_predictions,
)
from .null import NullFit, fit_null, null_forecasts
from .score import brier_by_date, c_index, score
from .units import fitted_designations, units

__all__ = ["DATES", "HORIZON", "Forecast", "NullFit", "brier_by_date", "c_index", "fit_null",
           "fitted_designations", "null_forecasts", "read_outcomes", "read_predictions", "score",
           "units", "write_outcomes", "write_predictions"]
