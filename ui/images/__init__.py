"""Image previews: resolve, fetch (with an offline disk cache), decode off the
GUI thread, keep thumbnails in a bounded LRU, and show them.

The window creates one `ImageLoader` and hands it to an `ImageStrip` (detail
pane) and, optionally, a `ThumbnailDelegate` (queue column). See widgets.py
for the API.
"""
from __future__ import annotations

from ui.images.loader import ImageLoader, Preview, default_cache_dir
from ui.images.thumbnails import ThumbnailDelegate, ThumbnailProvider
from ui.images.widgets import ImageStrip, ImageTile, ImageViewer

__all__ = ["ImageLoader", "ImageStrip", "ImageTile", "ImageViewer", "Preview", "ThumbnailDelegate",
           "ThumbnailProvider", "default_cache_dir"]
