"""How many times does one decision read and parse its file?

Opens of the article file are counted with an audit hook (every `open` and
`os.open` of that path); parses are counted at the YAML composer, the one
place every parse goes through. Measured for `ReviewQueue.write` on a queue
that is being watched, as in the window: first the write itself, then the
watcher's look at the file it just saw change.

    python bench/bench_write_io.py [--checkout DIR]

`--checkout DIR` runs the same measurement against another checkout of
Copydesk (for a before/after figure: `git worktree add /tmp/before HEAD~5`).
The last line is one JSON object: {"write_reads", "write_parses",
"echo_reads", "echo_parses"}.
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def measure() -> dict[str, int]:
    try:
        import app.article.frontmatter as frontmatter
    except ImportError:  # an older layout
        import app.frontmatter as frontmatter  # type: ignore[no-redef]
    from app.queue import ReviewQueue

    seed = ROOT / "tests" / "fixtures" / "seed-article.txt"  # this checkout's, whichever one is measured
    with tempfile.TemporaryDirectory() as tmp:
        os.environ["XDG_CACHE_HOME"] = str(Path(tmp) / "cache")
        folder = Path(tmp) / "desk"
        folder.mkdir()
        target = folder / "a.md"
        shutil.copyfile(seed, target)
        counts = {"reads": 0, "parses": 0}
        watching = {"on": False}

        def audit(event: str, args: tuple) -> None:
            # A read of the article: its own path, or (after an atomic exchange) the old file
            # at the temp name, opened to compare. Creating the temp file is not a read.
            if not watching["on"] or event != "open" or not isinstance(args[0], (str, os.PathLike)):
                return
            path, flags = os.path.realpath(args[0]), args[2] or 0
            name = os.path.basename(path)
            if path == str(target) or (name.startswith(".copydesk-") and not flags & os.O_CREAT):
                counts["reads"] += 1

        sys.addaudithook(audit)
        base = frontmatter.YamlLoader

        class Counting(base):  # type: ignore[misc, valid-type]
            def __init__(self, stream: str) -> None:
                if watching["on"]:
                    counts["parses"] += 1
                super().__init__(stream)

        frontmatter.YamlLoader = Counting
        queue = ReviewQueue(folder)
        queue.scan()
        queue.start_watching(lambda changes: None)
        queue.wait_settled(10)
        watching["on"] = True
        result = queue.write("a.md", {"quality": 58}, {"quality": 57})
        assert result.status == "written", result
        write = dict(counts)
        time.sleep(0.4)  # the watcher's settle delay; then its batch runs
        queue.wait_settled(10)
        watching["on"] = False
        queue.stop()
        return {"write_reads": write["reads"], "write_parses": write["parses"],
                "echo_reads": counts["reads"] - write["reads"], "echo_parses": counts["parses"] - write["parses"]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--checkout", type=Path, default=ROOT,
                        help="the Copydesk checkout to measure (default: this one)")
    parser.add_argument("--inner", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    checkout = args.checkout.resolve()
    if not args.inner:  # a fresh interpreter, so exactly that checkout's modules are imported
        out = subprocess.run([sys.executable, __file__, "--inner", "--checkout", str(checkout)],
                             capture_output=True, text=True, check=True, cwd=checkout)
        print(out.stdout, end="")
        return 0
    # An editable install's finder would import the installed checkout whatever sys.path says.
    sys.meta_path[:] = [f for f in sys.meta_path if not str(getattr(f, "__module__", "")).startswith("__editable__")]
    sys.path.insert(0, str(checkout))
    figures = measure()
    print(f"{checkout.name}: one decision's write reads the file {figures['write_reads']}x and parses it "
          f"{figures['write_parses']}x; the watcher's echo reads it {figures['echo_reads']}x and parses it "
          f"{figures['echo_parses']}x")
    print(json.dumps(figures))
    return 0


if __name__ == "__main__":
    sys.exit(main())
