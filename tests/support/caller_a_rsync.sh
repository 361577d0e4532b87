# A stub rsync for caller A's simulation: counts attempts per proxy and date in $RSYNC_STATE.
# good*: works; flaky*: fails once per date (12); slow*: twice (10); final*: always (30);
# anything else: always (23).
src=$2 host=${2%%::*}
date=$(basename "$src")
n="$RSYNC_STATE/$host-$date"
tries=$(($(cat "$n" 2>/dev/null || echo 0) + 1))
echo "$tries" >"$n"
case $host in
  good*) exit 0 ;;
  flaky*) [ "$tries" -gt 1 ] && exit 0; exit 12 ;;
  slow*) [ "$tries" -gt 2 ] && exit 0; exit 10 ;;
  final*) exit 30 ;;
  *) exit 23 ;;
esac
