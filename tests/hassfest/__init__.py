"""Hassfest's rules for a custom integration, written again so the tests can apply them.

Hassfest (``script/hassfest`` in Home Assistant core's repository, run by the Validate
workflow) is not part of the ``homeassistant`` package, so it cannot run offline. Each module
mirrors hassfest plugins of the same name and says where it is stricter. A hassfest warning
fails the workflow like an error, so both are problems here.

Every check returns its problems as ``"where: what"`` lines: a test asserts an empty list and
a failure shows every problem at once.
"""
