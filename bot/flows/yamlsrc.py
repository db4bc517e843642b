"""YAML reading that remembers where each mapping and key came from, for `file:line` reports."""

from __future__ import annotations

from typing import Any

import yaml


class Located(dict):
    """A mapping from YAML that knows its own line and the line of each key (1-based)."""

    line: int
    key_lines: dict[str, int]


class DuplicateKey(yaml.MarkedYAMLError):
    pass


_Base = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
"""libyaml's parser when PyYAML has it (about ten times faster), else the pure-Python one."""


class _LineLoader(_Base):
    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> Located:
        mapping = Located()
        mapping.line = node.start_mark.line + 1
        mapping.key_lines = {}
        for key_node, value_node in node.value:
            key = self.construct_object(key_node, deep=deep)
            if not isinstance(key, str):
                key = str(key)
            if key in mapping:
                raise DuplicateKey(
                    None, None, f"the key {key!r} appears twice", key_node.start_mark
                )
            mapping[key] = self.construct_object(value_node, deep=deep)
            mapping.key_lines[key] = key_node.start_mark.line + 1
        return mapping


_LineLoader.add_constructor(
    yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _LineLoader.construct_mapping
)
# Dates stay strings: the schema checks their shape and the loader parses them once.
_LineLoader.yaml_implicit_resolvers = {
    first: [(tag, regexp) for tag, regexp in resolvers if tag != "tag:yaml.org,2002:timestamp"]
    for first, resolvers in _Base.yaml_implicit_resolvers.items()
}


def parse(text: str) -> Any:
    """Parse YAML; raise `yaml.YAMLError` (with a mark) on bad syntax or a duplicated key."""
    return yaml.load(text, Loader=_LineLoader)


def line_of(document: Any, path: list[str | int]) -> int:
    """The line of the deepest mapping or key reachable along `path` (1 when unknown)."""
    line = getattr(document, "line", 1)
    current = document
    for step in path:
        if isinstance(current, Located) and isinstance(step, str) and step in current:
            line = current.key_lines.get(step, line)
            current = current[step]
        elif isinstance(current, list) and isinstance(step, int) and 0 <= step < len(current):
            current = current[step]
            line = getattr(current, "line", line)
        else:
            break
    return line
