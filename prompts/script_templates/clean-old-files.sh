#@ description: Delete files under {{dir}} older than {{days}} days (lists them first)
#@ slots: dir=path days=days:30
#@ name: clean
#@ requires: old older age day week month year prune purge stale
#@ writes: dir
#@ example: delete files older than 30 days in /tmp
#@ example: write a script that removes old files from /var/tmp
#@ example: clean up files in /srv/uploads that are more than a week old
#@ example: purge anything older than 14 days under /data/cache
#@ example: script to prune old downloads
#!/usr/bin/env bash
# Remove regular files not modified for more than N days; prints each one first.
set -euo pipefail

dir={{dir}}
days={{days}}

find "$dir" -xdev -type f -mtime +"$days" -print
find "$dir" -xdev -type f -mtime +"$days" -delete
