"""Every colour the window draws beyond the palette's own roles, derived from
the palette in use, so a dark desktop gets readable text as a light one does.

Nothing in `ui/` names a colour of its own: a badge, a banner, a marked line,
a muted column or a status icon asks `tones()` for it. Each colour is a hue
(success, danger, warning, info, accent) mixed into the palette's base or
window colour for backgrounds, and for text a shade of the hue moved away
from its background until the pair meets WCAG AA (4.5:1), so contrast holds
by construction on any palette, not only on the two we test with.

`tones()` is cached per palette; an application palette change (a desktop
switching to dark, `QApplication.setPalette`) bumps `generation()`, which
widgets and cached icons compare against to restyle. GUI thread only.
"""
from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QGuiApplication, QPalette
from PySide6.QtWidgets import QApplication, QWidget

AA = 4.5  # WCAG 2 AA for normal text
AA_GRAPHICS = 3.0  # WCAG 2.1 non-text contrast (icons, borders that carry meaning)

# Hues in degrees; the lightness and saturation are chosen per palette.
HUES = {"success": 130, "danger": 2, "warning": 38, "info": 212, "accent": 265}
_ROLE = QPalette.ColorRole


def luminance(color: QColor) -> float:
    """WCAG relative luminance."""
    def channel(c: float) -> float:
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.redF()) + 0.7152 * channel(color.greenF()) + 0.0722 * channel(color.blueF())


def contrast(a: QColor, b: QColor) -> float:
    """WCAG contrast ratio of two opaque colours, 1 to 21."""
    la, lb = luminance(a), luminance(b)
    return (max(la, lb) + 0.05) / (min(la, lb) + 0.05)


def blend(a: QColor, b: QColor, t: float) -> QColor:
    """`a` moved `t` (0..1) of the way to `b`."""
    return QColor.fromRgbF(a.redF() + (b.redF() - a.redF()) * t, a.greenF() + (b.greenF() - a.greenF()) * t,
                           a.blueF() + (b.blueF() - a.blueF()) * t)


def readable(fg: QColor, bg: QColor, ratio: float = AA) -> QColor:
    """`fg`, made lighter or darker (keeping its hue) until it reads on `bg` at `ratio`."""
    if contrast(fg, bg) >= ratio:
        return fg
    hue, saturation, lightness = fg.hslHueF(), fg.hslSaturationF(), fg.lightnessF()
    towards_white = luminance(bg) < 0.18
    step = 0.02 if towards_white else -0.02
    while 0.0 <= lightness <= 1.0:
        candidate = QColor.fromHslF(max(hue, 0.0), saturation, min(1.0, max(0.0, lightness)))
        if contrast(candidate, bg) >= ratio:
            return candidate
        lightness += step
    return QColor.fromRgbF(1.0, 1.0, 1.0) if towards_white else QColor.fromRgbF(0.0, 0.0, 0.0)


def is_dark(palette: QPalette) -> bool:
    return luminance(palette.color(_ROLE.Window)) < luminance(palette.color(_ROLE.WindowText))


def css(color: QColor) -> str:
    """A colour as a style sheet or rich text names it."""
    return color.name(QColor.NameFormat.HexRgb)


@dataclass(frozen=True, slots=True)
class Pair:
    """A background and the text colour that reads on it (and a border)."""

    background: QColor
    text: QColor
    border: QColor

    def style(self, selector: str = "QLabel", extra: str = "") -> str:
        return (f"{selector} {{ background: {css(self.background)}; color: {css(self.text)};"
                f" border: 1px solid {css(self.border)}; {extra} }}")


@dataclass(frozen=True, slots=True)
class Tones:
    dark: bool
    muted: QColor  # secondary text (dates, paths, an untitled article's file name), readable on base
    error_text: QColor  # an error row's text, readable on base, alternate base and window
    pending_text: QColor  # "Saving…"
    marked_line: QColor  # the background of an unreadable file's marked line, under the palette's text
    error_banner: Pair
    warning_banner: Pair
    badges: dict[str, Pair]  # status and image-origin badges by kind
    icons: dict[str, QColor]  # status icon fills by kind

    def badge(self, kind: str) -> Pair:
        return self.badges.get(kind, self.badges["unset"])


def _hue(name: str, dark: bool, *, strong: bool = False) -> QColor:
    degrees = HUES[name]
    lightness = (0.62 if dark else 0.36) if not strong else (0.5 if dark else 0.42)
    return QColor.fromHslF(degrees / 360.0, 0.62, lightness)


def _neutral(palette: QPalette) -> QColor:
    return blend(palette.color(_ROLE.Base), palette.color(_ROLE.Text), 0.5)


def _pair(base: QColor, hue: QColor, text: QColor, dark: bool) -> Pair:
    background = blend(base, hue, 0.32 if dark else 0.16)
    return Pair(background, readable(blend(hue, text, 0.25), background), blend(background, hue, 0.5))


def _readable_on_all(fg: QColor, backgrounds: tuple[QColor, ...]) -> QColor:
    for bg in backgrounds:
        fg = readable(fg, bg)
    # Moving away from one background can only bring it nearer another of the same side;
    # a second pass settles the rare palette whose base and alternate base differ a lot.
    for bg in backgrounds:
        fg = readable(fg, bg)
    return fg


def compute_tones(palette: QPalette) -> Tones:
    dark = is_dark(palette)
    base, window, text = palette.color(_ROLE.Base), palette.color(_ROLE.Window), palette.color(_ROLE.Text)
    rows = (base, palette.color(_ROLE.AlternateBase))
    muted = _readable_on_all(blend(text, base, 0.38), rows + (window,))
    error_text = _readable_on_all(_hue("danger", dark, strong=True), rows + (window,))
    pending_text = _readable_on_all(_hue("warning", dark), (base, window))
    marked = blend(base, _hue("danger", dark, strong=True), 0.3 if dark else 0.18)
    while contrast(text, marked) < AA and marked != base:
        marked = blend(marked, base, 0.25)  # never darker than the text can bear
    neutral = _neutral(palette)
    hues = {name: _hue(name, dark) for name in HUES}
    badges = {
        "published": _pair(window, hues["success"], text, dark),
        "unpublished": _pair(window, neutral, text, dark),
        "unset": _pair(window, blend(neutral, window, 0.4), text, dark),
        "pending": _pair(window, hues["warning"], text, dark),
        "error": _pair(window, hues["danger"], text, dark),
        "failed": _pair(window, hues["danger"], text, dark),
        # the pictures' origin badges (ui.images.widgets)
        "iscached": _pair(window, neutral, text, dark),
        "cached": _pair(window, hues["info"], text, dark),
        "live": _pair(window, hues["success"], text, dark),
        "local": _pair(window, hues["accent"], text, dark),
        "mismatch": _pair(window, hues["warning"], text, dark),
    }
    icon_back = base
    icons = {
        "published": readable(_hue("success", dark, strong=True), icon_back, AA_GRAPHICS),
        "unpublished": readable(neutral, icon_back, AA_GRAPHICS),
        "unset": readable(blend(neutral, base, 0.2), icon_back, AA_GRAPHICS),
        "error": readable(_hue("danger", dark, strong=True), icon_back, AA_GRAPHICS),
        "pending": readable(_hue("warning", dark, strong=True), icon_back, AA_GRAPHICS),
        "failed": readable(_hue("danger", dark, strong=True), icon_back, AA_GRAPHICS),
    }
    return Tones(dark, muted, error_text, pending_text, marked,
                 _pair(window, hues["danger"], text, dark), _pair(window, hues["warning"], text, dark),
                 badges, icons)


# --- the application's palette, and knowing when it changes ---------------------------

_cache: dict[int, Tones] = {}
_generation = 0
_watcher: _PaletteWatcher | None = None


class _PaletteWatcher(QWidget):
    """Never shown: every widget, hidden ones too, hears ApplicationPaletteChange.
    (An application-wide event filter would hear it as well, but it runs Python
    for every event of every object; beside a busy background thread each of
    those calls waits for the GIL.)"""

    def event(self, event: QEvent) -> bool:
        if event.type() == QEvent.Type.ApplicationPaletteChange:
            global _generation
            _generation += 1
            _cache.clear()
        return super().event(event)


def watch_palette() -> None:
    """Follow the application palette (idempotent; needs a QApplication)."""
    global _watcher
    if _watcher is None and QApplication.instance() is not None:
        _watcher = _PaletteWatcher()


def generation() -> int:
    """Changes whenever the application palette does."""
    return _generation


def tones(palette: QPalette | None = None) -> Tones:
    """The tones of `palette` (default: the application's)."""
    if palette is None:
        watch_palette()
        palette = QGuiApplication.palette()
    key = palette.cacheKey()
    found = _cache.get(key)
    if found is None:
        found = _cache[key] = compute_tones(palette)
    return found


def dark_palette() -> QPalette:
    """A dark palette for the Fusion style (screenshots, tests, and a desktop
    whose platform theme offers none), built from a few greys and one blue."""
    def grey(level: float) -> QColor:
        return QColor.fromRgbF(level, level, level)

    accent = QColor.fromHslF(HUES["info"] / 360.0, 0.75, 0.56)
    palette = QPalette()
    roles = {
        _ROLE.Window: grey(0.18), _ROLE.WindowText: grey(0.9), _ROLE.Base: grey(0.13),
        _ROLE.AlternateBase: grey(0.16), _ROLE.ToolTipBase: grey(0.22), _ROLE.ToolTipText: grey(0.92),
        _ROLE.Text: grey(0.9), _ROLE.Button: grey(0.22), _ROLE.ButtonText: grey(0.9),
        _ROLE.BrightText: QColor.fromHslF(HUES["danger"] / 360.0, 0.9, 0.7), _ROLE.Highlight: accent,
        _ROLE.HighlightedText: grey(0.05), _ROLE.Link: QColor.fromHslF(HUES["info"] / 360.0, 0.9, 0.72),
        _ROLE.LinkVisited: QColor.fromHslF(HUES["accent"] / 360.0, 0.7, 0.76),
        _ROLE.PlaceholderText: grey(0.62), _ROLE.Light: grey(0.3), _ROLE.Midlight: grey(0.25),
        _ROLE.Mid: grey(0.2), _ROLE.Dark: grey(0.08), _ROLE.Shadow: grey(0.02),
    }
    for role, color in roles.items():
        palette.setColor(role, color)
    disabled = QPalette.ColorGroup.Disabled
    for role in (_ROLE.WindowText, _ROLE.Text, _ROLE.ButtonText):
        palette.setColor(disabled, role, grey(0.5))
    return palette
