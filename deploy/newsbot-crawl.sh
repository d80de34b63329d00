#!/bin/sh
# One newsbot crawl, for cron (the systemd unit runs the same command itself).
# Paths come from the environment so the script runs unchanged on any layout:
#   NEWSBOT_HOME     checkout with the virtualenv in .venv   (default /opt/newsbot)
#   NEWSBOT_STATE    database, JOBDIR, run summaries          (default /var/lib/newsbot)
#   NEWSBOT_LOG_DIR  crawl log                                (default /var/log/newsbot)
# Extra arguments go to `scrapy crawl district` (e.g. -a max_pages=3, -s LOG_LEVEL=DEBUG);
# they come last, so `-a discover=listing` overrides the scheduled default below.
# discover=auto: the WordPress REST API where the site offers it (a backfill at ~1 request per
# 100 posts, edits seen), else the listing walk; the store remembers which (README, Discovery).
# The exit status is the crawl's: 0 healthy, non-zero failed or unhealthy (README lists them).
set -eu

NEWSBOT_HOME=${NEWSBOT_HOME:-/opt/newsbot}
NEWSBOT_STATE=${NEWSBOT_STATE:-/var/lib/newsbot}
NEWSBOT_LOG_DIR=${NEWSBOT_LOG_DIR:-/var/log/newsbot}

mkdir -p "$NEWSBOT_STATE" "$NEWSBOT_LOG_DIR"
# Relative paths in the settings (data/...) land in the state directory, not in the code.
cd "$NEWSBOT_STATE"
export SCRAPY_SETTINGS_MODULE=newsbot.settings
export PYTHONUNBUFFERED=1

exec "$NEWSBOT_HOME/.venv/bin/scrapy" crawl district \
    -a discover=auto \
    -s SQLITE_PATH="$NEWSBOT_STATE/newsbot.db" \
    -s JOBDIR="$NEWSBOT_STATE/jobdir/district" \
    -s NEWSBOT_LOG_FILE="$NEWSBOT_LOG_DIR/crawl.log" \
    "$@"
