"""Analysis of stored sweeps: summary tables and sensitivity indices (``tables``), figures
(``figures``, ``runplots`` for a single run) and the written report (``report``)."""
