#@ description: List the {{count}} biggest files under {{dir}}
#@ slots: dir=path count=count:10
#@ name: biggest-files
#@ requires: big large huge space size
#@ example: find the 10 biggest files in /var
#@ example: write a script that lists the largest files under my home
#@ example: show the top 20 largest files in /srv
#@ example: what is taking up space in /data, biggest files first
#@ example: script to report huge files
#!/usr/bin/env bash
# Print the biggest regular files under a directory, largest first, with their sizes.
set -euo pipefail

dir={{dir}}
count={{count}}

find "$dir" -xdev -type f -printf '%s\t%p\n' 2>/dev/null \
  | sort -rn | head -n "$count" \
  | awk -F'\t' '{ printf "%10.1f MB  %s\n", $1 / 1048576, $2 }'
