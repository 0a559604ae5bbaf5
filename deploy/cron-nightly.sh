#!/bin/sh
# The nightly run as cron starts it (deploy/crontab): the same settings the systemd units load,
# a log folder that exists, and the run's own exit code (75: another run holds the lock).
set -eu
env_file=${WILDWATCH_ENV_FILE:-/etc/wildwatch/env}
if [ -r "$env_file" ]; then
  set -a
  . "$env_file"
  set +a
fi
log_dir=${WILDWATCH_VAR_DIR:-var}/log
mkdir -p "$log_dir"
exec .venv/bin/wildwatch nightly >> "$log_dir/nightly.log" 2>&1
