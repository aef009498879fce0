"""Read an article file: find its front matter, compose it with PyYAML, and
type the fields Copydesk shows and edits.

One parser for the whole program. `parse_document` keeps what an edit needs
(the decoded text, where the front matter sits, the composed node tree);
`parse_article` turns that into the typed `Article` the rest of the app uses.
File problems come back as `ArticleError` values, never as exceptions.
"""
from __future__ import annotations

import datetime as _dt
import hashlib
import math
import os
import re
import stat
from dataclasses import dataclass
from typing import Any

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from app.article.checks import check_article
from app.article.mapping import DEFAULT_MAPPING, FieldMapping
from app.article.messages import describe_os_error
from app.article.model import (
    PLAIN_YAML_SUFFIXES,
    Article,
    ArticleError,
    FieldWarning,
    Image,
    LoadResult,
    Provider,
    RelatedArticle,
)

try:  # libyaml is an order of magnitude faster; the pure loader is the fallback.
    YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    YamlLoader = yaml.SafeLoader

BOM = "\ufeff"
FENCE_OPEN = re.compile(r"---[ \t]*(\r?\n|\Z)")
FENCE_CLOSE = re.compile(r"^(?:---|\.\.\.)[ \t]*\r?$", re.MULTILINE)
URL_KEYS = ("originalUrl", "webUrl", "ampWebUrl", "cdnAmpWebUrl")
# Keys with a field of their own whatever the mapping (the mapped ones are added per mapping).
FIXED_KEYS = frozenset(("type", "heat", "related", "secured") + URL_KEYS)
# A Jekyll post's date from its file name: 2024-05-01-title.md
_DATE_IN_NAME = re.compile(r"(\d{4}-\d{2}-\d{2})-")
MAX_FILE_BYTES = 16 * 1024 * 1024  # a front-matter article is never this big


@dataclass(slots=True)
class ParsedDocument:
    """A front-matter document as an edit needs it.

    `text` is the decoded file without its BOM; `fm_start`/`fm_end` delimit the
    YAML inside it (code-point indices); `node` is the composed top-level
    mapping (None for empty front matter) whose marks are relative to
    `fm_start`; `data` is the constructed mapping."""

    path: str
    bom: bool
    text: str
    fm_start: int
    fm_end: int
    node: MappingNode | None
    data: dict[Any, Any]

    @property
    def front_matter(self) -> str:
        return self.text[self.fm_start:self.fm_end]

    def line_of(self, fm_index: int) -> int:
        """1-based file line of an index inside the front matter."""
        return line_and_column(self.text, self.fm_start + fm_index)[0]

    def span(self, node: Node) -> tuple[int, int]:
        """The node's source span as indices into `text`."""
        return self.fm_start + node.start_mark.index, self.fm_start + node.end_mark.index

    def key_nodes(self, key: str) -> list[tuple[ScalarNode, Node]]:
        if self.node is None:
            return []
        return [(k, v) for k, v in self.node.value
                if isinstance(k, ScalarNode) and k.value == key]


def load_article(path: str | os.PathLike[str], mapping: FieldMapping = DEFAULT_MAPPING) -> LoadResult:
    """Read and parse one file, typed under `mapping` (its queue's). Never raises for a problem with the file."""
    name = os.fspath(path)
    try:
        data = read_article_bytes(name)
    except OSError as exc:
        return ArticleError(name, describe_os_error(exc))
    return parse_article(name, data, mapping)


def load_editable_state(path: str | os.PathLike[str]) -> tuple[str, dict[str, Any]] | ArticleError:
    """(SHA-256 of the file's bytes, its editable values), or why it cannot be
    read: what "mark reviewed" records. Opens the file for reading only."""
    name = os.fspath(path)
    try:
        data = read_article_bytes(name)
    except OSError as exc:
        return ArticleError(name, describe_os_error(exc))
    doc = parse_document(name, data)
    if isinstance(doc, ArticleError):
        return doc
    return hashlib.sha256(data).hexdigest(), editable_values(doc.data)


def read_article_bytes(path: str) -> bytes:
    """The bytes of one article file. Never blocks on a FIFO or a device: the
    file is opened without blocking and refused unless it is a regular file."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise OSError(0, not_a_file(st))
        return read_fd(fd, st)
    finally:
        os.close(fd)


def not_a_file(st: os.stat_result) -> str:
    """Why something with an article's name is not read: what it is instead."""
    mode = st.st_mode
    kind = ("a folder" if stat.S_ISDIR(mode) else "a FIFO (named pipe)" if stat.S_ISFIFO(mode)
            else "a socket" if stat.S_ISSOCK(mode) else "a device" if stat.S_ISCHR(mode) or stat.S_ISBLK(mode)
            else "not a file")
    return f"not a regular file ({kind})"


TOO_BIG = f"file is larger than {MAX_FILE_BYTES // (1024 * 1024)} MB; not an article"


def read_fd(fd: int, st: os.stat_result) -> bytes:
    """Read a regular file's descriptor to the end, at most MAX_FILE_BYTES.

    Asks for the size fstat gave (+1 to notice growth) rather than a 16 MB
    buffer: allocating the cap up front would cost more than hashing the article."""
    if st.st_size > MAX_FILE_BYTES:
        raise OSError(0, TOO_BIG)
    data = os.read(fd, st.st_size + 1)
    if len(data) == st.st_size:
        return data  # the usual case: a regular file's short read means end of file
    parts = [data]
    total = len(data)
    while total <= MAX_FILE_BYTES:
        chunk = os.read(fd, 1 << 20)
        if not chunk:
            break
        parts.append(chunk)
        total += len(chunk)
    if total > MAX_FILE_BYTES:
        raise OSError(0, TOO_BIG)
    return b"".join(parts)


def parse_article(path: str, data: bytes, mapping: FieldMapping = DEFAULT_MAPPING) -> LoadResult:
    doc = parse_document(path, data)
    if isinstance(doc, ArticleError):
        return doc
    try:
        return type_article(doc, mapping)
    except RecursionError:  # hundreds of nested lists: legal YAML, not an article
        return ArticleError(path, "front matter is nested too deeply")


def parse_document(path: str, data: bytes) -> ParsedDocument | ArticleError:
    text_or_error = _decode(path, data)
    if isinstance(text_or_error, ArticleError):
        return text_or_error
    bom, text = text_or_error
    if is_plain_yaml(path):
        fm_start, fm_end = 0, len(text)
    else:
        bounds = _find_front_matter(path, text)
        if isinstance(bounds, ArticleError):
            return bounds
        fm_start, fm_end = bounds
    return _compose(path, bom, text, fm_start, fm_end)


def is_plain_yaml(path: str) -> bool:
    """Only `.yaml`/`.yml` files are one YAML document; every other article file
    (`.md`, `.txt`, Jekyll's `.html`...) must open with a front-matter fence."""
    return os.path.splitext(path)[1].lower() in PLAIN_YAML_SUFFIXES


def _decode(path: str, data: bytes) -> tuple[bool, str] | ArticleError:
    if b"\x00" in data[:8192]:
        return ArticleError(path, "binary file, not a text article")
    bom = data.startswith(b"\xef\xbb\xbf")
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data.count(b"\n", 0, exc.start) + 1
        line_start = data.rfind(b"\n", 0, exc.start) + 1
        column = len(data[line_start:exc.start].decode("utf-8", "replace")) + 1
        return ArticleError(path, f"not UTF-8 text (byte 0x{data[exc.start]:02x})", line, column)
    return bom, text[1:] if bom else text


def _find_front_matter(path: str, text: str) -> tuple[int, int] | ArticleError:
    opening = FENCE_OPEN.match(text)
    if opening is None:
        if text.startswith("+++"):  # Hugo's other front-matter format
            return ArticleError(path, "TOML front matter (+++) is not supported; Copydesk reads YAML "
                                      "front matter between '---' lines", 1)
        return ArticleError(path, "no front matter: the file must start with a '---' line", 1)
    start = opening.end()
    closing = FENCE_CLOSE.search(text, start)
    if closing is None:
        return ArticleError(path, "front matter is not closed: no '---' line after the opening one", 1)
    return start, closing.start()


def _compose(path: str, bom: bool, text: str, fm_start: int, fm_end: int) -> ParsedDocument | ArticleError:
    if text.startswith(BOM, fm_start):  # libyaml skips a BOM here without counting it in marks
        fm_start += 1
    fm = text[fm_start:fm_end]

    def error_at(message: str, fm_index: int | None) -> ArticleError:
        if fm_index is None:
            return ArticleError(path, message)
        line, column = line_and_column(text, fm_start + fm_index)
        return ArticleError(path, message, line, column)

    loader = YamlLoader(fm)
    try:
        node = loader.get_single_node()
        if _is_empty_document(node):  # `---` alone in a .yaml file
            node = None
        if node is not None and not isinstance(node, MappingNode):
            kind = "a list" if isinstance(node, SequenceNode) else "a single value"
            return error_at(f"front matter is {kind}, not a mapping of keys to values", node.start_mark.index)
        data: Any = {}
        if node is not None:
            if "&" in fm:  # only anchors make aliases; skip the walk for the usual file
                problem = _alias_problem(node)
                if problem:
                    return error_at(problem, node.start_mark.index)
            pairs = list(node.value)
            data = _construct(loader, node)
            node.value = pairs  # PyYAML's merge-key handling rewrites the pairs in place
            duplicate = _first_duplicate_key(node)
            if duplicate is not None:
                key, first, second = duplicate
                first_line, _ = line_and_column(text, fm_start + first.start_mark.index)
                return error_at(f"duplicate key '{key}' (also on line {first_line})", second.start_mark.index)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        message = " ".join(str(part) for part in (exc.context, exc.problem) if part)
        return error_at(f"YAML error: {message}", mark.index if mark is not None else None)
    except yaml.reader.ReaderError as exc:  # a control character the YAML reader refuses
        return error_at(f"YAML error: character {exc.character!r} is not allowed", exc.position)
    except yaml.YAMLError as exc:
        return ArticleError(path, f"YAML error: {' '.join(str(exc).split())}")
    except (ValueError, TypeError, OverflowError) as exc:  # e.g. a timestamp like 2022-13-45
        return ArticleError(path, f"invalid value in front matter: {exc}")
    except RecursionError:
        return ArticleError(path, "front matter is nested too deeply")
    finally:
        loader.dispose()
    if not isinstance(data, dict):  # pragma: no cover - a mapping node constructs a dict
        return ArticleError(path, "front matter is not a mapping")
    return ParsedDocument(path, bom, text, fm_start, fm_end, node, data)


def line_and_column(text: str, index: int) -> tuple[int, int]:
    """1-based line and column of a code-point index, counting only '\n' as a
    line break (as editors do; YAML marks also count NEL, LS and PS)."""
    line_start = text.rfind("\n", 0, index) + 1
    return text.count("\n", 0, index) + 1, index - line_start + 1


def _is_empty_document(node: Node | None) -> bool:
    return isinstance(node, ScalarNode) and node.tag == _TAG + "null" and node.value == ""


MAX_EXPANDED_VALUES = 100_000  # aliases may not blow a small file up beyond this


def _alias_problem(root: Node) -> str | None:
    """A recursive alias, or aliases that expand to more than MAX_EXPANDED_VALUES
    values (a few hundred bytes can otherwise cost gigabytes)."""
    sizes: dict[int, int] = {}
    open_nodes: set[int] = set()
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, children_done = stack.pop()
        if isinstance(node, ScalarNode):
            sizes[id(node)] = 1
            continue
        children = [c for pair in node.value for c in pair] if isinstance(node, MappingNode) else node.value
        if children_done:
            open_nodes.discard(id(node))
            sizes[id(node)] = 1 + sum(sizes[id(c)] for c in children)
            if sizes[id(node)] > MAX_EXPANDED_VALUES:
                return f"aliases expand to more than {MAX_EXPANDED_VALUES:,} values"
            continue
        if id(node) in sizes:
            continue
        if id(node) in open_nodes:
            return "an alias refers to the value that contains it (a recursive *alias)"
        open_nodes.add(id(node))
        stack.append((node, True))
        stack.extend((c, False) for c in children if id(c) not in sizes)
    return None


_TAG = "tag:yaml.org,2002:"
_STR, _SEQ, _MAP = _TAG + "str", _TAG + "seq", _TAG + "map"
_PLAIN_SCALAR_TAGS = frozenset(_TAG + name for name in ("null", "bool", "int", "float", "timestamp"))


class _UseFullConstructor(Exception):
    """The fast path met something only PyYAML's constructor handles."""


def _construct(loader: Any, root: Node) -> Any:
    """Build Python values from the node tree, as PyYAML's safe constructor does.

    PyYAML's generic construct_object costs more than the C composer itself;
    front matter is nearly always plain maps, lists and scalars, so build those
    directly and hand anything else (merge keys, sets, binary, recursive
    aliases, unhashable keys) to the real constructor."""
    constructors = loader.yaml_constructors
    built: dict[int, Any] = {}  # an alias is the same node: build it once, share the value

    def build(node: Node) -> Any:
        tag = node.tag
        if tag == _STR:
            return node.value
        if type(node) is ScalarNode:
            if tag not in _PLAIN_SCALAR_TAGS:
                raise _UseFullConstructor
            return constructors[tag](loader, node)
        if id(node) in built:
            return built[id(node)]
        if tag == _SEQ:
            out: Any = [build(child) for child in node.value]
        elif tag == _MAP:
            out = {}
            for key, value in node.value:
                if key.tag == _TAG + "merge":
                    raise _UseFullConstructor
                out[build(key)] = build(value)
        else:
            raise _UseFullConstructor
        built[id(node)] = out
        return out

    try:
        return build(root)
    except (_UseFullConstructor, TypeError, RecursionError):
        return loader.construct_document(root)


def _first_duplicate_key(node: MappingNode) -> tuple[str, Node, Node] | None:
    seen: dict[str, Node] = {}
    for key, _ in node.value:
        if isinstance(key, ScalarNode) and key.tag != _TAG + "merge":
            if key.value in seen:
                return key.value, seen[key.value], key
            seen[key.value] = key
    return None


# --- typing ---------------------------------------------------------------

def editable_values(data: dict[Any, Any], mapping: FieldMapping = DEFAULT_MAPPING) -> dict[str, Any]:
    """The editable fields as the app sees them (meanings): valid values, the
    mapping's default for a missing publish key, else None."""
    return mapping.editable_values(data)


def type_article(doc: ParsedDocument, mapping: FieldMapping = DEFAULT_MAPPING) -> Article:
    """The typed article: each field filled through `mapping` (key -> meaning)."""
    data = doc.data
    warnings: list[FieldWarning] = []
    invalid: dict[str, str] = {}

    def position(key: str, entry: int | None = None) -> tuple[int | None, int | None]:
        """Where `key` starts in the file (its `entry`-th list item, when given);
        the first line of the front matter for a key that is not there."""
        pairs = doc.key_nodes(key) if key else []
        if not pairs:
            return line_and_column(doc.text, doc.fm_start)
        node: Node = pairs[-1][0]
        value = pairs[-1][1]
        if entry is not None and isinstance(value, SequenceNode) and entry < len(value.value):
            node = value.value[entry]
        return line_and_column(doc.text, doc.fm_start + node.start_mark.index)

    def flag(field: str, key: str, message: str) -> None:
        # `field` is the meaning (what the row and the window speak of); `key` is
        # the file's key, which the message names so the editor can find it.
        pairs = doc.key_nodes(key)
        raw = _source_text(doc, pairs[-1][1]) if pairs else repr(data.get(key))
        invalid[field] = raw
        shown = " ".join(raw.split()) or "empty"  # one line, even for a multi-line value
        line, column = position(key) if pairs else (None, None)
        warnings.append(FieldWarning(field, line, message.format(raw=shown), column))

    published_key, quality_key = mapping.published_key, mapping.quality_key
    if published_key in data and mapping.valid_published(data[published_key]) is None:
        flag("published", published_key, f"{published_key} is {{raw}}, expected true or false")
    if quality_key in data and mapping.valid_quality(data[quality_key]) is None:
        value = data[quality_key]
        low, high = mapping.quality_min, mapping.quality_max
        if isinstance(value, int) and not isinstance(value, bool):
            flag("quality", quality_key, f"{quality_key} is {{raw}}, outside {low} to {high}")
        else:
            flag("quality", quality_key, f"{quality_key} is {{raw}}, expected a whole number from {low} to {high}")
    heat = data.get("heat")
    if heat is not None and not _is_number(heat):
        flag("heat", "heat", "heat is {raw}, expected a number")
        heat = None

    has_field = set(FIXED_KEYS)
    has_field.update((published_key, quality_key))
    title_key = _first_key(data, mapping.title, has_field)
    excerpt_key = _first_key(data, mapping.excerpt, has_field)
    category_key = _first_key(data, mapping.category, has_field)
    provider_key = _first_key(data, mapping.provider, has_field)
    images_key = _first_key(data, mapping.images, has_field)
    date_key = _first_key(data, mapping.date, has_field)
    published_at = ""
    if date_key is not None:
        pairs = doc.key_nodes(date_key)
        published_at = _source_text(doc, pairs[-1][1], unquote=True) if pairs else _text(data[date_key])
    elif mapping.date_from_filename:
        found = _DATE_IN_NAME.match(os.path.basename(doc.path))
        published_at = found.group(1) if found else ""
    editable = mapping.editable_values(data)
    warnings += check_article(data, mapping, position, title_key=title_key, date_key=date_key,
                              images_key=images_key)
    # Keys with a field of their own are left out of `extra`: `has_field` (the
    # FIXED_KEYS, the mapped keys that were used or are empty).
    return Article(
        path=doc.path,
        published=editable["published"],
        quality=editable["quality"],
        title=_text(_value(data, title_key)),
        excerpt=_text(_value(data, excerpt_key)),
        category=_first_text(_value(data, category_key)),
        type=_text(data.get("type")),
        heat=heat,
        published_at=published_at,
        urls={key: _text(data[key]) for key in URL_KEYS if data.get(key) is not None},
        provider=_provider(_value(data, provider_key)),
        topics=_topics(data, mapping, has_field),
        images=tuple(img for img in (_image(i) for i in _as_list(_value(data, images_key))) if img),
        related=tuple(r for r in (_related(i) for i in _as_list(data.get("related"))) if r),
        secured="secured" in data,
        extra={str(k): to_json_safe(v) for k, v in data.items() if k not in has_field},
        invalid=invalid,
        warnings=tuple(sorted(warnings, key=lambda w: (w.line or 0, w.column or 0))),  # in file order
        front_matter=doc.front_matter,
    )


def _empty(value: Any) -> bool:
    return value is None or value == "" or value == []


def _first_key(data: dict[Any, Any], keys: tuple[str, ...], has_field: set[Any]) -> str | None:
    """The first of `keys` that holds a value. It, and every empty one before or
    after it, has its field (so leaves `extra`); a later key that holds another
    value stays in `extra`, where the editor still sees it."""
    chosen = None
    for key in keys:
        if key not in data:
            continue
        if _empty(data[key]):
            has_field.add(key)
        elif chosen is None:
            chosen = key
            has_field.add(key)
    return chosen


def _value(data: dict[Any, Any], key: str | None) -> Any:
    return None if key is None else data.get(key)


def _topics(data: dict[Any, Any], mapping: FieldMapping, has_field: set[Any]) -> tuple[str, ...]:
    """Every topic key feeds the topics, in order; a topic a later key repeats is shown once."""
    out: list[str] = []
    for index, key in enumerate(mapping.topics):
        if key not in data:
            continue
        has_field.add(key)
        items: list[str] = []
        for item in _as_list(data[key]):
            if item is None:
                continue
            if mapping.split_topic_text and isinstance(item, str):
                items.extend(item.split())
            else:
                items.append(_text(item))
        if index:
            seen = set(out)
            items = [t for t in items if t not in seen]
        out.extend(items)
    return tuple(out)


def _first_text(value: Any) -> str:
    """A single text from a value that may be a list (Jekyll's `categories: [release]`)."""
    if isinstance(value, list):
        return next((_text(v) for v in value if v is not None), "")
    return _text(value)


def _source_text(doc: ParsedDocument, node: Node, unquote: bool = False) -> str:
    if unquote and isinstance(node, ScalarNode):
        return node.value
    start, end = doc.span(node)
    return doc.text[start:end]


def _is_number(value: Any) -> bool:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    return str(value)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return value if isinstance(value, list) else [value]


def _int_or_none(value: Any) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _provider(value: Any) -> Provider | None:
    if isinstance(value, dict):
        return Provider(_text(value.get("name")), _text(value.get("domain")))
    if isinstance(value, str):
        return Provider(value, "")
    if isinstance(value, list):  # Hugo's `authors: [a, b]`
        names = [p.name for p in map(_provider, value) if p is not None and p.name]
        return Provider(", ".join(names), "") if names else None
    return None


def _image(value: Any) -> Image | None:
    if isinstance(value, str):
        return Image(value)
    if not isinstance(value, dict):
        return None
    url = value.get("url") or value.get("path")  # `path`: jekyll-seo-tag's `image: {path: ...}`
    if not url:
        return None
    cached = value.get("isCached")
    return Image(_text(url), _int_or_none(value.get("width")), _int_or_none(value.get("height")),
                 cached if isinstance(cached, bool) else None)


def _related(value: Any) -> RelatedArticle | None:
    if not isinstance(value, dict):
        return None
    url = next((_text(value[k]) for k in ("webUrl", "originalUrl", "url") if value.get(k)), "")
    return RelatedArticle(_text(value.get("title")), _provider(value.get("provider")), url,
                          _int_or_none(value.get("quality")))


def to_json_safe(value: Any) -> Any:
    """Turn a constructed YAML value into something json.dumps accepts."""
    if value is None or isinstance(value, (bool, int, str)):
        return value
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, (_dt.date, _dt.datetime)):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): to_json_safe(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set)):
        return [to_json_safe(v) for v in value]
    if isinstance(value, bytes):
        return f"<{len(value)} bytes>"
    return str(value)
