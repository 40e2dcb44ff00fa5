#@ description: Rename {{src}} to {{dest}} (refuses to overwrite {{dest}})
#@ slots: src=path dest=path
#@ name: rename
#@ requires: rename renames renaming move moves mv
#@ writes: parent:dest
#@ example: rename app.log to app.log.1
#@ example: write a script that renames /srv/old.conf to /srv/old.conf.bak
#@ example: script to move /tmp/report.txt to /srv/reports/report.txt
#@ example: move notes.txt into archive/notes.txt
#!/usr/bin/env bash
# Rename (move) one file or folder; an existing target is left alone and reported.
set -euo pipefail

src={{src}}
dest={{dest}}
if [ -e "$dest" ]; then
  echo "not renamed: $dest already exists" >&2
  exit 1
fi
mv -- "$src" "$dest"
echo "renamed $src to $dest"
