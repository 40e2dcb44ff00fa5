#@ description: Warn when the filesystem holding {{path}} is more than {{percent}}% full
#@ slots: path=path percent=percent:90
#@ name: disk-alert
#@ requires: alert warn complain notify threshold percent full
#@ example: alert me when the disk is over 90% full
#@ example: write a script that warns if / is more than 80 percent used
#@ example: check disk usage of /var and complain above 85%
#@ example: disk space alert script
#@ example: notify when the root filesystem is almost full
#!/usr/bin/env bash
# Exit 1 with a warning (cron mails it) when a filesystem is fuller than the threshold.
set -euo pipefail

path={{path}}
percent={{percent}}

used=$(df -P -- "$path" | awk 'NR==2 {sub("%", "", $5); print $5}')
if [ "$used" -gt "$percent" ]; then
  echo "WARNING: $path is ${used}% full (threshold ${percent}%)" >&2
  exit 1
fi
echo "$path is ${used}% full (threshold ${percent}%)"
