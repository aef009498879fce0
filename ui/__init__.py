"""The Qt shell (PySide6). Thin: turns core results into widgets."""
