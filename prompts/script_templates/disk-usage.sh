#@ description: Print the disk usage of the filesystem holding {{path}}
#@ slots: path=path
#@ name: disk-usage
#@ requires: disk space usage df full free
#@ example: print the disk usage of /
#@ example: write a script that shows how much disk space is free on /home
#@ example: report the disk space used on /var
#@ example: script that prints how full /srv is
#!/usr/bin/env bash
# Size, used and free space of the filesystem holding a path, in human units.
set -euo pipefail

df -h -- {{path}}
