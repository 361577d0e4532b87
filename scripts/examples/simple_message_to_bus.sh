# Drop-in for the helper Fedora's log jobs (log merging, mirror-log condensing, countme)
# use:  simple_message_to_bus TOPIC key=value ...
#   MSGTOPIC_PREFIX   put in front of TOPIC, e.g. logging.stats -> logging.stats.countme.start
#   MSGBODY_PRESET    key=value words (space-separated) every message carries, e.g.
#                     "loghost=$(hostname) run_id=$(uuidgen -r)"
# Values may use busmsg's KEY:TYPE=VALUE (e.g. files:int=3). logging.stats bodies get
# "host" (this machine's FQDN) when they lack one. Reporting never fails the caller.
simple_message_to_bus() {
  local topic=$1 preset=()
  shift
  [ -n "${MSGTOPIC_PREFIX:-}" ] && topic="${MSGTOPIC_PREFIX%.}.${topic}"
  [ -n "${MSGBODY_PRESET:-}" ] && read -r -a preset <<<"$MSGBODY_PRESET"
  busmsg publish --topic "$topic" "${preset[@]}" "$@" >/dev/null || true
}
