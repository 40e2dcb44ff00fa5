#@ description: Restart the {{service}} service when it is not running
#@ slots: service=service
#@ name: check
#@ requires: service daemon unit running restart alive up watchdog
#@ example: check that nginx is running and restart it if not
#@ example: write a script that restarts the postgresql service when it is down
#@ example: keep the cron service alive
#@ example: script to make sure docker is up, restarting it if needed
#@ example: watchdog for the ssh service
#!/usr/bin/env bash
# If a systemd service is not active, restart it and report whether that worked.
set -euo pipefail

service={{service}}

if systemctl is-active --quiet -- "$service"; then
  echo "$service is running"
  exit 0
fi
echo "$service is not running; restarting it" >&2
systemctl restart -- "$service"
systemctl is-active --quiet -- "$service" && echo "$service restarted"
