# The reference for the drop-in's parity test: simple_message_to_bus by the helper's rules as
# Fedora's infrastructure notes describe them (written from that description, not from the
# helper's source, and sharing nothing with busmsg): words from the unquoted $MSGBODY_PRESET,
# then the arguments; KEY, optional :TYPE, optional =VALUE (a bare word is its own value);
# :int unquoted, everything else quoted with only \ and " escaped; one dump line piped into
# the publisher ($FM_PUBLISH: fedora-messaging publish -, or its stand-in fm_publish.py), whose
# exit status is ignored.
simple_message_to_bus() {
  local topic=$1 body="" sep="" word left key type value
  shift
  [ -n "${MSGTOPIC_PREFIX:-}" ] && topic="$MSGTOPIC_PREFIX.$topic"
  # shellcheck disable=SC2086 # unquoted, as the helper has it
  for word in $MSGBODY_PRESET "$@"; do
    left=${word%%=*}
    if [[ $word == *=* ]]; then value=${word#*=}; else value=$word; fi
    key=${left%%:*}
    if [[ $left == *:* ]]; then type=${left#*:}; else type=""; fi
    if [ "$type" = int ]; then
      body+="$sep\"$key\": $value"
    else
      value=${value//\\/\\\\}
      value=${value//\"/\\\"}
      body+="$sep\"$key\": \"$value\""
    fi
    sep=", "
  done
  echo "{\"topic\": \"$topic\", \"body\": {$body}, \"headers\": {\"fedora_messaging_schema\": \"base.message\", \"fedora_messaging_severity\": 20, \"sent-at\": \"$(TZ=UTC date -Iseconds)\"}, \"id\": \"$(uuidgen -r)\", \"queue\": \"queue\"}" |
    $FM_PUBLISH - || true
}
