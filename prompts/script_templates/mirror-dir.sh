#@ description: Mirror {{src}} into {{dest}} (rsync -a when installed, else cp -a)
#@ slots: src=path dest=path
#@ name: mirror
#@ requires: mirror sync rsync copy replicate
#@ writes: dest
#@ example: mirror /srv/www to /mnt/www
#@ example: write a script that syncs /data to /mnt/data
#@ example: keep a copy of /home/me/docs in /media/usb/docs
#@ example: script to rsync my photos folder to /backup/photos
#@ example: copy everything in /etc to /root/etc-copy preserving permissions
#!/usr/bin/env bash
# Copy a directory tree into another, keeping permissions and times. Nothing is deleted.
set -euo pipefail

src={{src}}
dest={{dest}}

mkdir -p -- "$dest"
if command -v rsync >/dev/null 2>&1; then
  rsync -a -- "$src/" "$dest/"
else
  cp -a -- "$src/." "$dest/"
fi
echo "mirrored $src to $dest"
