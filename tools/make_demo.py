"""Regenerate the demo queue in resources/demo (run once; the result is committed).

    python tools/make_demo.py [--photo PATH_TO_sunset.jpg]

40 articles from tools.synthetic (seed-shaped, deterministic), each picture a
small local file under images/ referenced by a relative path, plus three
malformed files that show the error states and one article with a typo in
its quality. Pictures are drawn here with QPainter; `--photo` adds a real
photograph (the Hugo docs' sunset.jpg, Apache-2.0, see resources/demo/NOTICE).
"""
from __future__ import annotations

import argparse
import math
import random
import re
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from PySide6.QtCore import QPointF, QRectF, Qt  # noqa: E402
from PySide6.QtGui import QColor, QGuiApplication, QImage, QLinearGradient, QPainter, QPen  # noqa: E402

from tools.synthetic import generate_articles  # noqa: E402

N_ARTICLES = 40
SIZE = (660, 387)  # the seed article's declared picture size
PICTURES = ("chip", "racks", "chart", "network", "orbits", "grid", "waves")


def draw(kind: str, seed: int) -> QImage:
    w, h = SIZE
    rng = random.Random(seed)
    image = QImage(w, h, QImage.Format.Format_RGB32)
    p = QPainter(image)
    p.setRenderHint(QPainter.RenderHint.Antialiasing)
    hue = (seed * 47) % 360
    bg = QLinearGradient(QPointF(0, 0), QPointF(w, h))
    bg.setColorAt(0, QColor.fromHsv(hue, 120, 70))
    bg.setColorAt(1, QColor.fromHsv((hue + 40) % 360, 160, 25))
    p.fillRect(image.rect(), bg)
    accent = QColor.fromHsv((hue + 180) % 360, 170, 250)
    soft = QColor(255, 255, 255, 40)
    if kind == "chip":
        die = QRectF(w / 2 - 110, h / 2 - 110, 220, 220)
        p.setPen(QPen(accent, 4))
        for i in range(12):
            x = die.left() + 14 + i * 17
            p.drawLine(QPointF(x, die.top() - 30), QPointF(x, die.top()))
            p.drawLine(QPointF(x, die.bottom()), QPointF(x, die.bottom() + 30))
            y = die.top() + 14 + i * 17
            p.drawLine(QPointF(die.left() - 30, y), QPointF(die.left(), y))
            p.drawLine(QPointF(die.right(), y), QPointF(die.right() + 30, y))
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(20, 22, 28))
        p.drawRoundedRect(die, 14, 14)
        p.setBrush(accent.darker(140))
        p.drawRoundedRect(die.adjusted(40, 40, -40, -40), 8, 8)
    elif kind == "racks":
        for r in range(5):
            x = 60 + r * 112
            p.setPen(Qt.PenStyle.NoPen)
            p.setBrush(QColor(15, 17, 22))
            p.drawRect(QRectF(x, 50, 92, h - 90))
            for u in range(14):
                y = 62 + u * 20
                p.setBrush(QColor(40, 44, 52))
                p.drawRect(QRectF(x + 6, y, 80, 14))
                p.setBrush(accent if rng.random() < 0.6 else QColor(255, 90, 60))
                p.drawEllipse(QPointF(x + 76, y + 7), 2.5, 2.5)
    elif kind == "chart":
        p.setPen(QPen(soft, 1))
        for y in range(60, h - 40, 40):
            p.drawLine(40, y, w - 40, y)
        value = 60.0
        p.setPen(Qt.PenStyle.NoPen)
        for i in range(14):
            value = max(20.0, min(h - 120.0, value + rng.uniform(-10, 30)))
            p.setBrush(accent if i % 3 else accent.darker(130))
            p.drawRoundedRect(QRectF(60 + i * 40, h - 40 - value, 26, value), 3, 3)
    elif kind == "network":
        nodes = [QPointF(rng.uniform(60, w - 60), rng.uniform(50, h - 50)) for _ in range(18)]
        p.setPen(QPen(soft, 2))
        for i, a in enumerate(nodes):
            for b in nodes[i + 1:]:
                if math.dist((a.x(), a.y()), (b.x(), b.y())) < 170:
                    p.drawLine(a, b)
        p.setPen(Qt.PenStyle.NoPen)
        for i, node in enumerate(nodes):
            p.setBrush(accent if i % 4 else QColor(255, 255, 255))
            p.drawEllipse(node, 9, 9)
    elif kind == "orbits":
        center = QPointF(w / 2, h / 2)
        p.setBrush(Qt.BrushStyle.NoBrush)
        for i in range(3):
            p.save()
            p.translate(center)
            p.rotate(i * 60)
            p.setPen(QPen(accent, 3))
            p.drawEllipse(QPointF(0, 0), 190, 60)
            p.restore()
        p.setPen(Qt.PenStyle.NoPen)
        p.setBrush(QColor(255, 255, 255))
        p.drawEllipse(center, 22, 22)
    elif kind == "grid":
        cell = 44
        p.setPen(Qt.PenStyle.NoPen)
        for gx in range(0, w, cell):
            for gy in range(0, h, cell):
                level = rng.random()
                color = QColor(accent)
                color.setAlpha(int(40 + 200 * level * level))
                p.setBrush(color)
                p.drawRoundedRect(QRectF(gx + 4, gy + 4, cell - 8, cell - 8), 5, 5)
    else:  # waves
        for k in range(7):
            pen = QPen(QColor.fromHsv((hue + 150 + k * 12) % 360, 150, 240, 200), 3)
            p.setPen(pen)
            prev = None
            for x in range(0, w + 10, 10):
                y = h / 2 + math.sin(x / 55 + k * 0.7) * (30 + k * 12)
                point = QPointF(x, y)
                if prev is not None:
                    p.drawLine(prev, point)
                prev = point
    p.end()
    return image


MALFORMED = {
    "broken-yaml-syntax.md": (
        "---\n"
        "category: news\n"
        "title: \"Datacenter Cooling Budgets Double, Say Operators\n"
        "excerpt: The closing quote of the title above is missing.\n"
        "quality: 48\n"
        "published: false\n"
        "---\n"
    ),
    "missing-closing-fence.md": (
        "---\n"
        "category: news\n"
        "title: \"Quantum Roadmaps Slip Again\"\n"
        "quality: 61\n"
        "published: false\n"
        "\n"
        "The front matter above is never closed with a --- line.\n"
    ),
    "duplicate-keys.md": (
        "---\n"
        "category: news\n"
        "title: \"Chip Startups Raise Record Rounds\"\n"
        "quality: 70\n"
        "published: true\n"
        "published: false\n"
        "---\n"
    ),
}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--photo", type=Path, help="a real JPEG to include (sunset.jpg from the Hugo docs)")
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "demo")
    args = parser.parse_args()
    app = QGuiApplication.instance() or QGuiApplication(["make_demo", "-platform", "offscreen"])

    out: Path = args.out
    if out.exists():
        shutil.rmtree(out)
    (out / "images").mkdir(parents=True)
    names: list[tuple[str, tuple[int, int]]] = []
    for seed, kind in enumerate(PICTURES):
        name = f"images/{kind}.jpg"
        draw(kind, seed + 3).save(str(out / name), "JPEG", 82)
        names.append((name, SIZE))
    if args.photo is not None:
        shutil.copyfile(args.photo, out / "images" / "sunset.jpg")
        real = QImage(str(out / "images" / "sunset.jpg"))
        names.append(("images/sunset.jpg", (real.width(), real.height())))

    def image_url(index: int) -> str | None:
        return None if index % 9 == 4 else names[index % len(names)][0]

    paths = generate_articles(out, N_ARTICLES, seed=2022, subfolders=False, image_url=image_url)
    sizes = dict(names)
    for index, path in enumerate(paths):
        data = path.read_bytes()
        text = data.decode("utf-8-sig")
        url = image_url(index)
        if url and index != 7:  # article 7 keeps a wrong declared size: the "size mismatch" flag
            width, height = sizes[url]
            text = re.sub(r"(url: ['\"]?" + re.escape(url) + r"['\"]?\r?\n\s+width: )\d+(\r?\n\s+height: )\d+",
                          lambda m: f"{m.group(1)}{width}{m.group(2)}{height}", text)
        if index == 12:  # a typo an editor has to notice: shown as a warning, kept as written
            text = re.sub(r"^quality: \d+", "quality: 7O", text, count=1, flags=re.MULTILINE)
        encoded = text.encode("utf-8")
        if data.startswith(b"\xef\xbb\xbf"):
            encoded = b"\xef\xbb\xbf" + encoded
        path.write_bytes(encoded)
    for name, text in MALFORMED.items():
        (out / name).write_text(text, encoding="utf-8", newline="\n")
    notice = (
        "Demo queue for Copydesk.\n\n"
        "The articles are synthetic (app/synthetic.py, seed 2022) and the pictures in\n"
        "images/ are drawn by tools/make_demo.py, except:\n\n"
    )
    if args.photo is not None:
        notice += (
            "images/sunset.jpg - from the Hugo documentation (github.com/gohugoio/hugoDocs,\n"
            "content/en/content-management/image-processing/sunset.jpg), licensed under the\n"
            "Apache License, Version 2.0: https://www.apache.org/licenses/LICENSE-2.0\n"
        )
    (out / "NOTICE").write_text(notice, encoding="utf-8")
    print(f"wrote {len(paths)} articles, {len(MALFORMED)} malformed files and {len(names)} pictures to {out}")
    app.shutdown()
    return 0


if __name__ == "__main__":
    sys.exit(main())
