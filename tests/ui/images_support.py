"""Helpers for the image tests and the image bench: pictures made on the spot
and a real stdlib HTTP server on 127.0.0.1 (ephemeral port) in a thread.

No binary fixtures are committed: every picture is generated here.
"""
from __future__ import annotations

import struct
import threading
import time
import zlib
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from PySide6.QtCore import QBuffer, QByteArray, QIODevice, QPointF
from PySide6.QtGui import QColor, QImage, QLinearGradient, QPainter


def picture_bytes(width: int, height: int, fmt: str = "PNG", *, seed: int = 0, quality: int = 85) -> bytes:
    """A real picture (gradient + shapes) encoded as PNG or JPEG."""
    image = QImage(width, height, QImage.Format.Format_RGB32)
    painter = QPainter(image)
    gradient = QLinearGradient(QPointF(0, 0), QPointF(width, height))
    gradient.setColorAt(0, QColor.fromHsv((seed * 37) % 360, 160, 230))
    gradient.setColorAt(1, QColor.fromHsv((seed * 37 + 120) % 360, 200, 120))
    painter.fillRect(image.rect(), gradient)
    painter.setBrush(QColor.fromHsv((seed * 53) % 360, 220, 250))
    painter.drawEllipse(width // 4, height // 4, width // 2, height // 2)
    painter.drawText(10, 20, f"#{seed}")
    painter.end()
    data = QByteArray()
    buffer = QBuffer(data)
    buffer.open(QIODevice.OpenModeFlag.WriteOnly)
    image.save(buffer, fmt, quality)
    buffer.close()
    return bytes(data.data())


def huge_png(width: int, height: int) -> bytes:
    """A valid 1-bit greyscale PNG of any size, written by hand: all-zero rows
    compress to almost nothing, so 20000x20000 is a few tens of KB."""
    def chunk(kind: bytes, body: bytes) -> bytes:
        return struct.pack(">I", len(body)) + kind + body + struct.pack(">I", zlib.crc32(kind + body) & 0xFFFFFFFF)

    row = b"\x00" + b"\x00" * ((width + 7) // 8)
    compressor = zlib.compressobj(9)
    parts = [compressor.compress(row) for _ in range(height)]
    parts.append(compressor.flush())
    ihdr = struct.pack(">IIBBBBB", width, height, 1, 0, 0, 0, 0)
    return (b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", b"".join(parts))
            + chunk(b"IEND", b""))


@dataclass
class Route:
    body: bytes
    content_type: str = "image/png"
    status: int = 200
    delay: float = 0.0  # seconds before the status line (a silent server)
    headers: dict[str, str] = field(default_factory=dict)


class ImageServer:
    """`ThreadingHTTPServer` on 127.0.0.1:0 serving `routes`; unknown paths are 404.
    `hits` lists every requested path (to prove "no network access")."""

    def __init__(self, routes: dict[str, Route] | None = None) -> None:
        self.routes: dict[str, Route] = dict(routes or {})
        self.hits: list[str] = []
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: object) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (stdlib name)
                path = self.path.split("?", 1)[0]
                server.hits.append(path)
                route = server.routes.get(path)
                if route is None:
                    route = Route(b"<html><body>404 Not Found</body></html>", "text/html", 404)
                if route.delay:
                    time.sleep(route.delay)
                try:
                    self.send_response(route.status)
                    self.send_header("Content-Type", route.content_type)
                    self.send_header("Content-Length", str(len(route.body)))
                    for name, value in route.headers.items():
                        self.send_header(name, value)
                    self.end_headers()
                    self.wfile.write(route.body)
                except OSError:
                    pass  # the client gave up (timeout test)

        class Server(ThreadingHTTPServer):
            # The stdlib's listen backlog of 5 overflows when a test opens and
            # aborts many connections at once; a dropped SYN then costs a 1 s retransmit.
            request_queue_size = 128

        self._httpd = Server(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self.port = self._httpd.server_address[1]
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="image-test-http", daemon=True)
        self._thread.start()

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def stop(self) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()
        self._thread.join(5)
