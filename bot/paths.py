"""Where the shipped data lives, next to the package (the install is editable, see Dockerfile)."""

from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
SHIPPED_FLOWS = PROJECT_ROOT / "flows"
FLOW_SCHEMA = SHIPPED_FLOWS / "flow.schema.json"
LOCALES = PROJECT_ROOT / "locales"
