"""Policies: named, parameterised strategies chosen in the parameters (DESIGN.md principle 4).

Each policy family keeps a registry ``{name: function}``; adding a playbook is
adding one function to its table.
"""
