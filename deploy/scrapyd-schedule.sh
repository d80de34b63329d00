#!/bin/sh
# Schedule one `district` run on scrapyd, for cron or a systemd timer: scrapyd has no clock of
# its own. Skips (exit 75) when a district job is already pending or running, so a slow run
# does not pile up a queue behind it. Extra arguments go to curl, e.g.
#   scrapyd-schedule.sh -d setting=SQLITE_PATH=/var/lib/newsbot/newsbot.db
# The run discovers with discover=auto (the REST API, else the listing walk); scrapyd keeps the
# first value of a field, so `-d discover=listing` among the arguments overrides it.
# SCRAPYD_URL (default http://127.0.0.1:6800) names the server. Exit: 0 scheduled, 75 busy,
# 1 scrapyd unreachable or refused the job. The crawl's own exit status is in scrapyd's log
# ("Process died: exitstatus=N"), not here.
set -eu

SCRAPYD_URL=${SCRAPYD_URL:-http://127.0.0.1:6800}

jobs=$(curl -fsS "$SCRAPYD_URL/listjobs.json?project=newsbot") || exit 1
busy=$(printf '%s' "$jobs" | python3 -c '
import json, sys
jobs = json.load(sys.stdin)
print(sum(j["spider"] == "district" for j in jobs.get("pending", []) + jobs.get("running", [])))
')
if [ "$busy" -gt 0 ]; then
    echo "newsbot: a district job is already pending or running on $SCRAPYD_URL; not scheduling"
    exit 75
fi

reply=$(curl -fsS "$SCRAPYD_URL/schedule.json" -d project=newsbot -d spider=district "$@" -d discover=auto) || exit 1
case $reply in
    *'"status": "ok"'*) echo "$reply" ;;
    *) echo "newsbot: scrapyd refused the job: $reply" >&2; exit 1 ;;
esac
