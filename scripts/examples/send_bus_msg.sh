# The design note's send_bus_msg, rewritten around busmsg: same call
#   send_bus_msg <topic> <key>=<value> <key>:int=<value> ...
# but exact JSON for any value (quotes, backslashes, newlines, unicode), a checked :int,
# a generated id and sent-at, and no Python. Source this file from a script.
send_bus_msg() { local topic=$1; shift; busmsg publish --topic "$topic" "$@" >/dev/null; }
