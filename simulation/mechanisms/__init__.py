"""The mechanisms of Brief section 3, one module each, in the order ``DrumbeatModel.step`` runs them.

Each module opens with its *Rule* in words and formulas, its parameters and the seed passages
it rests on, and works on the run's arrays (:class:`simulation.state.State`) with NumPy.

=====  ==================  ================================================================
step   module              Brief section 3 mechanism
=====  ==================  ================================================================
1      (``events.py``)     9 the centre's mandates and the other dated or injected events
2      ``shocks``          11 shocks: winters, workforce, deficits; the burning platform
3      ``leadership``      2 leadership continuity: turnover, successors, inherited trust
4      ``regulation``      8 regulatory pressure: intensity and focus, interventions
5      ``pooling``         4 shared control totals: the pool, transfers, sustainability money
6      ``trust``           1 trust built slowly and lost quickly along ties
7      ``incentives``      3 own books against the system (payment regime, surplus, deficit)
7      ``geography``       10 geography and size: size, hostility, prior collaboration
7      ``centre``          9 the deadline's effect on thresholds
7      ``spread``          12 spread between systems
7      ``contagion``       5 pace of the slowest, then the drumbeat (threshold contagion)
7      ``durability``      13 durability: withdrawals, mandated against home-grown
8      ``consolidation``   7 structural consolidation of commissioners
8      ``service_change``  6 service changes (reconfigurations)
9      ``centre``          9 designation of ICSs by readiness; stage
=====  ==================  ================================================================

The integration index and the stages are outputs, not mechanisms: they live in
``simulation/index.py`` beside the recorder, and the centre's designation reads them.
Geography's world itself (footprints, memberships, ties) is built once, from the seed, by
``simulation/world.py``; ``geography`` holds what it does during a run.

Nothing here imports the teaching app or ``experiments``.
"""
