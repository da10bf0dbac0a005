"""Every tunable parameter of the model, declared once, with units, range and source.

One validated object (:class:`Params`, pydantic) holds them. Unknown keys are refused
with the list of valid ones; each field's description gives its units, and the seed
passages it rests on as ``NNN:line`` (resolved in ``docs/sources.md``). The ODD parameter
table in ``docs/ODD.md`` is generated from this class (``drumbeat odd``).

A step of the model is one month. Hazards given per year are converted to monthly
probabilities with ``1 - exp(-h / 12)``.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field


def _f(default: float, lo: float, hi: float, desc: str) -> float:
    """A bounded float parameter; the description carries units and citation."""
    return Field(default, ge=lo, le=hi, description=desc)


class Params(BaseModel):
    """Mechanism parameters of one run. All fields have defaults; scenarios override some."""

    model_config = ConfigDict(extra="forbid", validate_assignment=True, frozen=False)

    # --- 1. Trust: built slowly, lost quickly --------------------------------------------
    trust_gain: float = _f(0.06, 0.0, 1.0, "a_up: fraction of the gap to full trust closed by one good experience (per contact). 000:166, 002:2583-2599")  # noqa: E501
    trust_loss: float = _f(0.20, 0.0, 1.0, "a_down: fraction of trust lost by one bad experience (per contact); a_down > a_up. 001:89, 004:852")  # noqa: E501
    contact_rate: float = _f(0.6, 0.0, 1.0, "probability per month that a tie has a working contact (meeting, open books). 000:166, 002:2586")  # noqa: E501
    good_base: float = _f(0.8, 0.0, 1.0, "probability that a contact is a good experience between neutral leaders with no history. 002:2583-2599")  # noqa: E501
    good_orientation: float = _f(0.3, 0.0, 1.0, "added probability of a good experience per unit of the pair's mean system orientation above 0.5 (probability per unit orientation). 002:2595")  # noqa: E501
    good_committed: float = _f(0.12, 0.0, 0.5, "added probability of a good experience when both sides are committed to the system (working together, open books) (probability). 002:2589-2595")  # noqa: E501
    initial_trust: float = _f(0.35, 0.0, 1.0, "mean starting tie trust in a system with no prior collaboration or hostility (0-1). 000:198")  # noqa: E501
    stranger_trust: float = _f(0.25, 0.0, 1.0, "trust a new leader starts from with a counterpart (0-1). 000:194-200")  # noqa: E501
    interim_contact: float = _f(0.5, 0.0, 1.0, "share of its contacts an organisation keeps while its post is held by an interim leader or it is under statutory intervention (fraction). 000:568-604, 000:474")  # noqa: E501

    # --- 2. Leadership continuity ----------------------------------------------------------
    leader_tenure_years: float = _f(3.0, 0.5, 15.0, "mean tenure of a chief executive / accountable officer / council leader (years); turnover hazard = 1/tenure. 000:194-200, 004:276")  # noqa: E501
    failing_turnover_mult: float = _f(2.0, 1.0, 5.0, "multiplier on the leaving hazard of a leader whose organisation is failing or under intervention (ratio). 000:194, 004:276")  # noqa: E501
    trust_inherited: float = _f(0.4, 0.0, 1.0, "share of the predecessor's relationship trust (above stranger level) a successor inherits (fraction). 000:198-200, 002:2613-2632")  # noqa: E501
    change_agenda: float = _f(0.3, 0.0, 1.0, "probability a successor is appointed 'on the change agenda' (high system orientation) (probability). 000:200")  # noqa: E501
    internal_successor: float = _f(0.2, 0.0, 1.0, "probability that a successor comes from inside the system (knows the place and its people) in a system with integration index 0 (probability). 002:2613-2620, 000:568-604")  # noqa: E501
    internal_successor_maturity: float = _f(0.5, 0.0, 1.0, "added probability of an internal successor per unit of the home system's integration index: systems that develop their leaders grow their own (probability). 000:196-200, 002:2628-2632")  # noqa: E501
    internal_trust_inherited: float = _f(0.8, 0.0, 1.0, "share of the predecessor's relationship trust (above stranger level) an internal successor keeps (fraction). 002:2613-2620")  # noqa: E501
    council_election_years: float = _f(4.0, 1.0, 10.0, "years between a council's elections (each council on its own cycle, elections in May) (years). 002:3152-3201")  # noqa: E501
    party_change: float = _f(0.25, 0.0, 1.0, "probability that an election changes a council's political control: new leader, partnership under review (probability). 002:3152-3201, 004:884-886")  # noqa: E501
    leader_pipeline_months: float = _f(4.0, 0.0, 24.0, "mean months an organisation runs with an interim leader (weak ties) before the post is filled; the pipeline is thin. 000:568-604, 003:40-41")  # noqa: E501
    new_council_orientation: float = _f(0.3, 0.0, 1.0, "highest system orientation of the leader a council gets when an election changes its political control (0-1). 002:3152-3201, 004:884-886")  # noqa: E501

    # --- 3. Incentives ------------------------------------------------------------------
    payment: Literal["pbr", "blended", "block"] = Field("pbr", description="payment regime for trusts: payment by results rewards hospital activity; block/aligned contracts remove that. 004:431-437, 002:3827, 004:1024")  # noqa: E501
    pbr_penalty: float = _f(0.25, 0.0, 1.0, "added adoption threshold for an acute trust under PbR, halved when blended, zero under block (fraction of neighbours). 004:431-437")  # noqa: E501
    loss_aversion: float = _f(2.0, 1.0, 5.0, "lambda: weight on expected losses relative to gains when a surplus organisation weighs pooling (ratio). 004:710")  # noqa: E501
    own_books_weight: float = _f(0.6, 0.0, 1.0, "weight an organisation puts on its own financial position against system benefit (0 system, 1 own books). 004:429-437, 000:110")  # noqa: E501
    sustainability_fund: bool = Field(True, description="whether sustainability money is paid to NHS bodies that hit their control total (from 2016/17 in England). 002:3089-3095")  # noqa: E501

    # --- 4. Shared control totals ---------------------------------------------------------
    pooling_available: bool = Field(True, description="whether systems may agree a system control total (from 2017/18 in England). 002:3075-3101")  # noqa: E501
    incentive: Literal["proportional", "all_or_nothing"] = Field("proportional", description="design of sustainability money tied to the system control total. 002:3089-3101, 002:3473-3479")  # noqa: E501
    incentive_size: float = _f(0.7, 0.0, 5.0, "sustainability money available to each member for hitting the system control total (GBP m per month). 002:3075-3101")  # noqa: E501
    incentive_linked: float = _f(0.5, 0.0, 1.0, "share of sustainability money linked to the system total under the proportional design (fraction). 002:3473-3479")  # noqa: E501
    system_benefit: float = _f(1.5, 0.0, 10.0, "value a fully system-minded leader with full trust puts on the system control total working (GBP m per month). 004:1030, 002:4100-4101")  # noqa: E501
    pool_signup: float = _f(0.6, 0.1, 1.0, "share of a system's NHS bodies that must sign before a system control total starts (fraction). 002:3473-3479")  # noqa: E501
    pool_consensus: float = _f(0.8, 0.3, 1.0, "share of a system's members that must be committed before a system control total is proposed (fraction). 002:2899, 000:640")  # noqa: E501
    pool_trust_min: float = _f(0.45, 0.0, 1.0, "mean tie trust a system needs before members will sign a system control total (0-1). 002:1527-1529")  # noqa: E501
    overspend_trust_hit: float = _f(1.0, 0.0, 3.0, "bad experiences per month inflicted on each pool partner by a member overspending inside the pool (count). 002:1527-1529")  # noqa: E501
    finance_noise: float = _f(0.5, 0.0, 5.0, "standard deviation of an organisation's monthly financial result around its plan (GBP m per month). 004:437")  # noqa: E501
    overspend_sds: float = _f(2.0, 0.0, 10.0, "a pool member overspends badly (costing its partners overspend_trust_hit) when its month's result is more than this many finance_noise standard deviations below zero (count). 002:1527-1529")  # noqa: E501
    pool_dissolve_margin: float = _f(0.15, 0.0, 1.0, "a system control total breaks up when the system's mean tie trust falls more than this below pool_trust_min (0-1). 002:1527-1529")  # noqa: E501
    pool_dissolve_share: float = _f(0.5, 0.0, 1.0, "a system control total breaks up when fewer of the system's NHS bodies remain signed than this share of pool_signup (fraction). 002:3473-3479")  # noqa: E501

    # --- 5. Pace of the slowest, then the drumbeat ---------------------------------------------
    threshold_mean: float = _f(0.4, 0.0, 1.0, "mean fractional threshold: trust-weighted share of partners committed that makes an organisation commit (fraction). 000:640")  # noqa: E501
    threshold_sd: float = _f(0.15, 0.0, 0.5, "spread of thresholds between organisations (fraction). 000:640, 002:2899")  # noqa: E501
    external_push: float = _f(0.004, 0.0, 0.1, "p: monthly probability an organisation commits from outside pressure alone (Bass innovation) (probability per month). 000:322-326")  # noqa: E501
    initial_commitment: float = _f(0.05, 0.0, 1.0, "probability that an organisation is already committed to system working when the run starts (probability). 002:1026, 004:288")  # noqa: E501
    peer_push: float = _f(0.02, 0.0, 0.5, "q: monthly probability of commitment per unit share of committed partners (Bass imitation) (probability per month). 000:640")  # noqa: E501
    orientation_weight: float = _f(0.3, 0.0, 1.0, "threshold added per unit of a leader's orientation below 0.5 (own organisation first) (fraction). 000:200, 004:870")  # noqa: E501
    shared_data: bool = Field(False, description="a single shared data set across the system: facts speak for themselves, more contact and peer pressure. 000:212, 000:636")  # noqa: E501
    shared_data_effect: float = _f(0.1, 0.0, 0.5, "threshold reduction and contact boost when shared data is live (fraction). 000:212, 000:636")  # noqa: E501

    # --- 6. Service changes ---------------------------------------------------------------
    change_rate: float = _f(0.6, 0.0, 5.0, "service changes proposed per year by a system at integration index 1 (per year). 000:534, 002:3352")  # noqa: E501
    change_months: float = _f(30.0, 3.0, 144.0, "mean months from proposal to decision (consultation, scrutiny, review). 000:646-650, 002:3352-3376")  # noqa: E501
    competition_review: float = _f(0.2, 0.0, 1.0, "probability a change goes to competition review, which blocks it with probability 1/2 (probability). 004:1073, 000:650")  # noqa: E501
    forced_trust_hit: float = _f(2.0, 0.0, 5.0, "bad experiences on the losers' ties when a change is forced through without consent (count). 000:408, 000:646-650")  # noqa: E501
    change_value: float = _f(0.3, 0.0, 5.0, "money a delivered service change moves: the losing trust's monthly plan falls by this, the rest of the system's rises by 1.5 times it, shared (GBP m per month). 000:534, 004:1030")  # noqa: E501
    blocked_trust_hit: float = _f(0.5, 0.0, 5.0, "bad experiences on the ties between the losing trust and its partners when a change is blocked (count). 000:534, 002:3352-3376")  # noqa: E501
    reversal_rate: float = _f(0.05, 0.0, 1.0, "yearly hazard a delivered change is reversed when system trust is below the pooling minimum (per year). 000:628, 002:3117")  # noqa: E501

    # --- 7. Structural consolidation --------------------------------------------------------
    shared_ce_rate: float = _f(0.05, 0.0, 1.0, "yearly probability, at full mutual trust, that two committed acute trusts of a system come to share a chief executive (per year). 000:616-620")  # noqa: E501
    shared_ce_trust: float = _f(0.8, 0.0, 1.0, "trust two hospitals with one chief executive hold in each other at least (0-1). 000:616-620")  # noqa: E501
    merger_years: float = _f(12.0, 1.0, 50.0, "mean years from sharing a chief executive to a merger (Bournemouth and Poole: a dozen years) (years). 000:646-650")  # noqa: E501
    ccg_merge_months: float = _f(18.0, 3.0, 120.0, "mean months for committed CCGs of a system to move one step: separate -> shared accountable officer -> single team -> merged. 000:614, 000:622-626")  # noqa: E501

    # --- 8. Regulatory pressure ---------------------------------------------------------------
    reg_intensity: float = _f(0.5, 0.0, 1.0, "how hard regulators push: the share of NHS bodies they ask to review each month (times review_rate) and the chance that a failing reviewed body is taken over (0-1). 004:870, 000:474")  # noqa: E501
    reg_focus: float = _f(0.3, 0.0, 1.0, "what regulators measure and reward in a review: 0 each organisation's own books and targets, 1 its system's control total and shared performance (0-1). 004:870, 000:332, 002:3512")  # noqa: E501
    review_rate: float = _f(0.15, 0.0, 1.0, "monthly probability that an NHS body is due an oversight review at full intensity (probability per month). 002:3526-3530")  # noqa: E501
    review_capacity: float = _f(6.0, 0.0, 100.0, "oversight reviews a regional regulator can hold in a month; demand above it waits (reviews per region per month). 002:3512-3514, 000:484-488")  # noqa: E501
    audit_share: float = _f(0.3, 0.0, 1.0, "share of a regulator's reviews given to bodies drawn at random (audit) rather than to the worst-scoring (fraction). 002:3526-3530")  # noqa: E501
    review_learning: float = _f(0.2, 0.0, 1.0, "fraction of the gap a reviewed leader's orientation closes towards what the review measured (0 own books, 1 the system) (fraction per review). 002:3526-3530, 002:3512-3514")  # noqa: E501
    review_bar: float = _f(0.5, 0.0, 1.0, "review score below which a body is put under undertakings (0-1). 004:870")  # noqa: E501
    autonomy_months: float = _f(12.0, 0.0, 60.0, "months a body that passes its review is left alone (earned autonomy; delegated offsets) (months). 000:332, 003:4")  # noqa: E501
    stability_discount: float = _f(0.6, 0.0, 1.0, "fraction by which a fully integrated system's intervention risk is reduced (fraction). 002:4012-4013")  # noqa: E501
    failing_deficit: float = _f(-4.0, -50.0, 0.0, "year-to-date financial result below which an organisation counts as failing (GBP m). 000:474")  # noqa: E501
    failing_performance: float = _f(0.55, 0.0, 1.0, "performance against targets below which an organisation counts as failing (share of target met, 0-1). 000:474")  # noqa: E501
    perf_noise: float = _f(0.05, 0.0, 0.5, "standard deviation of the monthly noise on an organisation's performance against targets (share of target met, 0-1). 000:474")  # noqa: E501
    perf_pressure_drop: float = _f(0.3, 0.0, 1.0, "performance against targets lost per unit of the home system's winter and workforce pressure (share of target met, 0-1). 001:18-22, 002:3037")  # noqa: E501
    perf_shock_drop: float = _f(0.1, 0.0, 1.0, "performance against targets lost while an organisation is under a deficit shock (share of target met, 0-1). 000:474")  # noqa: E501
    intervention_months: int = Field(12, ge=1, le=60, description="months a body stays under statutory intervention: out of the pool, commitment withdrawn, contacts cut (months). 000:474")  # noqa: E501
    intervention_replace: float = _f(0.5, 0.0, 1.0, "probability that a body's leader is removed when it is put under statutory intervention (probability). 000:474")  # noqa: E501

    # --- 9. The centre's mandates ----------------------------------------------------------------
    shadow_index: float = _f(0.4, 0.0, 1.0, "integration index at which a committed partnership counts as a shadow ICS (0-1). 002:1443-1455")  # noqa: E501
    mature_index: float = _f(0.75, 0.0, 1.0, "integration index at which a designated ICS counts as mature/thriving (0-1). 003:4")  # noqa: E501
    deadline_effect: float = _f(0.3, 0.0, 1.0, "threshold reduction once a national deadline is announced, reached over deadline_ramp_months (fraction). 000:322-326")  # noqa: E501
    deadline_ramp_months: float = _f(4.0, 0.5, 36.0, "months for a deadline to turn resisters into constructive players (months). 000:322-326")  # noqa: E501
    deadline_decay_months: float = _f(6.0, 0.5, 60.0, "e-folding months over which a deadline's pull fades once its due date has passed (months). 000:322-326, 000:654-660")  # noqa: E501
    designation_index: float = _f(0.65, 0.0, 1.0, "integration index at which the centre judges a system ready to be designated an ICS (0-1). 002:1443-1455, 003:4")  # noqa: E501
    readiness_months: int = Field(3, ge=1, le=36, description="consecutive months a system must stay ready (index, members' commitment, finances) before the centre designates it (months). 002:1443-1455, 003:4")  # noqa: E501
    review_months: int = Field(3, ge=1, le=24, description="months between the centre's readiness reviews (continuous designation from the start; invited designation from the first invitation) (months). 002:1443-1455, 003:4")  # noqa: E501
    designation: Literal["continuous", "invited"] = Field("continuous", description="continuous: the centre reviews readiness from the start; invited: only once it has invited applications (a designation_wave event), then at every invitation and every review_months. 002:1443-1455")  # noqa: E501
    edict_trust_hit: float = _f(0.5, 0.0, 3.0, "bad experiences per tie from an inconsistent or sudden central edict (count). 000:174, 000:486")  # noqa: E501

    # --- 10. Geography and size ------------------------------------------------------------------
    hostility_trust: float = _f(0.25, 0.0, 1.0, "starting trust removed, and bad-experience probability added, at full long-standing hostility (0-1). 000:660")  # noqa: E501
    hostility_threshold: float = _f(0.25, 0.0, 1.0, "adoption threshold added at full long-standing hostility: partners who have not got on for years do not follow each other (fraction). 000:660")  # noqa: E501
    prior_collab_trust: float = _f(0.2, 0.0, 1.0, "starting trust added at full prior collaboration (vanguard, devolution) (0-1). 002:1026, 004:288, 004:929")  # noqa: E501

    # --- 11. Shocks ----------------------------------------------------------------------------
    winter_pressure: float = _f(0.4, 0.0, 1.0, "share of contacts crowded out in December-February (fraction). 001:18-22, 002:3037")  # noqa: E501
    deficit_shock_rate: float = _f(0.05, 0.0, 1.0, "yearly probability an organisation is hit by a deficit shock (per year). 002:3037")  # noqa: E501
    deficit_shock_size: float = _f(1.5, 0.0, 10.0, "monthly loss during a deficit shock, which lasts deficit_shock_months (GBP m per month). 000:474")  # noqa: E501
    deficit_shock_months: int = Field(6, ge=1, le=36, description="months a deficit shock lasts, drawn or dated (an event may give its own) (months). 002:3037, 000:474")  # noqa: E501
    burning_platform: float = _f(0.1, 0.0, 0.5, "threshold reduction for a deficit organisation when its system is in collective deficit (fraction). 002:4103-4104")  # noqa: E501

    # --- 12. Spread between systems -----------------------------------------------------------
    copy_rate: float = _f(0.05, 0.0, 0.2, "monthly commitment probability per unit share of systems designated nationally (leaders copy what works) (probability per month). 000:298, 002:4205")  # noqa: E501
    centre_backing: float = _f(0.2, 0.0, 1.0, "contact boost in designated systems, which the centre backs (fraction). 003:32, 003:42")  # noqa: E501

    # --- 13. Durability -------------------------------------------------------------------------
    decommit_rate: float = _f(0.03, 0.0, 1.0, "monthly probability a committed organisation withdraws when its trust-weighted support falls below its threshold (probability per month). 000:628, 002:3117")  # noqa: E501
    mandated_fragility: float = _f(3.0, 1.0, 10.0, "multiplier on the withdrawal probability of a mandated (not home-grown) commitment (ratio). 000:654-660")  # noqa: E501

    # --- Alternatives for validation (null models; never changed in an experiment) ----------------
    peer_influence: bool = Field(True, description="validation alternative: false removes every influence of partners and of other systems on commitment (no threshold rule, imitation, copying, or withdrawal for lost support), leaving independent adoption at the outside push: the null of the drumbeat (switch). 000:640")  # noqa: E501
    trust_memory: bool = Field(True, description="validation alternative: false makes trust memoryless - each tie holds the level its present chance of a good experience settles at, so history - prior collaboration, past hits - is forgotten: the null of trust built slowly (switch). 000:166, 004:852")  # noqa: E501
    leader_ties: bool = Field(True, description="validation alternative: false lets a successor keep every relationship of its predecessor and start at once, with no interim, so turnover no longer touches ties: the null of leaders taking trust with them (switch). 000:194-200")  # noqa: E501

    # --- Integration index weights (Brief section 5) -----------------------------------------------
    w_trust: float = _f(0.25, 0.0, 1.0, "weight of mean tie trust in the integration index")
    w_commit: float = _f(0.30, 0.0, 1.0, "weight of the committed share in the integration index")
    w_pool: float = _f(0.20, 0.0, 1.0, "weight of the pooled control-total share in the integration index")  # noqa: E501
    w_consolidation: float = _f(0.10, 0.0, 1.0, "weight of commissioner consolidation in the integration index")  # noqa: E501
    w_council: float = _f(0.15, 0.0, 1.0, "weight of council engagement in the integration index")
    w_change: float = _f(0.10, 0.0, 1.0, "weight of delivered service changes (net of reversals; two count fully) in the integration index")  # noqa: E501

    def index_weights(self) -> tuple[float, ...]:
        """Index weights normalised to sum to one (trust, commit, pool, consolidation, council,
        change)."""
        w = (self.w_trust, self.w_commit, self.w_pool, self.w_consolidation, self.w_council,
             self.w_change)
        s = sum(w)
        return tuple(x / s for x in w) if s > 0 else (1 / len(w),) * len(w)


#: Parameters that are not numeric (or are integer steps) and so are left out of sensitivity designs.
_NOT_SWEPT = {"payment", "incentive", "shared_data", "designation", "review_months",
              "pooling_available", "sustainability_fund", "readiness_months",
              "peer_influence", "trust_memory", "leader_ties"}

#: Constants of the rules, declared here with their meaning and range so that each is written
#: once, documented (``drumbeat params``, docs/ODD.md) and settable by a scenario, but fixed in
#: every experiment: left out of sensitivity designs and calibration priors
#: (:func:`param_bounds`), which screen the parameters they screened when the committed
#: results were made.
FIXED = {"interim_contact", "new_council_orientation", "overspend_sds", "pool_dissolve_margin",
         "pool_dissolve_share", "perf_noise", "perf_pressure_drop", "perf_shock_drop",
         "intervention_months", "intervention_replace", "deficit_shock_months"}

#: Keys of earlier versions, refused with what replaced them (an old scenario gets one line).
REMOVED = {
    "commitment_lapse": "removed: a successor's commitment now stands or falls by the ordinary "
                        "withdrawal rule (durability); see internal_successor",
    "silo_pull": "removed: regulators now act through reviews (review_rate, review_capacity, "
                 "review_learning)",
    "intervention_rate": "removed: a failing body that is reviewed is taken over with probability "
                         "reg_intensity (see review_rate, review_capacity)",
    "size_penalty": "removed: size acts once, through sparser ties and more members to persuade",
    "prior_collab_threshold": "removed: prior collaboration acts once, through starting trust "
                              "(prior_collab_trust)",
    "count": "removed from events: how many systems an invitation designates is an outcome "
             "(the centre designates every system that has stayed ready), not an input",
}


def param_bounds() -> dict[str, tuple[float, float]]:
    """(low, high) of every continuous parameter an experiment may vary (not the
    :data:`FIXED` constants), read from the field constraints."""
    out: dict[str, tuple[float, float]] = {}
    for name, field in Params.model_fields.items():
        if name in _NOT_SWEPT or name in FIXED:
            continue
        lo = hi = None
        for m in field.metadata:
            lo = getattr(m, "ge", lo) if getattr(m, "ge", None) is not None else lo
            hi = getattr(m, "le", hi) if getattr(m, "le", None) is not None else hi
        if lo is not None and hi is not None:
            out[name] = (float(lo), float(hi))
    return out


def short_label(name: str) -> str:
    """A human label for a parameter, from the start of its description, e.g. ``how hard
    regulators push (reg_intensity)``; other names with spaces for underscores.

    The description's first phrase (up to a colon, semicolon, full stop or bracket) is used;
    a one-letter symbol before a colon (``p: monthly probability ...``) is skipped. The name
    stays, for the reader who looks it up (``drumbeat params``).
    """
    field = Params.model_fields.get(name)
    if field is None or not field.description:
        return name.replace("_", " ")
    text = field.description
    head, _, rest = text.partition(":")
    if len(head.strip()) < 4 and rest:
        text = rest
    phrase = re.split(r"[:;.(]", text, maxsplit=1)[0].strip()
    return f"{phrase} ({name})"
