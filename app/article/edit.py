"""Change the value of `published` or `quality` in a file's bytes, and nothing else.

Changes are given as meanings ({"published": True}); the queue's
`FieldMapping` says which key holds each and how (Hugo: `draft: false`), and
this is where a meaning becomes a key. The edit is a splice: the source span
of the value's scalar is replaced by the canonical text (`true`, `false`, a
plain integer). A missing key gets one new line at the end of the top-level
mapping. Every other byte is left alone, which is why this module works on the
composed node tree's marks instead of dumping YAML. Anything it cannot do with
certainty it refuses.
"""
from __future__ import annotations

from typing import Any

from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.article.frontmatter import ParsedDocument, parse_document
from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from app.article.model import EDITABLE_FIELDS, ArticleError


class EditRefused(Exception):
    """The edit is ambiguous or unsafe; the file must stay as it is."""

    def __init__(self, message: str, line: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.line = line

    def describe(self) -> str:
        return f"line {self.line}: {self.message}" if self.line else self.message


def canonical_text(name: str, value: Any, mapping: FieldMapping = DEFAULT_MAPPING) -> str:
    """Validate a meaning's new value and return the YAML text the file's key
    gets for it (`false` for publishing where the key is Hugo's `draft`)."""
    if name not in EDITABLE_FIELDS:
        raise EditRefused(f"'{name}' is not an editable field (only {', '.join(EDITABLE_FIELDS)})")
    if name == "published":
        if not isinstance(value, bool):
            raise EditRefused(f"published must be true or false, not {value!r}")
        return "true" if mapping.to_disk(name, value) else "false"
    if not isinstance(value, int) or isinstance(value, bool):
        raise EditRefused(f"quality must be a whole number, not {value!r}")
    if not mapping.quality_min <= value <= mapping.quality_max:
        raise EditRefused(f"quality must be from {mapping.quality_min} to {mapping.quality_max}, not {value}")
    return str(value)


def apply_edit(doc: ParsedDocument, changes: dict[str, Any], mapping: FieldMapping = DEFAULT_MAPPING) -> bytes:
    """The file's new bytes with `changes` (meanings) applied. Raises EditRefused.

    The result is parsed again before it is returned: the edited keys must
    hold the new values and every other key must be exactly as before."""
    return apply_edit_parsed(doc, changes, mapping)[0]


def apply_edit_parsed(doc: ParsedDocument, changes: dict[str, Any],
                      mapping: FieldMapping = DEFAULT_MAPPING) -> tuple[bytes, ParsedDocument]:
    """`apply_edit`, plus the parse of the new bytes that verified them (so a
    caller that wants the new article does not parse the file a third time)."""
    if not changes:
        raise EditRefused("nothing to change")
    # From here on the edit works on the file's keys: meaning -> key, value -> the value on disk.
    texts: dict[str, str] = {}
    own_tags: dict[str, tuple[str, ...]] = {}
    disk_changes: dict[str, Any] = {}
    for name, value in changes.items():
        text = canonical_text(name, value, mapping)  # refuses an unknown name or a bad value first
        key = mapping.key_of(name)
        texts[key], own_tags[key], disk_changes[key] = text, _OWN_TAGS[name], mapping.to_disk(name, value)
    if len(texts) < len(changes):
        raise EditRefused("published and quality are mapped to the same key; fix the queue's settings")
    if doc.node is not None and doc.node.flow_style:
        raise EditRefused("the front matter is a flow mapping ({ ... }); edit it by hand", doc.line_of(0))
    splices: list[tuple[int, int, str]] = []
    inserts: list[str] = []
    written: dict[str, str] = {}  # key -> the text its value's span must read afterwards
    shared = _nodes_seen_twice(doc.node)
    for key, text in texts.items():
        pairs = doc.key_nodes(key)
        if len(pairs) > 1:
            raise EditRefused(f"'{key}' appears more than once", doc.line_of(pairs[1][0].start_mark.index))
        if pairs:
            splice = _replacement(doc, pairs[0][0], pairs[0][1], text, shared, own_tags[key])
            splices.append(splice)
            written[key] = splice[2].lstrip(" ") if splice[0] == splice[1] else splice[2]
        else:
            inserts.append(f"{key}: {text}")
            written[key] = text
    new_text = doc.text
    if inserts:
        at = _insertion_point(doc)
        newline = _line_ending(doc.text, at)
        indent = " " * (doc.node.start_mark.column if doc.node is not None else 0)
        if at == 0 or new_text[at - 1] in "\r\n":
            block = "".join(f"{indent}{line}{newline}" for line in inserts)
        else:  # the end of a file without a final newline: keep it without one
            block = "".join(f"{newline}{indent}{line}" for line in inserts)
        splices.append((at, at, block))
    for start, end, replacement in sorted(splices, reverse=True):
        new_text = new_text[:start] + replacement + new_text[end:]
    new_bytes = (b"\xef\xbb\xbf" if doc.bom else b"") + new_text.encode("utf-8")
    try:
        after = _verify(doc, new_bytes, disk_changes, written)
    except RecursionError:
        raise EditRefused("the front matter is nested too deeply to verify an edit; nothing written") from None
    return new_bytes, after


def _replacement(doc: ParsedDocument, key_node: ScalarNode, value: Node, text: str,
                 shared: set[int], own_tags: tuple[str, ...]) -> tuple[int, int, str]:
    key = key_node.value
    line = doc.line_of(key_node.start_mark.index)
    if isinstance(value, (MappingNode, SequenceNode)):
        raise EditRefused(f"'{key}' holds a {'list' if isinstance(value, SequenceNode) else 'mapping'}, "
                          "not a single value", line)
    start, end = doc.span(value)
    source = doc.text[start:end]
    if id(value) in shared:  # an alias is its anchor's node, so its span is the anchor's
        raise EditRefused(f"'{key}' is a YAML alias shared with another key; edit it by hand", line)
    assert isinstance(value, ScalarNode)
    if value.style in ("|", ">"):
        raise EditRefused(f"'{key}' is a block scalar ({value.style}); edit it by hand", line)
    if source.startswith("!"):
        # `published: !!bool false`: a standard tag of the value's own type is kept, only the value changes.
        tag, _, rest = source.partition(" ")
        if tag not in own_tags or not rest.strip() or rest.lstrip().startswith(("&", "!")):
            raise EditRefused(f"'{key}' carries a YAML anchor or tag ({tag}); edit it by hand", line)
        spacing = rest[:len(rest) - len(rest.lstrip())]
        return start, end, f"{tag} {spacing}{text}"
    if source.startswith("&"):
        raise EditRefused(f"'{key}' carries a YAML anchor or tag; edit it by hand", line)
    if start == end:  # `published:` with no value: the span sits right after the colon
        return start, end, " " + text
    return start, end, text


# The tags that say what an editable value already is (by meaning): kept when the value is edited.
_OWN_TAGS = {"published": ("!!bool", "!<tag:yaml.org,2002:bool>"),
             "quality": ("!!int", "!<tag:yaml.org,2002:int>")}


def _nodes_seen_twice(root: Node | None) -> set[int]:
    """Ids of nodes reachable along more than one path (anchors used by aliases)."""
    seen: set[int] = set()
    twice: set[int] = set()
    stack: list[Node] = [root] if root is not None else []
    while stack:
        node = stack.pop()
        if id(node) in seen:
            twice.add(id(node))
            continue
        seen.add(id(node))
        if isinstance(node, MappingNode):
            for k, v in node.value:
                stack.extend((k, v))
        elif isinstance(node, SequenceNode):
            stack.extend(node.value)
    return twice


def _insertion_point(doc: ParsedDocument) -> int:
    """Just after the line that ends the top-level mapping's last value."""
    if doc.node is None or not doc.node.value:
        return doc.fm_end
    last_key, last = doc.node.value[-1]
    start, at = doc.span(last)
    block_scalar = isinstance(last, ScalarNode) and last.style in ("|", ">")
    if block_scalar and not doc.text[start:at].endswith("\n"):
        # A final block scalar without a newline would gain one (and change its
        # value) if the new line went after it: put the new line above its key.
        return doc.fm_start + last_key.start_mark.index - last_key.start_mark.column
    if not block_scalar:
        # A block collection's end mark lies past its trailing blank lines; the
        # new line belongs right under the last item. (Block scalars keep theirs.)
        while at > start and doc.text[at - 1] in " \t\r\n":
            at -= 1
    if at > 0 and doc.text[at - 1] != "\n":
        newline_at = doc.text.find("\n", at, doc.fm_end)
        at = doc.fm_end if newline_at < 0 else newline_at + 1
    return min(at, doc.fm_end)


def _line_ending(text: str, at: int) -> str:
    """The line ending of the line before `at`, else the file's first one."""
    before = text.rfind("\n", 0, at) if at > 0 and text[at - 1] != "\r" else at - 1
    if before < 0:
        before = text.find("\n")
    if before < 0:
        return "\r" if "\r" in text else "\n"
    if text[before] == "\r":
        return "\r"
    return "\r\n" if before > 0 and text[before - 1] == "\r" else "\n"


def _verify(before: ParsedDocument, new_bytes: bytes, changes: dict[str, Any],
            written: dict[str, str]) -> ParsedDocument:
    after = parse_document(before.path, new_bytes)
    if isinstance(after, ArticleError):
        raise EditRefused(f"the edited file would not parse ({after.describe()}); nothing written")
    for key, value in changes.items():
        got = after.data.get(key, _MISSING)
        pairs = after.key_nodes(key)
        text = after.text[slice(*after.span(pairs[0][1]))] if len(pairs) == 1 else None
        if type(got) is not type(value) or got != value or text != written[key]:
            raise EditRefused(f"after the edit '{key}' would read {got!r}, not {value!r}; nothing written")
    others_before = {k: v for k, v in before.data.items() if k not in changes}
    others_after = {k: v for k, v in after.data.items() if k not in changes}
    if others_before != others_after and repr(others_before) != repr(others_after):  # repr: .nan != .nan
        changed = sorted(str(k) for k in set(others_before) | set(others_after)
                         if others_before.get(k, _MISSING) != others_after.get(k, _MISSING))
        raise EditRefused(f"the edit would also change {', '.join(changed) or 'other keys'}; nothing written")
    if before.text[before.fm_end:] != after.text[after.fm_end:]:
        raise EditRefused("the edit would change the body; nothing written")
    return after


_MISSING = object()
