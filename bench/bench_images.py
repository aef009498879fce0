"""Image previews: time from selecting an article to its cached preview shown,
and memory while paging, over 1,000 articles whose pictures come from a local
HTTP server.

    QT_QPA_PLATFORM=offscreen python bench/bench_images.py [--articles 1000]

Steps (one process, one run, so the ratios compare like with like):
1. Write N synthetic articles (tools.synthetic) whose one image URL points at
   a stdlib HTTP server in a subprocess (so it does not share our GIL). The
   server sends `Cache-Control: max-age=86400`, as image CDNs do.
2. Prime: page through every article with a fresh loader and an empty disk
   cache (live downloads). Shut the loader down.
3. Cached: a fresh loader (empty memory cache) on the same disk cache; page
   through every article, timing `set_article` -> preview painted; repeat
   (--laps, default 3) and print RSS after each lap.
4. Offline: stop the server, fresh loader again, page through again.
5. Memory: page back over the last articles (thumbnails still in the LRU).
Peer in the same run: decoding the same bytes directly on the GUI thread
(QImageReader + scale, no cache, no threads), the floor for any preview.
Also: the longest `set_article()` call (what a J/K key press pays before the
next event), the longest gap between event-loop ticks while paging (the
window's budget is 50 ms) and RSS after each phase plus the peak (VmHWM).

The machine may be shared with other jobs; run it twice and compare.
"""
from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from PySide6.QtCore import QBuffer, QByteArray, QElapsedTimer, QEventLoop, QIODevice, QPointF, QSize, Qt, QTimer  # noqa: E402
from PySide6.QtGui import QColor, QImage, QImageReader, QLinearGradient, QPainter  # noqa: E402
from PySide6.QtWidgets import QApplication  # noqa: E402

from app.article.frontmatter import load_article  # noqa: E402
from app.article.model import Article  # noqa: E402
from tools.synthetic import generate_articles  # noqa: E402
from ui.images import ImageLoader, ImageStrip  # noqa: E402

SERVER = textwrap.dedent("""
    import sys, functools
    from http.server import ThreadingHTTPServer, SimpleHTTPRequestHandler
    class H(SimpleHTTPRequestHandler):
        def end_headers(self):
            self.send_header("Cache-Control", "max-age=86400")
            super().end_headers()
        def log_message(self, *a):
            pass
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(H, directory=sys.argv[1]))
    print(httpd.server_address[1], flush=True)
    httpd.serve_forever()
""")

DISTINCT_PICTURES = 100  # encoded once each; 1,000 URLs (distinct cache entries) map onto them


def make_picture(seed: int) -> bytes:
    width, height = (660, 387) if seed % 3 else (1200, 675)
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(QPointF(0, 0), QPointF(width, height))
    gradient.setColorAt(0, QColor.fromHsv(seed * 37 % 360, 150, 230))
    gradient.setColorAt(1, QColor.fromHsv((seed * 37 + 140) % 360, 200, 90))
    painter.fillRect(image.rect(), gradient)
    for k in range(12):  # some detail, so the JPEG is not trivially small
        painter.setBrush(QColor.fromHsv((seed * 13 + k * 29) % 360, 200, 240))
        painter.drawEllipse((k * 97 + seed * 31) % width, (k * 53 + seed * 17) % height, 60 + k * 9, 40 + k * 7)
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, "JPEG", 85)
    return bytes(data.data())


def rss_kb(field: str = "VmRSS") -> int:
    with open("/proc/self/status") as fh:
        for line in fh:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return 0


class Heartbeat:
    """The longest gap between ticks of a 5 ms timer: how long the event loop was blocked."""

    def __init__(self) -> None:
        self.timer = QTimer()
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.clock = QElapsedTimer()
        self.max_gap_ms = 0.0

    def _tick(self) -> None:
        gap = self.clock.nsecsElapsed() / 1e6
        self.max_gap_ms = max(self.max_gap_ms, gap)
        self.clock.restart()

    def start(self) -> None:
        self.max_gap_ms = 0.0
        self.clock.start()
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return self.max_gap_ms


def page(strip: ImageStrip, articles: list[Article], heartbeat: Heartbeat | None = None) -> tuple[list[float], dict[str, int]]:
    """set_article for each article; milliseconds until every preview is painted."""
    times: list[float] = []
    origins: dict[str, int] = {}
    loop = QEventLoop()
    strip.settled.connect(loop.quit)
    guard = QTimer()  # never fires in a good run; keeps a broken one from hanging
    guard.setSingleShot(True)
    guard.timeout.connect(loop.quit)
    if heartbeat:
        heartbeat.start()
    for article in articles:
        started = time.perf_counter()
        strip.set_article(Path(article.path).parent, article.images)
        origins["_call_ms_max"] = max(origins.get("_call_ms_max", 0), round((time.perf_counter() - started) * 1000, 2))
        if any(t.state == "loading" for t in strip.tiles()):
            guard.start(10_000)
            loop.exec()
            guard.stop()
        strip.repaint()  # paint now, synchronously: "shown", not just "set"
        times.append((time.perf_counter() - started) * 1000)
        for tile in strip.tiles():
            key = tile.preview.origin if tile.preview and tile.preview.ok else f"failed:{tile.placeholder_text()[:40]}"
            origins[key] = origins.get(key, 0) + 1
        # Let the event loop breathe between articles, as between key presses.
        QApplication.processEvents()
    if heartbeat:
        heartbeat.stop()
    strip.settled.disconnect(loop.quit)
    return times, origins


def summary(times: list[float]) -> str:
    ordered = sorted(times)
    p95 = ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))]
    return f"median {statistics.median(ordered):6.2f} ms   p95 {p95:6.2f} ms   max {ordered[-1]:6.2f} ms"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--laps", type=int, default=3, help="cached passes over all articles (RSS per lap)")
    args = parser.parse_args(argv)
    app = QApplication.instance() or QApplication(sys.argv)

    with tempfile.TemporaryDirectory(prefix="copydesk-bench-images-") as tmp:
        root = Path(tmp)
        pictures_dir = root / "www"
        pictures_dir.mkdir()
        started = time.perf_counter()
        blobs = [make_picture(i) for i in range(DISTINCT_PICTURES)]
        for i in range(args.articles * 2):
            (pictures_dir / f"img-{i:05d}.jpg").write_bytes(blobs[i % DISTINCT_PICTURES])
        server = subprocess.Popen([sys.executable, "-c", SERVER, str(pictures_dir)], stdout=subprocess.PIPE, text=True)
        try:
            port = int(server.stdout.readline())
            base = f"http://127.0.0.1:{port}"
            # One image per article (tools.synthetic leaves some without): keep the first N with one.
            paths = generate_articles(root / "queue", int(args.articles * 1.3) + 10,
                                      image_url=lambda i: f"{base}/img-{i:05d}.jpg")
            articles = [a for a in (load_article(p) for p in paths) if isinstance(a, Article) and a.images]
            articles = articles[: args.articles]
            sizes = sorted({len(b) for b in blobs})
            print(f"{len(articles)} articles, one remote JPEG each ({sizes[0] // 1024}-{sizes[-1] // 1024} KB, "
                  f"660x387 and 1200x675), setup {time.perf_counter() - started:.1f} s")
            print(f"Python {sys.version.split()[0]}, Qt {__import__('PySide6').__version__}, "
                  f"{os.cpu_count()} CPUs; preview box 480x360; date {time.strftime('%Y-%m-%d')}")

            cache = root / "image-cache"
            heartbeat = Heartbeat()
            rss: list[tuple[str, int]] = [("start", rss_kb())]

            def phase(label: str, loader: ImageLoader, subset: list[Article]) -> list[float]:
                strip = ImageStrip(loader, preview_size=QSize(480, 360))
                strip.resize(520, 900)
                strip.show()
                times, origins = page(strip, subset, heartbeat)
                call_max = origins.pop("_call_ms_max")
                print(f"  {label:<34}{summary(times)}   set_article() max {call_max:5.2f} ms   "
                      f"event-loop max gap {heartbeat.max_gap_ms:5.1f} ms   origins {origins}")
                rss.append((label, rss_kb()))
                strip.close()
                strip.deleteLater()
                return times

            print("\nselect article -> preview painted")
            prime = ImageLoader(cache)
            live = phase("prime (live download)", prime, articles)
            prime.shutdown()

            warm = ImageLoader(cache)
            cached: list[float] = []
            lap_rss: list[int] = []
            for lap in range(args.laps):  # memory must stay flat however long the editor pages
                cached += phase(f"cached, server up, lap {lap + 1}", warm, articles)
                lap_rss.append(rss_kb())
            print(f"    RSS after each lap of {len(articles)}: "
                  + ", ".join(f"{kb / 1024:.0f}" for kb in lap_rss) + " MB")
            memory = phase("paging back (memory LRU)", warm, articles[-40:][::-1])
            print(f"    memory LRU: {len(warm.memory)} previews, {warm.memory.total_bytes / 2**20:.1f} MB "
                  f"of {warm.memory.max_bytes / 2**20:.0f} MB")
            warm.shutdown()
        finally:
            server.terminate()
            server.wait(5)

        offline_loader = ImageLoader(cache)
        offline = phase("cached, server stopped (offline)", offline_loader, articles)
        offline_loader.shutdown()

        # The floor: the same bytes decoded directly on this thread, nothing else.
        floor: list[float] = []
        for i, article in enumerate(articles):
            data = blobs[int(article.images[0].url.rsplit("-", 1)[1][:5]) % DISTINCT_PICTURES]
            started = time.perf_counter()
            buffer = QBuffer()
            buffer.setData(QByteArray(data))
            buffer.open(QIODevice.OpenModeFlag.ReadOnly)
            reader = QImageReader(buffer, b"jpeg")
            size = reader.size()
            size.scale(QSize(480, 360), Qt.AspectRatioMode.KeepAspectRatio)
            reader.setScaledSize(size)
            reader.read()
            floor.append((time.perf_counter() - started) * 1000)
        print(f"  {'peer: bare decode, GUI thread':<34}{summary(floor)}")

        med = statistics.median
        print("\nratios (median)")
        print(f"  cached preview / bare decode      {med(cached) / med(floor):5.2f}x   "
              f"(cached, all laps: {summary(cached)})")
        print(f"  offline preview / bare decode     {med(offline) / med(floor):5.2f}x")
        print(f"  cached preview / live download    {med(cached) / med(live):5.2f}x")
        print(f"  memory hit / bare decode          {med(memory) / med(floor):5.2f}x")
        print("\nRSS (MB): " + ", ".join(f"{label.split(' (')[0]} {kb / 1024:.0f}" for label, kb in rss)
              + f"; peak (VmHWM) {rss_kb('VmHWM') / 1024:.0f}")
    app.processEvents()
    return 0


if __name__ == "__main__":
    sys.exit(main())
