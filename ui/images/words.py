"""What a placeholder says, in the editor's language.

The core names a picture's failure in English (`app.article.image_source.FailureKind`,
Qt-free, shared with the command line); the headlines are marked here for
translation and translated where they are shown. Any thread (`tr` is reentrant).
"""
from __future__ import annotations

from app.article.image_source import Failure, FailureKind
from ui.i18n import QT_TR_NOOP, tr

# The headline of each kind, as the placeholder shows it (capitalised) and as a thumbnail does (lower case).
HEADLINES: dict[FailureKind, str] = {
    FailureKind.NOT_FOUND: QT_TR_NOOP("Not found"),
    FailureKind.TIMED_OUT: QT_TR_NOOP("Timed out"),
    FailureKind.NOT_AN_IMAGE: QT_TR_NOOP("Not an image"),
    FailureKind.CORRUPT: QT_TR_NOOP("Corrupt or truncated"),
    FailureKind.TOO_LARGE: QT_TR_NOOP("Too large"),
    FailureKind.REMOTE_OFF: QT_TR_NOOP("Remote loading off"),
    FailureKind.UNREACHABLE: QT_TR_NOOP("Offline or unreachable"),
    FailureKind.HTTP_ERROR: QT_TR_NOOP("Server error"),
    FailureKind.NO_ACCESS: QT_TR_NOOP("No access"),
    FailureKind.UNSUPPORTED: QT_TR_NOOP("Unsupported"),
}
SHORT: dict[FailureKind, str] = {
    FailureKind.NOT_FOUND: QT_TR_NOOP("not found"),
    FailureKind.TIMED_OUT: QT_TR_NOOP("timed out"),
    FailureKind.NOT_AN_IMAGE: QT_TR_NOOP("not an image"),
    FailureKind.CORRUPT: QT_TR_NOOP("corrupt or truncated"),
    FailureKind.TOO_LARGE: QT_TR_NOOP("too large"),
    FailureKind.REMOTE_OFF: QT_TR_NOOP("remote loading off"),
    FailureKind.UNREACHABLE: QT_TR_NOOP("offline or unreachable"),
    FailureKind.HTTP_ERROR: QT_TR_NOOP("server error"),
    FailureKind.NO_ACCESS: QT_TR_NOOP("no access"),
    FailureKind.UNSUPPORTED: QT_TR_NOOP("unsupported"),
}


def headline(failure: Failure) -> str:
    """"Not found", "Too large"… (the placeholder's first line)."""
    return tr(HEADLINES.get(failure.kind, failure.title))


def short(failure: Failure) -> str:
    """"not found", "too large"… (a thumbnail's few words, a note's)."""
    return tr(SHORT.get(failure.kind, failure.kind.value))


def describe(failure: Failure) -> str:
    """"Not found: HTTP 404 from cdn.example.com" (a tooltip, a viewer's text)."""
    return tr("{headline}: {detail}").format(headline=headline(failure), detail=failure.detail) \
        if failure.detail else headline(failure)
