"""Policies: named, parameterised strategies chosen in the parameters (DESIGN.md principle 4).

Each policy family is one module here with a registry ``POLICIES = {name:
function}`` and ``SELECTED_BY = "section.leaf"``, the parameter whose value
names the policy in use; adding a playbook is adding one function to its table.
``community-sim list`` discovers families by walking this package.
"""

ALL_POLICIES = {  # every policy family switched on: the benchmark's and the tests' heaviest day
    "role_rules": ["admin_rotation", "distributors", "seniors", "partners", "kol"],
    "split_rules": ["capacity", "distributor", "tie_community", "segment"],
    "event_policy": "offline", "elimination_policy": "spam_warnings", "screening": "question",
    "incentive_policy": "weekly_fund_and_paid_admins",
}
