"""Merge two versions of one article against their common base, field by field.

The rule, per top-level key of the front matter: a key changed on one side
takes that change; changed on both sides to the same value is no conflict;
changed on both sides to different values is a real conflict, and is
reported, never settled by picking a side (unless the editor already chose
one: `prefer`). The body below the front matter is merged as text with
`git merge-file`.

The result is *ours* with theirs' changes applied as byte edits, so every
byte ours did not need changed stays as it was:
- a changed `published` or `quality` goes through the core's editor
  (`app.article.edit.apply_edit`), which splices just the value;
- any other changed key is spliced as a whole entry (from the line its key
  starts on to the end of the line its value ends on), with theirs' bytes,
  using the same composed-node marks the editor uses; an added key goes
  after the key it follows in theirs, a removed one is cut out.
The merged bytes are parsed again: every key must hold the value the rule
says, and the body must be the merged body, or the merge is a conflict
("could not be merged field by field") rather than a guess.

Pure: no git repository, no Qt. `merge_text` (git merge-file) is passed in.
"""
from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from yaml.nodes import ScalarNode

from app.article.edit import EditRefused, apply_edit
from app.article.frontmatter import ParsedDocument, parse_document, to_json_safe
from app.article.model import EDITABLE_FIELDS, QUALITY_MAX, QUALITY_MIN, ArticleError

Side = Literal["ours", "theirs"]
TextMerge = Callable[[bytes, bytes, bytes], "bytes | None"]  # (ours, base, theirs) -> merged or None
BODY = "body"  # the field name a clash in the text below the front matter is reported under
WHOLE_FILE = "(file)"  # ... and one in a file that is not an article
FRONT_MATTER = "(front matter)"  # ... and one the field rule could not apply safely
_MISSING: Any = object()
_MERGE_TAG = "tag:yaml.org,2002:merge"


@dataclass(frozen=True, slots=True)
class Clash:
    """One real conflict: both sides changed `field` to different values."""

    field: str
    ours: Any = None  # JSON-safe values (None for a missing key, or for the body)
    theirs: Any = None
    base: Any = None


@dataclass(frozen=True, slots=True)
class MergeResult:
    merged: bytes | None  # None when there is a clash not settled by `prefer`
    clashes: tuple[Clash, ...] = ()
    settled: tuple[Clash, ...] = field(default=())  # clashes `prefer` settled (the record of what was chosen)

    @property
    def clean(self) -> bool:
        return self.merged is not None


def merge_article(path: str, base: bytes | None, ours: bytes, theirs: bytes, merge_text: TextMerge,
                  prefer: Mapping[str, Side] | None = None) -> MergeResult:
    """Merge `theirs` into `ours` (both descended from `base`; None when both added
    the file). `path` says how to read the files (its suffix: front matter or plain
    YAML). `prefer` maps a field (or BODY / WHOLE_FILE / FRONT_MATTER) to the side
    an editor chose for it."""
    prefer = dict(prefer or {})
    if ours == theirs or base == theirs:
        return MergeResult(ours)
    if base == ours:
        return MergeResult(theirs)
    docs = [parse_document(path, data) for data in (ours, theirs)]
    base_doc = parse_document(path, base) if base is not None else None
    if any(isinstance(d, ArticleError) for d in docs) or isinstance(base_doc, ArticleError):
        return _whole_file(base or b"", ours, theirs, merge_text, prefer)
    mine, other = docs
    assert isinstance(mine, ParsedDocument) and isinstance(other, ParsedDocument)
    return _FieldMerge(path, base_doc, mine, other, merge_text, prefer).run()


def _whole_file(base: bytes, ours: bytes, theirs: bytes, merge_text: TextMerge,
                prefer: Mapping[str, Side]) -> MergeResult:
    """Not an article on some side: a plain text merge, all or nothing."""
    merged = merge_text(ours, base, theirs)
    if merged is not None:
        return MergeResult(merged)
    clash = Clash(WHOLE_FILE)
    if WHOLE_FILE in prefer:
        return MergeResult(ours if prefer[WHOLE_FILE] == "ours" else theirs, settled=(clash,))
    return MergeResult(None, (clash,))


class _FieldMerge:
    def __init__(self, path: str, base: ParsedDocument | None, ours: ParsedDocument, theirs: ParsedDocument,
                 merge_text: TextMerge, prefer: dict[str, Side]) -> None:
        self.path, self.base, self.ours, self.theirs = path, base, ours, theirs
        self.merge_text, self.prefer = merge_text, prefer
        self.clashes: list[Clash] = []
        self.settled: list[Clash] = []

    def run(self) -> MergeResult:
        ours, theirs, base = self.ours, self.theirs, self.base
        bom = _pick(base.bom if base else None, ours.bom, theirs.bom)
        head = _pick(_head(base) if base else None, _head(ours), _head(theirs))
        tail = self._tail()
        fm_base = base.front_matter if base else None
        expected: dict[str, Any] | None = None
        if ours.front_matter == theirs.front_matter or theirs.front_matter == fm_base:
            front: str | None = ours.front_matter
        elif ours.front_matter == fm_base:
            front = theirs.front_matter
        else:
            try:
                front, expected = self._front_matter()
            except _NotSafe:
                front = self._clash(Clash(FRONT_MATTER), ours.front_matter, theirs.front_matter)
        if self.clashes or front is None or tail is None:
            return MergeResult(None, tuple(self.clashes), tuple(self.settled))
        data = (b"\xef\xbb\xbf" if bom else b"") + (head + front + tail).encode("utf-8")
        if not self._verified(data, expected, tail):
            return MergeResult(None, (Clash(FRONT_MATTER),), tuple(self.settled))
        return MergeResult(data, (), tuple(self.settled))

    # --- the text below the front matter ------------------------------------

    def _tail(self) -> str | None:
        base = _tail(self.base) if self.base else None
        ours, theirs = _tail(self.ours), _tail(self.theirs)
        if ours == theirs or theirs == base:
            return ours
        if ours == base:
            return theirs
        merged = self.merge_text(ours.encode("utf-8"), (base or "").encode("utf-8"), theirs.encode("utf-8"))
        if merged is not None:
            try:
                return merged.decode("utf-8")
            except UnicodeDecodeError:  # pragma: no cover - merge-file of UTF-8 input
                pass
        return self._clash(Clash(BODY), ours, theirs)

    # --- the front matter, key by key -----------------------------------------

    def _front_matter(self) -> tuple[str | None, dict[str, Any]]:
        """(the merged front matter text, or None on a clash; the values each key must then hold)."""
        ours, theirs, base = self.ours, self.theirs, self.base
        mine, other = _entries(ours), _entries(theirs)
        old = _entries(base) if base else {}
        if mine is None or other is None or old is None:  # flow style, odd keys: not safe to splice
            raise _NotSafe("the front matter cannot be spliced key by key")
        expected = {k: ours.data[k] for k in mine}
        take: list[str] = []  # keys whose entry comes from theirs
        for key in [*mine, *(k for k in other if k not in mine)]:
            b, o, t = old.get(key), mine.get(key), other.get(key)
            ot, tt, bt = (o.key if o else None), (t.key if t else None), (b.key if b else None)
            if ot == tt or tt == bt:
                continue
            if ot != bt:  # both changed this key
                bv, ov, tv = (_value(d, key) for d in (base, ours, theirs))
                if same_value(ov, tv):
                    continue  # the same value, written differently: ours stands
                side = self._settle(Clash(key, _shown(ov), _shown(tv), _shown(bv)))
                if side != "theirs":
                    continue
            take.append(key)
            if t is None:
                expected.pop(key, None)
            else:
                expected[key] = theirs.data[key]
        if self.clashes:
            return None, expected
        try:
            return self._apply(take, mine, other, use_editor=True), expected
        except _NotSafe:  # the editor refused a value it would otherwise splice: splice the entry
            return self._apply(take, mine, other, use_editor=False), expected

    def _apply(self, take: list[str], mine: dict[str, _Entry], other: dict[str, _Entry],
               use_editor: bool) -> str:
        """Ours' front matter with theirs' entries for `take`."""
        text = self.ours.front_matter
        offset = self.ours.fm_start
        newline = _newline(self.ours.text)
        editor: dict[str, Any] = {}
        splices: dict[tuple[int, int], list[str]] = {}
        order = list(other)
        for key in take:
            o, t = mine.get(key), other.get(key)
            if use_editor and o is not None and t is not None and key in EDITABLE_FIELDS \
                    and _editable(t.value, key) and o.scalar:
                editor[key] = t.value
                continue
            if o is not None:  # replaced by theirs' whole entry, or removed
                where = (o.start - offset, o.end - offset)
            else:
                at = self._insertion(key, order, mine) - offset
                where = (at, at)
            splices.setdefault(where, []).append(t.text if t is not None else "")
        for (start, end), parts in sorted(splices.items(), reverse=True):
            replacement = "".join(part if part.endswith("\n") or not part else part + newline for part in parts)
            if end == len(text) and not text.endswith("\n") and replacement.endswith(newline):
                replacement = replacement[:-len(newline)]  # the end of a file without a final newline
            if start == end and replacement and start > 0 and text[start - 1] != "\n":
                replacement = newline + replacement
            text = text[:start] + replacement + text[end:]
        return self._edit(text, editor) if editor else text

    def _insertion(self, key: str, order: list[str], mine: dict[str, _Entry]) -> int:
        """Where a key theirs added goes in ours: after the key it follows in theirs,
        else before the key it precedes, else at the end."""
        at = order.index(key)
        for earlier in reversed(order[:at]):
            if earlier in mine:
                return mine[earlier].end
        for later in order[at + 1:]:
            if later in mine:
                return mine[later].start
        if mine:
            return max(entry.end for entry in mine.values())
        return self.ours.fm_end

    def _edit(self, front: str, changes: dict[str, Any]) -> str:
        """published/quality through the core editor, on ours with the spliced front matter."""
        ours = self.ours
        head, tail = _head(ours), _tail(ours)
        doc = parse_document(self.path, (head + front + tail).encode("utf-8"))
        if isinstance(doc, ArticleError):
            raise _NotSafe(doc.describe())
        try:
            edited = apply_edit(doc, changes).decode("utf-8")
        except EditRefused as exc:
            raise _NotSafe(exc.describe()) from None
        return edited[len(head):len(edited) - len(tail)]

    # --- settling and checks ----------------------------------------------------

    def _settle(self, clash: Clash) -> Side | None:
        side = self.prefer.get(clash.field)
        (self.clashes if side is None else self.settled).append(clash)
        return side

    def _clash(self, clash: Clash, ours: str, theirs: str) -> str | None:
        side = self._settle(clash)
        return None if side is None else ours if side == "ours" else theirs

    def _verified(self, data: bytes, expected: dict[str, Any] | None, tail: str) -> bool:
        """The merged bytes parse, hold the body we merged, and (after a key-by-key
        merge) hold exactly the values the rule gave each key."""
        after = parse_document(self.path, data)
        if isinstance(after, ArticleError) or after.text[after.fm_end:] != tail:
            return False
        if expected is None:
            return True
        if set(after.data) != set(expected):
            return False
        return all(same_value(after.data[k], v) for k, v in expected.items())


class _NotSafe(Exception):
    pass


@dataclass(frozen=True, slots=True)
class _Entry:
    """One top-level key's lines: [start, end) in the document's text."""

    start: int
    end: int
    text: str
    value: Any
    scalar: bool

    @property
    def key(self) -> str:
        """What says whether a side changed the entry: its text, less a final line break
        (the last line of a file without one is the same entry)."""
        return self.text.rstrip("\r\n")


def _entries(doc: ParsedDocument) -> dict[str, _Entry] | None:
    """Every top-level key's entry, in order; None when the mapping cannot be
    spliced safely (flow style, a key that is not a plain scalar)."""
    node = doc.node
    if node is None:
        return {}
    if node.flow_style:
        return None
    text = doc.text
    out: dict[str, _Entry] = {}
    for key, value in node.value:
        if not isinstance(key, ScalarNode) or key.value in out or key.value not in doc.data \
                or key.tag == _MERGE_TAG:
            return None  # a complex key, a merge key (<<), a key that is not a string
        start = doc.fm_start + key.start_mark.index - key.start_mark.column
        v_start, end = doc.span(value)
        block_scalar = isinstance(value, ScalarNode) and value.style in ("|", ">")
        if not block_scalar:
            while end > v_start and text[end - 1] in " \t\r\n":
                end -= 1  # a block collection's end mark lies past its trailing blank lines
        if end > 0 and text[end - 1] != "\n":
            newline_at = text.find("\n", end, doc.fm_end)
            end = doc.fm_end if newline_at < 0 else newline_at + 1
        end = min(end, doc.fm_end)
        out[key.value] = _Entry(start, end, text[start:end], doc.data.get(key.value, _MISSING),
                                isinstance(value, ScalarNode))
    return out


def _value(doc: ParsedDocument | None, key: str) -> Any:
    return _MISSING if doc is None else doc.data.get(key, _MISSING)


def _shown(value: Any) -> Any:
    return None if value is _MISSING else to_json_safe(value)


def _editable(value: Any, key: str) -> bool:
    if key == "published":
        return isinstance(value, bool)
    return isinstance(value, int) and not isinstance(value, bool) and QUALITY_MIN <= value <= QUALITY_MAX


def _head(doc: ParsedDocument) -> str:
    return doc.text[:doc.fm_start]


def _tail(doc: ParsedDocument) -> str:
    return doc.text[doc.fm_end:]


def _pick(base: Any, ours: Any, theirs: Any) -> Any:
    """The one-side-changed rule for a part with no field structure (BOM, opening fence)."""
    return theirs if ours == base and theirs != base else ours


def _newline(text: str) -> str:
    at = text.find("\n")
    return "\r\n" if at > 0 and text[at - 1] == "\r" else "\n"


def same_value(a: Any, b: Any) -> bool:
    """Equal as YAML values: True is not 1, 57 is not "57", and .nan is .nan."""
    if a is _MISSING or b is _MISSING:
        return a is b
    if type(a) is not type(b):
        return False
    if isinstance(a, dict):
        return a.keys() == b.keys() and all(same_value(a[k], b[k]) for k in a)
    if isinstance(a, list):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b, strict=True))
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)
