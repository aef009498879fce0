"""Load and edit throughput of Copydesk's core against python-frontmatter and
ruamel.yaml (round-trip mode), on the seed article and the real corpus, plus
the lines each tool changes per edit. All peers run in the same process and
the same run, so the ratios compare like with like.

    python bench/bench_core.py [--corpus DIR] [--repeat N]
"""
from __future__ import annotations

import argparse
import difflib
import io
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Callable

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from app.article.frontmatter import load_article  # noqa: E402
from app.article.model import ARTICLE_SUFFIXES, Article  # noqa: E402
from app.article.writer import write_front_matter_edit  # noqa: E402

try:
    import frontmatter  # python-frontmatter
    from ruamel.yaml import YAML
except ImportError:  # pragma: no cover
    sys.exit("bench_core needs the bench extra: pip install -e '.[bench]'")

SEED = ROOT / "tests" / "fixtures" / "seed-article.txt"


def ruamel_split(text: str) -> tuple[str, str]:
    _, fm, body = text.split("---\n", 2) if text.startswith("---\n") else ("", "", text)
    return fm, body


def load_copydesk(path: Path) -> object:
    return load_article(path)


def load_python_frontmatter(path: Path) -> object:
    return frontmatter.load(str(path))


_RUAMEL = YAML(typ="rt")


def load_ruamel(path: Path) -> object:
    fm, _ = ruamel_split(path.read_text(encoding="utf-8"))
    return _RUAMEL.load(fm)


def edit_copydesk(path: Path, field: str, value: object) -> None:
    write_front_matter_edit(path, {field: value})


def edit_python_frontmatter(path: Path, field: str, value: object) -> None:
    post = frontmatter.load(str(path))
    post[field] = value
    path.write_text(frontmatter.dumps(post) + "\n", encoding="utf-8")


def edit_ruamel(path: Path, field: str, value: object) -> None:
    fm, body = ruamel_split(path.read_text(encoding="utf-8"))
    data = _RUAMEL.load(fm)
    if data is None:
        return
    data[field] = value
    out = io.StringIO()
    _RUAMEL.dump(data, out)
    path.write_text("---\n" + out.getvalue() + "---\n" + body, encoding="utf-8")


def changed_lines(before: str, after: str) -> int:
    a, b = before.splitlines(), after.splitlines()
    return sum(max(i2 - i1, j2 - j1) for tag, i1, i2, j1, j2
               in difflib.SequenceMatcher(None, a, b, autojunk=False).get_opcodes() if tag != "equal")


def time_loads(loader: Callable[[Path], object], files: list[Path], repeat: int) -> float:
    """Best-of-`repeat` seconds to load every file once."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        for path in files:
            try:
                loader(path)
            except Exception:
                pass  # peers raise on bad files; Copydesk returns an error value
        best = min(best, time.perf_counter() - start)
    return best


def measure_edits(editor: Callable[[Path, str, object], None], files: list[Path],
                  work: Path) -> tuple[float, list[int], int]:
    """Seconds, lines changed per edited file, and files the tool failed on."""
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    copies = []
    for index, source in enumerate(files):
        copy = work / f"{index}{source.suffix}"
        shutil.copyfile(source, copy)
        copy.chmod(0o644)
        copies.append(copy)
    befores = [c.read_text(encoding="utf-8", errors="replace") for c in copies]
    failures = 0
    start = time.perf_counter()
    for copy in copies:
        try:
            editor(copy, "published", True)
        except Exception:
            failures += 1
    seconds = time.perf_counter() - start
    changes = []
    for copy, before in zip(copies, befores):
        after = copy.read_text(encoding="utf-8", errors="replace")
        if after != before:
            changes.append(changed_lines(before, after))
    return seconds, changes, failures


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--corpus", type=Path, default=ROOT.parent / "shared" / "corpus")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    corpus = sorted(p for p in args.corpus.rglob("*") if p.suffix.lower() in ARTICLE_SUFFIXES) \
        if args.corpus.is_dir() else []
    readable = [p for p in corpus if isinstance(load_article(p), Article)]
    sets = [("seed x200", [SEED] * 200), (f"corpus ({len(readable)} files)", readable)]
    tools = [("copydesk", load_copydesk, edit_copydesk),
             ("python-frontmatter", load_python_frontmatter, edit_python_frontmatter),
             ("ruamel.yaml rt", load_ruamel, edit_ruamel)]
    print(f"Python {sys.version.split()[0]}; best of {args.repeat} for loads")
    for label, files in sets:
        if not files:
            print(f"\n{label}: no files (pass --corpus)")
            continue
        print(f"\n{label}")
        print(f"  {'tool':<20}{'loads/s':>10}{'vs copydesk':>13}{'edits/s':>10}"
              f"{'lines changed/edit (median, max)':>36}{'failed':>8}")
        base = None
        with tempfile.TemporaryDirectory() as tmp:
            for name, loader, editor in tools:
                seconds = time_loads(loader, files, args.repeat)
                rate = len(files) / seconds
                base = base or rate
                unique = list(dict.fromkeys(files))  # the seed is edited once, not 200 times
                edit_seconds, changes, failures = measure_edits(editor, unique, Path(tmp) / name)
                median = statistics.median(changes) if changes else 0
                print(f"  {name:<20}{rate:>10.0f}{rate / base:>12.2f}x{len(unique) / edit_seconds:>10.0f}"
                      f"{f'{median:g}, {max(changes, default=0)}':>36}{failures:>8}")


if __name__ == "__main__":
    main()
