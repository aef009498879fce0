"""Accountable decisions: the audit trail, the review state and the reasons.

- `recorder.AuditRecorder`: the `Recorder` that appends one JSON line per file
  and field to `.copydesk/log/<editor>.jsonl` in the file's queue folder;
- `editor`: who is deciding (`resolve_editor`) and their log's file name;
- `log`: the line format, appending (one `write` per line, `O_APPEND`), parsing;
- `trail.AuditTrail`: every log of a queue, read once, then incrementally;
- `review.ReviewBook`: each article's review state (needs, reviewed, changed
  since review), its History, and the counts;
- `reasons`: the queue's reasons (`.copydesk/reasons.txt`, or the defaults).

Above `app.queue` (the review state is about a queue's files and their hashes)
and below `app.decisions`, whose `decide` the recorder listens to without
importing it.
"""
