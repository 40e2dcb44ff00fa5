#@ description: Delete the files named {{pattern}} directly in {{dir}} (lists them first)
#@ slots: dir=path pattern=glob
#@ name: delete
#@ requires: delete deletes deleting remove removes removing rm
#@ writes: dir
#@ example: delete the .tmp files in /srv/tmp
#@ example: write a script that removes the *.bak files from /etc/app
#@ example: script to delete the .pyc files in ~/project
#@ example: remove all .log files in /tmp/build
#!/usr/bin/env bash
# Remove regular files (not folders, not in subfolders) whose name matches a pattern.
set -euo pipefail

dir={{dir}}
find "$dir" -mindepth 1 -maxdepth 1 -type f -name {{pattern}} -print -delete
