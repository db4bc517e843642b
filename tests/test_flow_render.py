"""`relais flows graph` and `relais flows export`: content reviewable without YAML."""

from __future__ import annotations

import shutil
import xml.etree.ElementTree as ET
from pathlib import Path

from tests.conftest import relais_command


def test_mermaid_diagram_shows_questions_choices_and_jumps() -> None:
    result = relais_command("flows", "graph", "menu")
    assert result.returncode == 0, result.stderr
    lines = result.stdout.splitlines()
    assert lines[0] == "flowchart TD"
    assert '  n_accueil{"Pour quelle démarche avez-vous besoin d\'aide ?"}' in lines
    assert '  n_accueil -- "CAF" --> n_vers_caf' in lines
    assert '  n_vers_caf>"→ caf"]' in lines


def test_every_shipped_flow_can_be_drawn() -> None:
    for flow in ("caf", "france_travail", "pronote", "ameli", "autre", "aide"):
        result = relais_command("flows", "graph", flow)
        assert result.returncode == 0 and "-->" in result.stdout, flow


def test_svg_diagram_is_valid_svg(tmp_path: Path) -> None:
    assert shutil.which("dot"), "SVG diagrams need Graphviz: apt-get install graphviz (README)"
    out = tmp_path / "caf.svg"
    result = relais_command("flows", "graph", "caf", "--format", "svg", "--output", str(out))
    assert result.returncode == 0, result.stderr
    root = ET.parse(out).getroot()
    assert root.tag.endswith("svg")
    assert "Mes attestations" in out.read_text(encoding="utf-8")


def test_svg_without_graphviz_says_how_to_get_it(tmp_path: Path) -> None:
    result = relais_command("flows", "graph", "caf", "--format", "svg", env={"PATH": str(tmp_path)})
    assert result.returncode == 1
    assert "apt-get install graphviz" in result.stderr


def test_unknown_flow_lists_the_known_ones() -> None:
    result = relais_command("flows", "graph", "impots")
    assert result.returncode == 1
    assert "no flow 'impots'" in result.stderr and "caf" in result.stderr


def test_markdown_export_has_every_flow_with_sources_and_links(tmp_path: Path) -> None:
    out = tmp_path / "flows.md"
    result = relais_command("flows", "export", "--format", "markdown", "--output", str(out))
    assert result.returncode == 0, result.stderr
    document = out.read_text(encoding="utf-8")
    for flow in ("caf", "france_travail", "pronote", "ameli", "autre", "aide", "menu"):
        assert f"(`{flow}`)" in document
    assert "- Sources: <https://" in document
    assert "1. **CAF**" in document
    assert "3230" in document and "3949" in document and "3646" in document
