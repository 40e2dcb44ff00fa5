#@ description: Count the files named {{pattern}} directly in {{dir}}
#@ slots: dir=path pattern=glob:*
#@ name: count-files
#@ requires: count counts counting
#@ requires: file files
#@ example: count the files in /var/log
#@ example: write a script that counts the .log files in /srv/logs
#@ example: script to count the *.pdf files in ~/docs
#@ example: count how many .txt files there are in /data
#!/usr/bin/env bash
# Count regular files (not folders, not in subfolders) whose name matches a pattern.
set -euo pipefail

dir={{dir}}
# One dot per file, so a name with a newline in it is still counted once.
find "$dir" -mindepth 1 -maxdepth 1 -type f -name {{pattern}} -printf '.' | wc -c
