"""YAML with line numbers: PyYAML's composer, turned into small plain-data nodes.

`yaml.safe_load` would lose every line number and turn the key `on` into `True` (YAML 1.1);
composing keeps the text of each scalar as written and where it stands. YAML that cannot be
parsed raises `YamlError` with a line, so the caller reports it instead of crashing.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import yaml

# libyaml's parser when PyYAML was built with it: the same nodes and marks, ~5x faster.
LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


class YamlError(Exception):
    def __init__(self, message: str, line: int) -> None:
        super().__init__(message)
        self.line = line


@dataclass
class Node:
    """A mapping, a sequence or a scalar, with its 1-based first and last line."""

    kind: str  # "map", "seq" or "scalar"
    line: int
    end_line: int
    value: str = ""
    items: list[Node] = field(default_factory=list)
    mapping: dict[str, Node] = field(default_factory=dict)
    key_lines: dict[str, int] = field(default_factory=dict)
    start: int = 0  # character offsets into the file text, for searching inside a value
    end: int = 0

    def get(self, key: str) -> Node | None:
        return self.mapping.get(key) if self.kind == "map" else None

    def text(self, key: str, default: str = "") -> str:
        """The scalar under `key` as written, or `default`."""
        node = self.get(key)
        return node.value if node is not None and node.kind == "scalar" else default

    def flat(self) -> str:
        """Every scalar below this node, joined: for searching expressions anywhere in it."""
        if self.kind == "scalar":
            return self.value
        children = self.items if self.kind == "seq" else list(self.mapping.values())
        return "\n".join(child.flat() for child in children)


def parse(text: str) -> Node | None:
    """The document's root node (None for an empty document)."""
    try:
        root = yaml.compose(text, Loader=LOADER)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise YamlError(str(exc.problem or exc), mark.line + 1 if mark else 1) from None
    except yaml.YAMLError as exc:
        raise YamlError(str(exc), 1) from None
    return None if root is None else _convert(root, {})


def _convert(node: yaml.Node, seen: dict[int, Node]) -> Node:
    # Aliases compose to the very same node object: convert it once (anchors never loop here).
    if id(node) in seen:
        return seen[id(node)]
    out = Node(kind="scalar", line=node.start_mark.line + 1, end_line=node.end_mark.line + 1,
               start=node.start_mark.index, end=node.end_mark.index)
    seen[id(node)] = out
    if isinstance(node, yaml.ScalarNode):
        out.value = str(node.value)
    elif isinstance(node, yaml.SequenceNode):
        out.kind = "seq"
        out.items = [_convert(item, seen) for item in node.value]
    elif isinstance(node, yaml.MappingNode):
        out.kind = "map"
        for key, value in node.value:
            child = _convert(value, seen)
            if key.tag == "tag:yaml.org,2002:merge" or key.value == "<<":
                _merge(out, child)
                continue
            name = str(key.value) if isinstance(key, yaml.ScalarNode) else ""
            out.mapping[name] = child
            out.key_lines[name] = key.start_mark.line + 1
    return out


def _merge(target: Node, source: Node) -> None:
    """`<<: *anchor` merge keys: keys already present win."""
    for part in source.items if source.kind == "seq" else [source]:
        for name, child in part.mapping.items():
            target.mapping.setdefault(name, child)
            target.key_lines.setdefault(name, part.key_lines.get(name, part.line))
