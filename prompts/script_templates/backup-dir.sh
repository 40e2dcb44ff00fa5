#@ description: Back up {{src}} to {{dest}} as a dated .tar.gz, keeping the newest {{keep}}
#@ slots: src=path dest=path keep=count:7
#@ name: backup
#@ requires: back backup archive tar tarball snapshot
#@ writes: dest
#@ example: back up /srv to /backup every night
#@ example: make me a backup script for /srv
#@ example: write a script that backs up my home directory
#@ example: archive /etc into a tarball in /var/backups
#@ example: script to tar and gzip /data into /mnt/backup keeping 5 copies
#@ example: nightly backup of /var/www to /backups
#@ example: back up /home to /mnt/disk keeping 3 copies
#@ example: take a backup of /data every day
#@ example: backup script
#!/usr/bin/env bash
# Back up one directory as a dated tar.gz and keep only the newest few archives.
set -euo pipefail

src={{src}}
dest={{dest}}
keep={{keep}}

mkdir -p -- "$dest"
name=$(basename -- "$src")
archive="$dest/$name-$(date +%Y%m%d-%H%M%S).tar.gz"
tar -czf "$archive" -C "$(dirname -- "$src")" -- "$name"
echo "wrote $archive"

# Keep the newest $keep archives of this directory; delete older ones (rm -v names each).
find "$dest" -maxdepth 1 -type f -name "$name-*.tar.gz" -printf '%T@ %p\n' \
  | sort -rn | awk -v keep="$keep" 'NR > keep { sub(/^[^ ]+ /, ""); print }' \
  | xargs -r -d '\n' rm -v -f --
