"""Mesa agents as thin views over the state arrays (DESIGN.md principle 1).

``Person``, ``Group`` and ``Operator`` are real ``mesa.Agent``s, so
``model.agents_by_type[Person]`` and AgentSet selection work the Mesa way, but
they store nothing of their own: ``person.engagement`` reads
``model.world.ms.engagement[row]``. Writing through a view writes the array.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from sim.state import Role

if TYPE_CHECKING:
    from sim.model import CommunityModel


class Person(mesa.Agent):
    """A person of the social graph (member or not). ``index`` is its row in Population."""

    def __init__(self, model: "CommunityModel", index: int):
        super().__init__(model)
        self.index = index

    # fixed traits ----------------------------------------------------------
    @property
    def values(self) -> np.ndarray:
        return self.model.world.pop.values[self.index]

    @property
    def segment(self) -> int:
        return int(self.model.world.pop.segment[self.index])

    @property
    def sociability(self) -> float:
        return float(self.model.world.pop.sociability[self.index])

    @property
    def spammer(self) -> bool:
        return bool(self.model.world.pop.spammer[self.index])

    @property
    def purchasing_power(self) -> float:
        return float(self.model.world.pop.purchasing_power[self.index])

    # membership state ------------------------------------------------------
    @property
    def row(self) -> int:
        return int(self.model.world.pop.row[self.index])

    @property
    def is_member(self) -> bool:
        return self.row >= 0

    @property
    def group(self) -> "Group | None":
        g = int(self.model.world.pop.group[self.index])
        return self.model.group_agents[g] if g >= 0 else None

    def _ms(self, column: str):
        r = self.row
        return getattr(self.model.world.ms, column)[r].item() if r >= 0 else None

    @property
    def role(self) -> Role | None:
        r = self._ms("role")
        return None if r is None else Role(r)

    @property
    def engagement(self) -> float | None:
        return self._ms("engagement")

    @engagement.setter
    def engagement(self, value: float) -> None:
        if self.row < 0:
            raise AttributeError("not a member: no engagement to set")
        self.model.world.ms.engagement[self.row] = value

    @property
    def satisfaction(self) -> float | None:
        return self._ms("satisfaction")

    @property
    def trust(self) -> float | None:
        return self._ms("trust")

    @property
    def posts(self) -> int | None:
        return self._ms("posts")

    @property
    def friends(self) -> list["Person"]:
        people = self.model.person_agents
        return [people[j] for j in self.model.world.ties.neighbors(self.index)]

    def __repr__(self) -> str:
        return f"Person({self.index}, group={self.model.world.pop.group[self.index]}, role={self.role})"


class Group(mesa.Agent):
    """A WeChat-style group. ``gid`` is its index in the Groups arrays."""

    def __init__(self, model: "CommunityModel", gid: int):
        super().__init__(model)
        self.gid = gid

    @property
    def parent(self) -> int:
        return int(self.model.world.groups.parent[self.gid])

    @property
    def created(self) -> int:
        return int(self.model.world.groups.created[self.gid])

    @property
    def capacity(self) -> int:
        return int(self.model.world.groups.capacity[self.gid])

    @property
    def size(self) -> int:
        return int((self.model.world.pop.group == self.gid).sum())

    @property
    def members(self) -> list[Person]:
        people = self.model.person_agents
        return [people[i] for i in np.flatnonzero(self.model.world.pop.group == self.gid)]

    def __repr__(self) -> str:
        return f"Group({self.gid}, parent={self.parent}, size={self.size})"


class Operator(mesa.Agent):
    """The brand or owner running the groups: holds the budget and the stated mission."""

    def __init__(self, model: "CommunityModel", budget: float):
        super().__init__(model)
        self.budget = budget
        self.spent = 0.0

    @property
    def mission(self) -> np.ndarray:
        return self.model.world.mission
