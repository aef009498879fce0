"""The window's words and numbers in the editor's language.

Every user-visible string in `ui/` is spelled `tr("...")` where it is used,
or `QT_TR_NOOP("...")` in a table (translated with `tr()` where it is shown),
so `pyside6-lupdate` finds them all: a translation is a `copydesk_<lang>.ts`
made by

    pyside6-lupdate ui -ts resources/translations/copydesk_de.ts
    pyside6-lrelease resources/translations/copydesk_de.ts

and `install_translators` loads the `.qm` for the editor's locale at start;
no code changes. None ships yet (English is the source language).

Counts use `%Ln` in their text, which Qt fills with the locale's digits and
grouping ("12.345" in German), and numerus forms when a translation has them;
other numbers go through `number()` (QLocale).

Any thread for `tr` (QCoreApplication.translate is reentrant); install on the GUI thread.
"""
from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QLibraryInfo, QLocale, QTranslator

from app import paths

# lupdate puts a bare tr() in the unnamed context; the lookup uses the same.
CONTEXT = ""


def tr(text: str, disambiguation: str | None = None, n: int = -1) -> str:
    return QCoreApplication.translate(CONTEXT, text, disambiguation, n)


def QT_TR_NOOP(text: str) -> str:  # noqa: N802 - the name lupdate looks for
    """Marks a string in a table for translation; `tr()` translates it where shown."""
    return text


def count(n: int, one: str, many: str) -> str:
    """`one` for exactly one, else `many`; both already through `tr` with `n`:
    `count(n, tr("%Ln file", "", n), tr("%Ln files", "", n))`. The English
    singular comes from `one` (no English `.qm` ships to supply it); a
    translation gives `many` every numerus form its language has."""
    return one if n == 1 else many


def number(n: int | float) -> str:
    """A number as the editor's locale writes it (12,345 / 12.345 / 12 345)."""
    return QLocale().toString(n)


def translations_dir() -> str:
    return str(paths.resources_dir() / "translations")


def install_translators(app: QCoreApplication, locale: QLocale | None = None) -> list[QTranslator]:
    """Load Qt's own translations (standard buttons, dialogs) and Copydesk's for
    `locale` (default: the system's), where they exist. Returns those loaded
    (kept by the caller: a translator must outlive its installation)."""
    locale = locale or QLocale()
    loaded: list[QTranslator] = []
    for name, folder in (("qtbase", QLibraryInfo.path(QLibraryInfo.LibraryPath.TranslationsPath)),
                         ("copydesk", translations_dir())):
        translator = QTranslator(app)
        if translator.load(locale, name, "_", folder):
            app.installTranslator(translator)
            loaded.append(translator)
    return loaded
