"""The parameter tree: one typed source of truth for every model parameter.

Each leaf carries a unit, a default, an allowed range (or a list of choices) and
a source: a seed article (``[000-2]`` = ``seeds/000_*.txt`` section 2), a paper,
or ``guess`` when it is an assumption to be swept. The model reads this tree,
scenario files are validated against it, and the CLI, the dashboard and the
report print it (DESIGN.md principle 3).

Leaf names are unique across sections, so a parameter can be addressed either
as ``"growth.invite_rate"`` or simply ``"invite_rate"``; that is what lets
``mesa.batch_run(CommunityModel, {"invite_rate": [...]})`` work.

Examples
--------
>>> p = Params().with_overrides({"seeding": "blast", "growth.invite_rate": 0.1})
>>> p.acquisition.seeding, p.growth.invite_rate
('blast', 0.1)
>>> Params().with_overrides({"capacity": -1})
Traceback (most recent call last):
...
sim.params.ParamError: group.capacity = -1: must be an integer in [2, 100000]
"""

from __future__ import annotations

import dataclasses
import difflib
import math
from dataclasses import dataclass, field
from typing import Any, Iterator

__all__ = ["ParamError", "Spec", "Params", "SECTIONS"]


class ParamError(ValueError):
    """A parameter value or key is not allowed.

    The message names the parameter (dotted path), the offending value and what
    is allowed; ``where`` (a file name, or a scenario arm) is prefixed when known.
    """

    def __init__(self, path: str, value: Any, allowed: str, where: str | None = None):
        self.path, self.value, self.allowed, self.where = path, value, allowed, where
        prefix = f"{where}: " if where else ""
        shown = "<missing>" if value is _MISSING else repr(value)
        super().__init__(f"{prefix}{path} = {shown}: {allowed}")


_MISSING = object()


@dataclass(frozen=True)
class Spec:
    """Metadata of one parameter leaf."""

    unit: str
    source: str
    doc: str
    lo: float | None = None
    hi: float | None = None
    choices: tuple[str, ...] | None = None

    def allowed(self, kind: type) -> str:
        if self.choices is not None and kind is tuple:
            return "must be a list of distinct names from " + ", ".join(repr(c) for c in self.choices)
        if self.choices is not None:
            return "must be one of " + ", ".join(repr(c) for c in self.choices)
        noun = {int: "an integer", float: "a number", tuple: "a list of numbers", str: "a string"}[kind]
        if self.lo is not None and self.hi is not None:
            return f"must be {noun} in [{_fmt(self.lo)}, {_fmt(self.hi)}]"
        return f"must be {noun}"


def _fmt(x: float) -> str:
    return str(int(x)) if float(x).is_integer() else str(x)


def param(default: Any, unit: str, lo: float | None = None, hi: float | None = None, *,
          source: str, doc: str, choices: tuple[str, ...] | None = None) -> Any:
    """Declare a parameter leaf (a dataclass field carrying its :class:`Spec`)."""
    spec = Spec(unit=unit, source=source, doc=doc, lo=lo, hi=hi, choices=choices)
    return field(default=default, metadata={"spec": spec})


# --------------------------------------------------------------------------- sections
@dataclass(frozen=True)
class PopulationParams:
    """Who is out there: the operator's reachable population [MODEL.md §2]."""

    n_persons: int = param(20_000, "persons", 10, 10_000_000, source="guess",
                           doc="persons in the reachable population (nodes of the social graph)")
    values_dim: int = param(3, "dimensions", 1, 10, source="[000-1, 001, 002]",
                            doc="dimensions of the values space (mission, vision, values)")
    values_dispersion: float = param(1.0, "values units (s.d.)", 0.01, 10.0, source="guess",
                                     doc="spread of persons' values around the operator's mission")
    segment_shares: tuple[float, ...] = param((0.3, 0.5, 0.2), "share", 0.0, 1.0, source="[003]",
                                              doc="beginner / intermediate / advanced shares (sum to 1)")
    spam_share: float = param(0.03, "share of persons", 0.0, 1.0, source="[001, 002, 003]",
                              doc="share of advertisers / micro-sellers in the population")
    attention_mean: float = param(40.0, "messages/day", 1.0, 10_000.0, source="guess",
                                  doc="mean messages a person can read per day (lognormal)")
    sociability_sigma: float = param(1.0, "log-s.d.", 0.0, 3.0, source="guess",
                                     doc="heterogeneity of sociability (lognormal, mean 1)")
    purchasing_power_mean: float = param(0.5, "0-1", 0.01, 0.99, source="guess",
                                         doc="mean purchasing power (Beta distributed)")
    spam_tolerance_mean: float = param(0.15, "share of feed", 0.0, 1.0, source="[002, 003]",
                                       doc="mean share of ads in the feed a person tolerates")


@dataclass(frozen=True)
class NetworkParams:
    """The social graph the groups grow on [000-7]."""

    graph: str = param("homophily", "-", source="Holme & Kim 2002; McPherson et al. 2001",
                       doc="social-graph generator", choices=("holme_kim", "homophily", "edgelist"))
    mean_degree: float = param(12.0, "ties/person", 2.0, 200.0, source="guess",
                               doc="mean number of ties per person")
    triad_prob: float = param(0.5, "probability", 0.0, 1.0, source="Holme & Kim 2002",
                              doc="triad-formation step probability (clustering)")
    homophily: float = param(2.0, "1/values unit", 0.0, 20.0, source="McPherson et al. 2001",
                             doc="how fast tie probability falls with values distance")
    edgelist_path: str = param("", "path", source="user data",
                               doc="CSV edge list source,target[,strength] (graph = 'edgelist')")
    tie_strength_mean: float = param(0.25, "0-1", 0.01, 0.99, source="[000-7]",
                                     doc="mean initial tie strength (acquaintances are weak)")
    strong_tie_threshold: float = param(0.5, "0-1", 0.0, 1.0, source="[000-7]",
                                        doc="strength from which a tie counts as strong")


@dataclass(frozen=True)
class GroupParams:
    """Group structure: WeChat's hard cap and the entry policy [001, 004]."""

    capacity: int = param(500, "members", 2, 100_000, source="WeChat group cap",
                          doc="hard capacity of a group; joiners beyond it overflow into a new group")
    entry: str = param("open", "-", source="[001, 004]", choices=("open", "invite_only"),
                       doc="who may admit invitees: any member (open) or core members only")
    alignment_scale: float = param(1.0, "values units", 0.05, 20.0, source="guess",
                                   doc="values distance at which alignment falls to exp(-1/2)")


@dataclass(frozen=True)
class ContentParams:
    """What is posted each day [003, 000-5]."""

    pgc_per_day: float = param(3.0, "posts/group/day", 0.0, 200.0, source="[003]",
                               doc="operator posts per group per day")
    schedule: str = param("fixed", "-", source="[003]", choices=("fixed", "adhoc"),
                          doc="fixed-time posting (exact count daily) or ad hoc (Poisson, bursty)")
    verticality: float = param(0.8, "share", 0.0, 1.0, source="[003]",
                               doc="on-topic share of operator posts")
    content_renewal: float = param(0.2, "0-1", 0.0, 1.0, source="[003]",
                                   doc="novelty floor: share of content that stays new as tenure grows")
    freshness_days: float = param(30.0, "days", 1.0, 3650.0, source="[003]",
                                  doc="e-folding time of novelty with tenure (freshness period)")
    ugc_rate: float = param(2.0, "messages/day", 0.0, 50.0, source="[000-5, 004]",
                            doc="member posts/day at engagement 1 and sociability 1")
    spam_rate: float = param(2.0, "ads/day", 0.0, 100.0, source="[002, 003]",
                             doc="ads an active spammer posts per day")
    question_share: float = param(0.2, "share of UGC", 0.0, 1.0, source="[003]",
                                  doc="share of member posts that are questions needing an answer")


@dataclass(frozen=True)
class ValueParams:
    """Value a member draws from a day in the group [MODEL.md §3.2]."""

    w_relevance: float = param(1.0, "value/unit", 0.0, 10.0, source="[003]",
                               doc="weight of relevant (on-topic, novel) content")
    w_social: float = param(1.0, "value/unit", 0.0, 10.0, source="[000-7] common bond",
                            doc="weight of strong ties to active members")
    w_identity: float = param(1.0, "value/unit", 0.0, 10.0, source="[000-1, 002] common identity",
                              doc="weight of alignment with the group's values")
    w_noise: float = param(0.5, "value/unit", 0.0, 10.0, source="[003]",
                           doc="penalty for overload and off-topic chatter")
    w_spam: float = param(3.0, "value/unit", 0.0, 50.0, source="[002, 003]",
                          doc="penalty per unit share of ads in the feed")
    content_half: float = param(5.0, "messages", 0.1, 1000.0, source="guess",
                                doc="on-topic messages read that give 63% of the content value")
    social_half: float = param(1.0, "tie strength", 0.01, 100.0, source="guess",
                               doc="summed strength of active friends that gives 63% of social value")
    expectation: float = param(1.0, "value", 0.0, 10.0, source="guess",
                               doc="value per day a member expects (zero point of satisfaction)")


@dataclass(frozen=True)
class UpdateParams:
    """How satisfaction, engagement, trust and ties move each day [003, 000-7]."""

    satisfaction_rate: float = param(0.2, "1/day", 0.0, 1.0, source="guess",
                                     doc="weight of today's value in the satisfaction average")
    engagement_rate: float = param(0.1, "1/day", 0.0, 1.0, source="guess",
                                   doc="speed at which engagement moves toward its target")
    engagement_slope: float = param(3.0, "1/value", 0.0, 50.0, source="guess",
                                    doc="slope of the logistic map satisfaction -> target engagement")
    trust_rate: float = param(0.05, "1/day", 0.0, 1.0, source="[000-7]",
                              doc="speed at which trust follows satisfaction")
    tie_growth: float = param(0.03, "1/co-active day", 0.0, 1.0, source="[000-7, 004]",
                              doc="strengthening of a tie per day both ends are active together")
    tie_decay: float = param(0.01, "1/day", 0.0, 1.0, source="[004]",
                             doc="decay toward the floor of a member tie not used that day")
    tie_floor: float = param(0.05, "0-1", 0.0, 1.0, source="[004] 识而不密",
                             doc="strength an unused tie decays to (acquaintance remains)")
    new_tie_prob: float = param(0.02, "1/posting member/day", 0.0, 1.0, source="[000-5]",
                                doc="chance a posting member forms a weak tie with another active member")
    new_tie_strength: float = param(0.1, "0-1", 0.0, 1.0, source="[000-7]",
                                    doc="strength of a tie formed in the group")


@dataclass(frozen=True)
class ChurnParams:
    """Muting (lurking) and leaving [001, 002, 003]."""

    mute_threshold: float = param(-0.2, "satisfaction", -10.0, 10.0, source="[001]",
                                  doc="satisfaction below which an active member may mute")
    mute_prob: float = param(0.1, "1/day", 0.0, 1.0, source="[001]",
                             doc="daily chance to mute (become a lurker) below the threshold")
    muted_activity: float = param(0.2, "x", 0.0, 1.0, source="[001]",
                                  doc="a lurker's chance to look in, relative to its engagement")
    unmute_prob: float = param(0.05, "1/day", 0.0, 1.0, source="guess",
                               doc="daily chance a lurker with positive satisfaction unmutes")
    leave_threshold: float = param(-0.5, "satisfaction", -10.0, 10.0, source="[001, 002]",
                                   doc="satisfaction below which a member may leave")
    leave_prob: float = param(0.05, "1/day", 0.0, 1.0, source="[001, 002]",
                              doc="daily chance to leave below the threshold")
    spam_leave_prob: float = param(0.2, "1/day", 0.0, 1.0, source="[002, 003]",
                                   doc="daily chance to leave when the ad share passes one's tolerance")
    base_leave: float = param(0.001, "1/day", 0.0, 1.0, source="guess",
                              doc="background daily leaving hazard")


@dataclass(frozen=True)
class GrowthParams:
    """Invitations through ties and joining [000-2]; Backstrom et al. 2006."""

    invite_rate: float = param(0.5, "invitations/day", 0.0, 50.0, source="[000-2]",
                               doc="invitations a satisfied active member of sociability 1 sends per day (Poisson)")
    invite_threshold: float = param(0.0, "satisfaction", -10.0, 10.0, source="[000-2]",
                                    doc="satisfaction above which members invite")
    join_max: float = param(0.7, "probability", 0.0, 1.0, source="Backstrom et al. 2006",
                            doc="join probability with many strong friends inside and full alignment")
    join_half_strength: float = param(0.3, "tie strength", 0.01, 100.0, source="Backstrom et al. 2006",
                                      doc="summed strength of friends inside giving 63% of join_max")
    alignment_exponent: float = param(1.0, "-", 0.0, 10.0, source="[000-2]",
                                      doc="how strongly values alignment gates joining")
    cooldown_days: int = param(30, "days", 0, 3650, source="[001]",
                               doc="days before a person who left may be invited again")


@dataclass(frozen=True)
class ConversionParams:
    """Purchases and revenue [000-2, 004]."""

    price: float = param(100.0, "currency", 0.0, 1e7, source="guess", doc="price of one purchase")
    buy_rate: float = param(0.02, "1/day", 0.0, 1.0, source="guess",
                            doc="daily purchase chance at full trust, alignment and purchasing power")
    repeat_boost: float = param(2.0, "x", 0.0, 100.0, source="[000-2]",
                                doc="multiplier on the purchase chance after a first purchase")


@dataclass(frozen=True)
class AcquisitionParams:
    """How the operator seeds groups at day 0, at equal budget [000-2, 000-7]."""

    seeding: str = param("core", "-", source="[000-2]", choices=("core", "blast", "hybrid"),
                         doc="seeding policy (see sim.policies.seeding)")
    budget: float = param(600.0, "currency", 0.0, 1e9, source="guess",
                          doc="acquisition budget spent at day 0")
    cost_per_contact: float = param(1.0, "currency/contact", 0.01, 1e6, source="guess",
                                    doc="cost of acquiring one loosely targeted contact (blast)")
    core_cost_per_contact: float = param(20.0, "currency/contact", 0.01, 1e6, source="guess",
                                         doc="cost of one screened core contact (interview, 1:1 talk)")
    core_size: int = param(30, "persons", 1, 10_000, source="[000-2]",
                           doc="maximum core size")
    core_candidates: int = param(300, "persons", 1, 1_000_000, source="[000-2]",
                                 doc="persons of the operator's circle screened for alignment")
    hybrid_core_share: float = param(0.5, "share of budget", 0.0, 1.0, source="guess",
                                     doc="budget share spent on the core in the hybrid policy")
    trust_acquaintance: float = param(0.5, "0-1", 0.0, 1.0, source="[000-7]",
                                      doc="initial trust of people from the operator's circle")
    trust_stranger: float = param(0.1, "0-1", 0.0, 1.0, source="[000-7]",
                                  doc="initial trust of strangers (blast, invitees of strangers)")
    engagement_init: float = param(0.5, "probability/day", 0.0, 1.0, source="guess",
                                   doc="engagement of a new member")


@dataclass(frozen=True)
class RolesParams:
    """Who does what in a group and how roles change (see sim.policies.roles) [000-3, 001, 004]."""

    role_rules: tuple[str, ...] = param((), "rule names", source="[000-3, 001, 004]",
                                        choices=("admin_rotation", "distributors", "seniors", "partners", "kol"),
                                        doc="promotion rules in force, combinable (empty: roles never change)")
    admin_ratio: int = param(100, "members/admin", 1, 100_000, source="[000-3]",
                             doc="one admin per this many members (at least one per group)")
    admin_min_group: int = param(10, "members", 1, 100_000, source="guess",
                                 doc="groups smaller than this get no admins")
    admin_term_days: int = param(14, "days", 1, 3650, source="[001, 004]",
                                 doc="rotation period R: admins step down and others take over every R days")
    admin_trust_min: float = param(0.4, "0-1", 0.0, 1.0, source="[001]",
                                   doc="trust a member needs to be made admin")
    distributor_min_recruits: int = param(3, "joins", 1, 100_000, source="[000-2]",
                                          doc="friends a member must have brought in to become a distributor")
    distributor_trust_min: float = param(0.5, "0-1", 0.0, 1.0, source="[000-2]",
                                         doc="trust a member needs to become a distributor")
    distributor_min_tenure: int = param(14, "days", 0, 3650, source="[000-2]",
                                        doc="days in the group before a member may become a distributor")
    senior_min_purchases: int = param(2, "purchases", 1, 100_000, source="[000-3, 000-6]",
                                      doc="purchases that make a member a senior (VIP) member")
    partner_trust_min: float = param(0.6, "0-1", 0.0, 1.0, source="[000-3]",
                                     doc="trust a member needs to become a partner")
    partner_power_min: float = param(0.8, "0-1", 0.0, 1.0, source="[000-3]",
                                     doc="purchasing power (business means) a partner needs")
    kol_count: int = param(1, "persons", 0, 10_000, source="[004]",
                           doc="experts (KOLs) the operator recruits into the first group")
    kol_day: int = param(1, "day", 1, 3650, source="guess", doc="day the KOLs are recruited")
    kol_follow_share: float = param(0.2, "share", 0.0, 1.0, source="[004]",
                                    doc="share of a KOL's free friends (its following) who follow it in")
    kol_fee: float = param(500.0, "currency/KOL", 0.0, 1e9, source="guess",
                           doc="what the operator pays a KOL to join")


@dataclass(frozen=True)
class SplittingParams:
    """How groups split; every split is a node of the fission tree (see sim.policies.splitting) [000-2, 000-3]."""

    split_rules: tuple[str, ...] = param(("capacity",), "rule names", source="[000-2, 000-3]",
                                         choices=("capacity", "distributor", "tie_community", "segment"),
                                         doc="splitting rules in force, combinable")
    distributor_follow_prob: float = param(0.5, "probability", 0.0, 1.0, source="[000-2]",
                                           doc="chance a member strongly tied to a distributor follows it to its new group")
    community_check_days: int = param(7, "days", 1, 3650, source="guess",
                                      doc="how often each group's tie graph is checked for two communities")
    community_min_size: int = param(30, "members", 4, 100_000, source="guess",
                                    doc="groups smaller than this are not checked for communities")
    community_modularity_min: float = param(0.3, "modularity", 0.0, 1.0, source="Newman 2006",
                                            doc="modularity a two-way split must reach to count as two communities")
    community_centre_ratio: float = param(2.0, "x", 1.0, 100.0, source="[000-2] centres",
                                          doc="each side's centre must tie this much more strongly to its own side")
    community_min_side: float = param(0.1, "share of group", 0.0, 0.5, source="guess",
                                      doc="smallest side of an accepted split, as a share of the group")
    segment_check_days: int = param(7, "days", 1, 3650, source="[000-3]",
                                    doc="how often the operator moves seniors, distributors, partners to their own groups")
    segment_min_members: int = param(5, "members", 1, 100_000, source="guess",
                                     doc="members of one audience a mixed group must hold before they get their own group")
    mixing_penalty: float = param(0.5, "share of PGC", 0.0, 1.0, source="[000-3]",
                                  doc="share of operator posts that miss a member's audience in a fully mixed group")


@dataclass(frozen=True)
class EventsParams:
    """Offline events that turn weak ties strong (see sim.policies.events) [000-7]."""

    event_policy: str = param("none", "-", source="[000-7]", choices=("none", "offline"),
                              doc="offline events: none, or periodic events in every group")
    event_period_days: int = param(30, "days", 1, 3650, source="[000-7]",
                                   doc="days between two events of a group")
    event_size: int = param(30, "attendees", 2, 10_000, source="guess",
                            doc="most attendees per group and event")
    event_attend_prob: float = param(0.5, "probability", 0.0, 1.0, source="guess",
                                     doc="chance an invited member with engagement 1 attends (times engagement)")
    event_tie_strength: float = param(0.7, "0-1", 0.0, 1.0, source="[000-7]",
                                      doc="strength attendees' existing ties with each other rise to (at least)")
    event_new_tie_strength: float = param(0.3, "0-1", 0.0, 1.0, source="[000-7]",
                                          doc="strength of a tie between attendees who did not know each other")
    event_trust_gain: float = param(0.2, "0-1", 0.0, 1.0, source="[000-7]",
                                    doc="share of the gap to full trust an attendee closes")
    event_cost_per_attendee: float = param(50.0, "currency/attendee", 0.0, 1e7, source="guess",
                                           doc="operator's cost per attendee")


@dataclass(frozen=True)
class EliminationParams:
    """Removing members: group rules and the elimination plan (see sim.policies.elimination) [001, 002]."""

    elimination_policy: str = param("none", "-", source="[001, 002]",
                                    choices=("none", "inactive", "replace_bottom", "spam_warnings"),
                                    doc="who the operator removes (none keeps everyone)")
    elimination_period: int = param(7, "days", 1, 3650, source="[001] 定期",
                                    doc="days between two checks of the periodic rules (inactive, replace_bottom)")
    inactive_days: int = param(14, "days", 1, 3650, source="[001]",
                               doc="K: members who have not posted for K days are removed (inactive)")
    replace_share: float = param(0.05, "share of members", 0.0, 1.0, source="[001]",
                                 doc="x: share of a full group's members replaced per check (replace_bottom)")
    replace_fill: float = param(0.95, "share of capacity", 0.0, 1.0, source="guess",
                                doc="fill from which newcomers wait and replace_bottom acts")
    max_warnings: int = param(3, "warnings", 1, 1000, source="[001] 群规",
                              doc="w: warnings for posting ads after which a member is kicked (spam_warnings)")
    ad_detection: float = param(0.5, "1/day", 0.0, 1.0, source="guess",
                                doc="chance that a day's ads earn their poster a warning")
    removal_cooldown_days: int = param(90, "days", 0, 3650, source="[001]",
                                       doc="days before a removed person may be invited back")
    tyranny: float = param(1.0, "trust/share removed", 0.0, 100.0, source="[002] 社群暴政",
                           doc="trust members lose per unit share of their group removed unfairly (readers removed)")


@dataclass(frozen=True)
class AdmissionParams:
    """Entry screening and paid entry (see sim.policies.entry) [001, 004]."""

    screening: str = param("none", "-", source="[001] 入群", choices=("none", "question", "task"),
                           doc="entry screen for invitees: none, a values question, or an effort task")
    screen_threshold: float = param(0.5, "alignment", 0.0, 1.0, source="[001]",
                                    doc="alignment an answer to the entry question must show")
    screen_noise: float = param(0.2, "alignment (s.d.)", 0.0, 10.0, source="guess",
                                doc="error with which an answer reveals alignment")
    task_effort: float = param(1.0, "sociability x alignment", 0.01, 100.0, source="[001] 愿意付出",
                               doc="effort of the entry task: completion = 1 - exp(-sociability * alignment / effort)")
    entry_fee: float = param(0.0, "currency", 0.0, 1e7, source="[004]",
                             doc="fee an invitee pays to join (0: free; [004] example 200)")
    fee_wtp: float = param(1000.0, "currency", 0.01, 1e9, source="guess",
                           doc="willingness-to-pay scale: pay with prob exp(-fee / (fee_wtp * power * alignment))")
    sunk_cost: float = param(0.5, "share", 0.0, 1.0, source="[001] 学习型社群",
                             doc="reduction of a paying member's dissatisfied-leaving hazard (they think of the fee)")


@dataclass(frozen=True)
class IncentivesParams:
    """Paying contributors (see sim.policies.incentives) [004]."""

    incentive_policy: str = param("none", "-", source="[004]",
                                  choices=("none", "weekly_fund", "paid_admins", "weekly_fund_and_paid_admins"),
                                  doc="weekly fund for top contributors (from entry fees), crowdfunded paid admins, or both")
    fund_share: float = param(1.0, "share of fees", 0.0, 1.0, source="[004] 取之于民,用之于民",
                              doc="share of entry fees paid into the group's fund")
    fund_weeks: int = param(52, "weeks", 1, 5200, source="[004]",
                            doc="weeks over which the fund is spread")
    fund_winners: int = param(3, "members/group/week", 1, 1000, source="[004] 前几名",
                              doc="top contributors of the week who share the weekly payout")
    prize_half: float = param(100.0, "currency", 0.01, 1e7, source="guess",
                              doc="prize giving 63% of the full effect (winner's satisfaction +1; motivation)")
    fund_response: float = param(0.5, "x", 0.0, 10.0, source="[004] guess",
                                 doc="extra posting by members of a group with a large weekly prize")
    admin_dues: float = param(10.0, "currency/member/month", 0.0, 1e6, source="[004] 众筹供养群管",
                              doc="dues each member pays monthly to fund the paid admins")


@dataclass(frozen=True)
class PracticeParams:
    """The operator's content practice and the six suicide behaviours (see sim.policies.content) [003]."""

    suicide_behaviours: tuple[str, ...] = param(
        ("lax_ads",), "behaviour names", source="[003] 自杀行为",
        choices=("unclear_profile", "no_service", "no_exchange", "broadcast_only", "lax_ads", "undefined_activity"),
        doc="suicide behaviours the operator commits (default: lax on ads, as the core model has no ad rules)")
    ugc_support: float = param(1.0, "x", 0.0, 10.0, source="[003] PGC vs UGC",
                               doc="operator support for member content (topics, replies): multiplier on member posting")
    service_gap: float = param(0.5, "share", 0.0, 1.0, source="[003] 服务内容欠缺",
                               doc="share of identity value lost without positioning and onboarding (no_service)")
    broadcast_ugc: float = param(0.2, "x", 0.0, 1.0, source="[003] 单向灌输",
                                 doc="member posting under one-way broadcasting, relative to normal (broadcast_only)")
    ad_deterrence: float = param(0.3, "x", 0.0, 1.0, source="[003] 价值观无传递, [002]",
                                 doc="advertisers' posting when the operator transmits values and rules (lax_ads off)")
    chatter_on_topic: float = param(0.5, "x", 0.0, 1.0, source="[003] 活跃界定不明",
                                    doc="on-topic share of member posts relative to normal when activity is undefined")


SECTIONS: dict[str, type] = {
    "population": PopulationParams,
    "network": NetworkParams,
    "group": GroupParams,
    "content": ContentParams,
    "value": ValueParams,
    "update": UpdateParams,
    "churn": ChurnParams,
    "growth": GrowthParams,
    "conversion": ConversionParams,
    "acquisition": AcquisitionParams,
    "roles": RolesParams,
    "splitting": SplittingParams,
    "events": EventsParams,
    "elimination": EliminationParams,
    "admission": AdmissionParams,
    "incentives": IncentivesParams,
    "practice": PracticeParams,
}


def _leaf_index() -> dict[str, str]:
    index: dict[str, str] = {}
    for sec, cls in SECTIONS.items():
        for f in dataclasses.fields(cls):
            assert f.name not in index and f.name not in SECTIONS, f"leaf name {f.name} is not unique"
            index[f.name] = sec
    return index


_LEAF_SECTION = _leaf_index()


def did_you_mean(word: str, options: list[str] | tuple[str, ...]) -> str:
    """`` (did you mean 'x'?)`` for the closest of ``options``, or an empty string."""
    close = difflib.get_close_matches(word, list(options), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


def _coerce(path: str, value: Any, f: dataclasses.Field, where: str | None) -> Any:
    """Check one leaf value against its declared type and :class:`Spec`."""
    spec: Spec = f.metadata["spec"]
    kind = {int: int, float: float, str: str}.get(type(f.default), tuple)
    if kind is str:
        if not isinstance(value, str):
            raise ParamError(path, value, spec.allowed(str), where)
        if spec.choices is not None and value not in spec.choices:
            raise ParamError(path, value, spec.allowed(str) + did_you_mean(value, list(spec.choices)), where)
        return value
    if kind is tuple and spec.choices is not None:  # a combinable set of named rules
        names = [value] if isinstance(value, str) else value
        if (not isinstance(names, (list, tuple)) or not all(isinstance(v, str) for v in names)
                or len(set(names)) != len(names)):
            raise ParamError(path, value, spec.allowed(tuple), where)
        for v in names:
            if v not in spec.choices:
                raise ParamError(path, value, spec.allowed(tuple) + did_you_mean(v, list(spec.choices)), where)
        return tuple(names)
    if kind is tuple:
        if not isinstance(value, (list, tuple)) or len(value) != len(f.default):
            raise ParamError(path, value, f"must be a list of {len(f.default)} numbers", where)
        items = tuple(_number(path, v, float, spec, where) for v in value)
        if path.endswith("shares") and abs(sum(items) - 1.0) > 1e-6:
            raise ParamError(path, value, "shares must sum to 1", where)
        return items
    return _number(path, value, kind, spec, where)


def _number(path: str, value: Any, kind: type, spec: Spec, where: str | None) -> Any:
    number = isinstance(value, (int, float)) and not isinstance(value, bool)
    finite = number and (isinstance(value, int) or math.isfinite(value))
    whole = finite and (isinstance(value, int) or float(value).is_integer())
    if not finite or (kind is int and not whole):
        raise ParamError(path, value, spec.allowed(kind), where)
    if (spec.lo is not None and value < spec.lo) or (spec.hi is not None and value > spec.hi):
        raise ParamError(path, value, spec.allowed(kind), where)
    return kind(value)


@dataclass(frozen=True)
class Params:
    """All model parameters, grouped by the part of the day they govern."""

    population: PopulationParams = field(default_factory=PopulationParams)
    network: NetworkParams = field(default_factory=NetworkParams)
    group: GroupParams = field(default_factory=GroupParams)
    content: ContentParams = field(default_factory=ContentParams)
    value: ValueParams = field(default_factory=ValueParams)
    update: UpdateParams = field(default_factory=UpdateParams)
    churn: ChurnParams = field(default_factory=ChurnParams)
    growth: GrowthParams = field(default_factory=GrowthParams)
    conversion: ConversionParams = field(default_factory=ConversionParams)
    acquisition: AcquisitionParams = field(default_factory=AcquisitionParams)
    roles: RolesParams = field(default_factory=RolesParams)
    splitting: SplittingParams = field(default_factory=SplittingParams)
    events: EventsParams = field(default_factory=EventsParams)
    elimination: EliminationParams = field(default_factory=EliminationParams)
    admission: AdmissionParams = field(default_factory=AdmissionParams)
    incentives: IncentivesParams = field(default_factory=IncentivesParams)
    practice: PracticeParams = field(default_factory=PracticeParams)

    # ------------------------------------------------------------------ building
    @classmethod
    def from_dict(cls, data: dict[str, Any], *, where: str | None = None) -> "Params":
        """Build from a nested ``{section: {leaf: value}}`` mapping (missing = default)."""
        return cls().with_overrides(data, where=where)

    def with_overrides(self, overrides: dict[str, Any], *, where: str | None = None) -> "Params":
        """Return a copy with ``overrides`` applied and validated.

        Keys may be nested sections (``{"growth": {"invite_rate": .1}}``), dotted
        paths (``"growth.invite_rate"``) or bare leaf names (``"invite_rate"``).
        """
        if not isinstance(overrides, dict):
            raise ParamError("parameters", overrides, "must be a table of parameter = value", where)
        flat: dict[tuple[str, str], Any] = {}
        for key, value in overrides.items():
            for sec, leaf, v in resolve_key(str(key), value, where):
                flat[(sec, leaf)] = v
        sections = {name: getattr(self, name) for name in SECTIONS}
        for (sec, leaf), value in flat.items():
            f = {f.name: f for f in dataclasses.fields(SECTIONS[sec])}[leaf]
            sections[sec] = dataclasses.replace(sections[sec], **{leaf: _coerce(f"{sec}.{leaf}", value, f, where)})
        return Params(**sections)

    # ------------------------------------------------------------------ reading
    def to_dict(self) -> dict[str, dict[str, Any]]:
        """Nested plain mapping (tuples become lists), e.g. for TOML or JSON."""
        return {sec: {k: (list(v) if isinstance(v, tuple) else v)
                      for k, v in dataclasses.asdict(getattr(self, sec)).items()}
                for sec in SECTIONS}

    def flat(self) -> dict[str, Any]:
        """``{"section.leaf": value}`` for every parameter."""
        return {f"{s}.{k}": v for s, d in self.to_dict().items() for k, v in d.items()}

    @staticmethod
    def specs() -> Iterator[tuple[str, Any, Spec]]:
        """Yield ``(dotted path, default, spec)`` for every leaf, in declaration order."""
        for sec, cls in SECTIONS.items():
            for f in dataclasses.fields(cls):
                yield f"{sec}.{f.name}", f.default, f.metadata["spec"]


def resolve_key(key: str, value: Any, where: str | None) -> Iterator[tuple[str, str, Any]]:
    """Turn one override key into ``(section, leaf, value)`` triples, or raise."""
    if key in SECTIONS:
        if not isinstance(value, dict):
            raise ParamError(key, value, "must be a table of parameters", where)
        for leaf, v in value.items():
            names = [f.name for f in dataclasses.fields(SECTIONS[key])]
            if leaf not in names:
                raise ParamError(f"{key}.{leaf}", v, "unknown parameter" + did_you_mean(leaf, names), where)
            yield key, leaf, v
        return
    if "." in key:
        sec, _, leaf = key.partition(".")
        if sec not in SECTIONS:
            raise ParamError(key, value, "unknown section" + did_you_mean(sec, list(SECTIONS)), where)
        yield from resolve_key(sec, {leaf: value}, where)
        return
    if key in _LEAF_SECTION:
        yield _LEAF_SECTION[key], key, value
        return
    raise ParamError(key, value, "unknown parameter" + did_you_mean(key, list(_LEAF_SECTION) + list(SECTIONS)), where)
