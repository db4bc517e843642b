"""Hypothesis profiles: random exploration on a developer's machine, fixed examples in CI.

- `dev` (the default): new random examples on every run, and the failures found are
  replayed first on the next run (the example database in .hypothesis/).
- `ci` (when CI=true, as GitHub Actions, GitLab CI and .ci/run set it): derandomised, so the
  same commit tries the same examples on every run: CI never turns red by chance. The
  number of examples per test stays the same (the tests keep their strength).

HYPOTHESIS_PROFILE=ci or =dev chooses explicitly.
"""

from __future__ import annotations

from collections.abc import Mapping

from hypothesis import settings

settings.register_profile("dev", deadline=None)
settings.register_profile("ci", deadline=None, derandomize=True, database=None, print_blob=True)


def profile_name(env: Mapping[str, str]) -> str:
    """`ci` when CI says so (CI=true or 1), `dev` otherwise; HYPOTHESIS_PROFILE wins."""
    chosen = env.get("HYPOTHESIS_PROFILE", "").strip()
    if chosen:
        return chosen
    return "ci" if env.get("CI", "").strip().lower() in ("true", "1", "yes") else "dev"


def load(env: Mapping[str, str]) -> str:
    name = profile_name(env)
    settings.load_profile(name)
    return name
