"""`relais flows check`: sound flows pass, each broken fixture fails with its own message."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.flows import FlowError
from bot.flows.loader import load_flows
from tests.conftest import BROKEN_FLOWS, FIXTURE_FLOWS, relais_command

CASES = sorted(
    [p for p in BROKEN_FLOWS.glob("*.yaml")] + [BROKEN_FLOWS / "duplicate_flow_id"],
    key=lambda p: p.name,
)


def expectation(case: Path) -> tuple[str, Path, int]:
    """The `# expect:` message of a broken fixture and the line marked `# here`."""
    files = sorted(case.glob("*.yaml")) if case.is_dir() else [case]
    for path in files:
        lines = path.read_text(encoding="utf-8").splitlines()
        expects = [line.split("# expect:", 1)[1].strip() for line in lines if "# expect:" in line]
        if expects:
            marked = [i for i, line in enumerate(lines, 1) if line.rstrip().endswith("# here")]
            return expects[0], path, marked[0]
    raise AssertionError(f"{case} has no '# expect:' line")


@pytest.mark.parametrize("case", CASES, ids=lambda p: p.stem)
def test_each_broken_flow_is_reported_at_its_line(case: Path) -> None:
    message, path, line = expectation(case)
    result = relais_command("flows", "check", str(case))
    reported = [row for row in result.stdout.splitlines() if message in row]
    assert reported, f"expected {message!r} in:\n{result.stdout}{result.stderr}"
    location = f"{path.relative_to(BROKEN_FLOWS.parent.parent)}:{line}:"
    assert any(location in row for row in reported), (location, reported)
    if "warning:" in reported[0]:
        assert result.returncode == 0
    else:
        assert result.returncode == 1


def test_every_check_has_its_own_message() -> None:
    messages = [expectation(case)[0] for case in CASES]
    assert len(set(messages)) == len(messages)


def test_shipped_flows_pass_the_checker() -> None:
    result = relais_command("flows", "check")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "0 errors" in result.stderr


def test_fixture_flows_pass_the_checker() -> None:
    result = relais_command("flows", "check", str(FIXTURE_FLOWS))
    assert result.returncode == 0, result.stdout + result.stderr


def test_loader_refuses_a_newer_spec_version_with_a_clear_error() -> None:
    with pytest.raises(FlowError) as raised:
        load_flows([BROKEN_FLOWS / "newer_spec_version.yaml"], main="broken", handoff="broken")
    assert "spec_version 2 is newer than this Relais understands (1)" in str(raised.value)


def test_a_stale_review_warns_but_still_loads() -> None:
    flows = load_flows([BROKEN_FLOWS / "stale_review.yaml"], main="broken", handoff="broken")
    assert "broken" in flows.flows


def test_missing_main_menu_is_refused_at_start() -> None:
    with pytest.raises(FlowError, match="the main menu flow 'menu' is missing"):
        load_flows([BROKEN_FLOWS / "stale_review.yaml"])
