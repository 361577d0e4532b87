# Our simulation of how Fedora's deployed bash sync script (syncHttpLogs.sh) reports on the bus,
# for tests/integration/real_callers_test.ts. Not a copy of it: its call pattern only.
#   MODE=drop-in    send_bus_msg is busmsg's drop-in (scripts/examples/send_bus_msg.sh)
#   MODE=dump-line  send_bus_msg builds the design note's dump line and pipes it to busmsg publish -
# Environment: EXAMPLES, PROXIES, TODAY, DEST, REFUSED (a file that gets a line per refused call).
# As the real one: logging.stats. put in front of every topic, host=$(hostname) (a short name),
# a uuidgen run id, proxies one after another, the last 3 days each, up to 3 rsync attempts,
# failure="Error code: N" in every failure event, fail.retry for every failed attempt (its $?
# slip) but a fail.final for the odd proxy final01, logdate.finish after every date.
set -u
if [ "$MODE" = drop-in ]; then
  . "$EXAMPLES/send_bus_msg.sh"
else
  send_bus_msg() {
    local topic=$1 body="" sep="" word key value
    shift
    for word in "$@"; do
      key=${word%%=*} value=${word#*=}
      value=${value//\\/\\\\} value=${value//\"/\\\"}
      body="$body$sep\"$key\": \"$value\"" sep=", "
    done
    printf '{"body": {%s}, "headers": {"fedora_messaging_schema": "base.message", "fedora_messaging_severity": 20, "sent-at": "%s"}, "id": "%s", "queue": "queue", "topic": "%s"}\n' \
      "$body" "$(TZ=UTC date -Iseconds)" "$(uuidgen -r)" "$topic" | busmsg publish - >/dev/null
  }
fi
host=$(hostname)
run_id=$(uuidgen -r)
# As the README says: exit 2 is a message busmsg refused and did not send; say it, go on.
msg() {
  local topic=logging.stats.$1
  shift
  send_bus_msg "$topic" host="$host" run_id="$run_id" "$@"
  local rc=$?
  [ $rc -eq 0 ] || echo "send_bus_msg $topic: exit $rc" >>"$REFUSED"
}
msg sync.start
for proxy in $PROXIES; do
  msg sync.host.start synced_host="$proxy"
  for d in 1 2 3; do
    day=$(date -u -d "$TODAY - $d day" +%F)
    msg sync.host.logdate.start synced_host="$proxy" log_date="$day"
    for attempt in 1 2 3; do
      rsync -a "$proxy::logs/$day/" "$DEST/" && break
      rc=$?
      if [ "$attempt" = 3 ] && [ "$proxy" = final01 ]; then
        msg sync.host.logdate.fail.final synced_host="$proxy" log_date="$day" failure="Error code: $rc"
      else
        msg sync.host.logdate.fail.retry synced_host="$proxy" log_date="$day" failure="Error code: $rc"
      fi
    done
    msg sync.host.logdate.finish synced_host="$proxy" log_date="$day"
  done
  msg sync.host.finish synced_host="$proxy"
done
msg sync.finish
