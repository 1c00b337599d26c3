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
# Far beyond any real workflow, far below what recursion and memory can take.
MAX_DEPTH = 100
MAX_EXPANDED = 100_000  # nodes once every alias is expanded, as `flat()` expands them


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
    size: int = 1  # nodes in this subtree with every alias expanded

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
    except RecursionError:
        raise YamlError(f"nested deeper than {MAX_DEPTH} levels", 1) from None
    return None if root is None else _Converter().convert(root, 0)


class _Converter:
    """Aliases compose to the very same node object: each is converted once and shared.

    A hostile file must not crash or hang the audit: an alias inside its own anchor would make
    every walk loop, ten aliases of ten aliases expand exponentially in `flat()`, and deep
    nesting exhausts Python's stack. Each is refused as a YAML error instead.
    """

    def __init__(self) -> None:
        self.done: dict[int, Node] = {}
        self.open: set[int] = set()  # nodes being converted: an alias to one is a cycle

    def convert(self, node: yaml.Node, depth: int) -> Node:
        key, line = id(node), node.start_mark.line + 1
        if key in self.open:
            raise YamlError("an alias refers to the node that contains it", line)
        if key in self.done:
            return self.done[key]
        if depth > MAX_DEPTH:
            raise YamlError(f"nested deeper than {MAX_DEPTH} levels", line)
        self.open.add(key)
        out = Node(kind="scalar", line=line, end_line=node.end_mark.line + 1,
                   start=node.start_mark.index, end=node.end_mark.index)
        if isinstance(node, yaml.ScalarNode):
            out.value = str(node.value)
        elif isinstance(node, yaml.SequenceNode):
            out.kind = "seq"
            out.items = [self.convert(item, depth + 1) for item in node.value]
        elif isinstance(node, yaml.MappingNode):
            out.kind = "map"
            for name_node, value in node.value:
                child = self.convert(value, depth + 1)
                if name_node.tag == "tag:yaml.org,2002:merge" or name_node.value == "<<":
                    _merge(out, child)
                    continue
                name = str(name_node.value) if isinstance(name_node, yaml.ScalarNode) else ""
                out.mapping[name] = child
                out.key_lines[name] = name_node.start_mark.line + 1
        children = out.items if out.kind == "seq" else out.mapping.values()
        out.size = 1 + sum(child.size for child in children)
        if out.size > MAX_EXPANDED:
            raise YamlError(f"anchors and aliases expand to more than {MAX_EXPANDED} nodes", line)
        self.open.discard(key)
        self.done[key] = out
        return out


def _merge(target: Node, source: Node) -> None:
    """`<<: *anchor` merge keys: keys already present win."""
    for part in source.items if source.kind == "seq" else [source]:
        for name, child in part.mapping.items():
            target.mapping.setdefault(name, child)
            target.key_lines.setdefault(name, part.key_lines.get(name, part.line))
