"""One article file: its model, how it is parsed, edited and written, and its queue row.

Nothing here knows about folders, indexes or watching (that is `app.queue`);
everything here works on one file at a time.
"""
