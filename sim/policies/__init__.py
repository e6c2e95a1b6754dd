"""Policies: named, parameterised strategies chosen in the parameters (DESIGN.md principle 4).

Each policy family is one module here with a registry ``POLICIES = {name:
function}`` and ``SELECTED_BY = "section.leaf"``, the parameter whose value
names the policy in use; adding a playbook is adding one function to its table.
``community-sim list`` discovers families by walking this package.
"""
