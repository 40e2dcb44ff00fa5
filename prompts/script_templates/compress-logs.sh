#@ description: gzip *.log files under {{dir}} older than {{days}} days
#@ slots: dir=path days=days:7
#@ name: compress-logs
#@ requires: compress gzip zip
#@ writes: dir
#@ example: compress logs older than 7 days in /var/log
#@ example: write a script that gzips old log files in /srv/app/logs
#@ example: zip up log files that are more than two weeks old
#@ example: script to compress old logs
#!/usr/bin/env bash
# Compress old plain .log files in place with gzip; already compressed files are left.
set -euo pipefail

dir={{dir}}
days={{days}}

find "$dir" -xdev -type f -name '*.log' -mtime +"$days" -print -exec gzip -- {} +
