#!/bin/bash
# Drop-in for simple_message_to_bus, the helper Fedora's log jobs (combineHttpLogs.sh,
# condense-mirrorlogs.sh, countme-update.sh, countme-centos-update.sh) publish through:
#   simple_message_to_bus TOPIC WORD...
#   MSGTOPIC_PREFIX   put in front of TOPIC, e.g. logging.stats -> logging.stats.countme-update.start
#   MSGBODY_PRESET    words every message carries, e.g. "loghost=$(hostname) run_id=$(uuidgen -r)",
#                     unquoted as the helper has it: split on blanks and glob-expanded in the
#                     job's directory (a glob that matches nothing stays as it is)
# The jobs run the helper as a command (they source nothing): install this file in its place,
# executable (it runs the function below when executed); sourcing it defines the function.
# The body is the helper's, key for key: KEY=VALUE, KEY:int=VALUE (unquoted), a word without
# "=" is its own key and value ("--rawdb"), the last word of a key wins, no "host" is added
# (busmsg publish --helper-words). A value the helper would have sent as invalid JSON (a tab, a
# newline) is sent as the exact string. Like the helper, it always returns 0: reporting never
# fails the job. But a message busmsg refuses is never lost silently: busmsg says why on
# stderr, and so does this line (cron mails both).
simple_message_to_bus() (
  topic=$1
  shift
  [ -n "${MSGTOPIC_PREFIX:-}" ] && topic="${MSGTOPIC_PREFIX%.}.${topic}"
  # shellcheck disable=SC2206 # split and glob-expanded, as the helper's unquoted word list is
  preset=(${MSGBODY_PRESET:-})
  busmsg publish --topic "$topic" --helper-words -- "${preset[@]}" "$@" >/dev/null ||
    echo "simple_message_to_bus: $topic: not published (busmsg exit $?)" >&2
  exit 0
)
if [ "${BASH_SOURCE[0]}" = "$0" ]; then simple_message_to_bus "$@"; fi
