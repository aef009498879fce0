"""Copydesk's core: plain Python, no Qt. `app.article` (one file), `app.queue`
(a folder of them), `app.audit` (the audit trail and the review state),
`app.decisions` (what an editor decided, and what became of it), `app.cli`
(the command line), `app.paths` (where things are kept)."""


def version() -> str:
    """The installed version, or "dev" when run from a checkout that is not installed.
    Looked up only when asked: importlib.metadata costs a command tens of milliseconds."""
    try:
        from importlib.metadata import version as installed_version
        return installed_version("copydesk")
    except Exception:  # noqa: BLE001 - not installed
        return "dev"
