"""Use cases of ePS2: verbs that take their dependencies (a ``Deps``) as an argument."""
