#!/usr/bin/env bash
# An example log sync in the style of Fedora's syncHttpLogs.sh, reporting every step on the
# bus through 'busmsg sync-event': three past days per proxy, up to three attempts per date,
# fail.retry after a failed attempt that will be retried, fail.final after the last, and a
# skip for a proxy whose name does not resolve. Hosts run one after another here (the real
# job runs several in parallel; each event carries run_id and synced_host, so that works too).
#
#   sync_logs_example.sh PROXY...
#
# Environment (all optional): BUSMSG (the busmsg command), RSYNC (default rsync),
# RESOLVE (command that succeeds when a host name resolves; default "getent hosts"),
# DEST (default /var/log/hosts), DAYS (3), ATTEMPTS (3), TODAY (default today, UTC).
set -u
busmsg=${BUSMSG:-busmsg}
rsync=${RSYNC:-rsync}
resolve=${RESOLVE:-getent hosts}
dest=${DEST:-/var/log/hosts}
days=${DAYS:-3}
attempts=${ATTEMPTS:-3}
today=${TODAY:-$(date -u +%Y-%m-%d)}

# Reporting must never break the job it reports on: busmsg spools what it cannot deliver,
# and whatever else happens, the sync goes on.
report() { $busmsg sync-event "$@" || echo "sync_logs_example: could not report $1" >&2; }

BUSMSG_RUN_ID=$($busmsg sync-event start) || true
export BUSMSG_RUN_ID

for proxy in "$@"; do
  if ! $resolve "$proxy" >/dev/null 2>&1; then
    report host.skip --synced-host "$proxy" --reason "Synced host unknown"
    continue
  fi
  report host.start --synced-host "$proxy"
  for ((d = 1; d <= days; d++)); do
    log_date=$(date -u -d "$today - $d day" +%Y-%m-%d)
    report host.logdate.start --synced-host "$proxy" --log-date "$log_date"
    for ((attempt = 1; attempt <= attempts; attempt++)); do
      mkdir -p "$dest/$proxy/$log_date"
      rc=0
      $rsync -a "$proxy::logs/$log_date/" "$dest/$proxy/$log_date/" || rc=$?
      if ((rc == 0)); then
        report host.logdate.finish --synced-host "$proxy" --log-date "$log_date" "attempt:int=$attempt"
        break
      fi
      if ((attempt < attempts)); then
        report host.logdate.fail.retry --synced-host "$proxy" --log-date "$log_date" \
          --reason "rsync exited with $rc" "attempt:int=$attempt"
      else
        report host.logdate.fail.final --synced-host "$proxy" --log-date "$log_date" \
          --reason "rsync exited with $rc, giving up after $attempts attempts" "attempt:int=$attempt"
      fi
    done
  done
  report host.finish --synced-host "$proxy"
done

report finish
