"""Team queues: a queue folder in a git working copy, its decisions as commits,
shared through a git remote, merged field by field, with claims.

Modules, from the bottom: `git` (the one way git runs), `repo` (the working
copy, its state, the editor, the locks), `merge` (front matter field by
field: the driver's rule) and `driver` (`copydesk merge-driver`), `objects`,
`message` and `commits` (one commit per decision), `setup` (registration,
`team init`), `replay` and `sync` (fetch, rebase as objects, move once,
push), `claims`, `schedule` (when to sync; how the state reads), `worker`
(the serial git thread) and `session` (all of it for the window).

Needs git 2.38 or newer (`git merge-tree --write-tree`). Without it every
other feature works, and `open_team` says once why team features are off.
Nothing here imports Qt or the queue package; `app.decisions` hands its
Decision and Outcome values to `CommitRecorder` as plain data.
"""
