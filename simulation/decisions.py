"""The decision hook: every choice an organisation makes goes through one interface.

The mechanisms work out what each organisation's leader would choose by the model's rules
(its *default*), and then ask the run's policy (``State.policy``). With no policy (the
default) the rules decide and nothing else is called. A policy answers a :class:`Choice`
with one boolean per organisation; the teaching app's participants answer for the
organisations they play, and the rules for everyone else.

Kinds of choice (``Choice.kind``):

=========================  =====================================================  ==========
kind                       ``True`` means                                          mechanism
=========================  =====================================================  ==========
``commit``                 commit to the system now                                contagion
``withdraw``               withdraw a commitment now                               durability
``sign_control_total``     sign the system control total being proposed            pooling
``back_service_change``    consent to a service change that moves activity away    service_change
=========================  =====================================================  ==========

Every random draw a rule needs is made *before* the policy is asked, so a policy's answers
never shift the run's random streams: a policy that returns the defaults gives the same run
to the bit (a test checks).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from .errors import ConfigError

KINDS = ("commit", "withdraw", "sign_control_total", "back_service_change")


@dataclass(frozen=True)
class Choice:
    """One choice put to the organisations ``orgs`` at ``step``.

    Attributes:
        kind: one of :data:`KINDS`.
        step: the month (step number) of the choice.
        orgs: indices of the organisations choosing.
        default: what the model's rules choose for each of them.
    """

    kind: str
    step: int
    orgs: np.ndarray
    default: np.ndarray


class Policy(Protocol):
    """Answers choices: one boolean per organisation in ``choice.orgs``."""

    def decide(self, choice: Choice) -> np.ndarray: ...


def ask(policy: Policy | None, kind: str, step: int, orgs: np.ndarray,
        default: np.ndarray) -> np.ndarray:
    """The policy's answer to a choice, checked; the default when there is no policy."""
    if policy is None or orgs.size == 0:
        return default
    answer = np.asarray(policy.decide(Choice(kind, step, orgs, default.copy())))
    if answer.shape != default.shape or answer.dtype != bool:
        raise ConfigError(f"decision policy answered '{kind}' with {answer.dtype} of shape "
                          f"{answer.shape}; expected bool of shape {default.shape}")
    return answer


@dataclass
class Overrides:
    """A policy in which some organisations' choices are fixed by hand (the rules decide the rest).

    ``choices[(org, kind)] = True/False`` answers that organisation's next choices of that kind
    (participants of a teaching session; experiments that hold one organisation out).
    """

    choices: dict[tuple[int, str], bool] = field(default_factory=dict)
    on_choice: Callable[[Choice, np.ndarray], None] | None = None

    def decide(self, choice: Choice) -> np.ndarray:
        out = choice.default.copy()
        for k, org in enumerate(choice.orgs.tolist()):
            fixed = self.choices.get((org, choice.kind))
            if fixed is not None:
                out[k] = fixed
        if self.on_choice is not None:
            self.on_choice(choice, out)
        return out
