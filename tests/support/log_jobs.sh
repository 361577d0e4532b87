# Simulations of the shell jobs that publish on Fedora's log server, with their real call
# shapes (from the spec's "What the deployed callers really send"; written for these tests,
# not copied from the jobs): each sets MSGTOPIC_PREFIX and MSGBODY_PRESET and calls
# simple_message_to_bus, whichever one is defined (the drop-in, or the reference). The work
# itself is stubs on PATH (hostname, uuidgen, mergelog, the countme commands, git).

combine_http_logs() {
  local day=${1:-2026/12/05} file result temp
  MSGTOPIC_PREFIX=logging.stats
  MSGBODY_PRESET="loghost=$(hostname) run_id=$(uuidgen -r)"
  simple_message_to_bus combinehttplogs.start
  for file in mirrors.fedoraproject.org-access.log.xz dl.fedoraproject.org-access.log.xz; do
    temp=/var/tmp/combined-$file.tmp
    simple_message_to_bus combinehttplogs.logmerge.proxy.start log="/var/log/hosts/proxy*/$day/http/" \
      file="$file" target="/mnt/fedora_stats/combined-http/$day" temp="$temp"
    mergelog "/var/log/hosts/proxy*/$day/http/$file" >"$temp"
    result=$?
    simple_message_to_bus combinehttplogs.logmerge.proxy.finish log="/var/log/hosts/proxy*/$day/http/" \
      file="$file" target="/mnt/fedora_stats/combined-http/$day" temp="$temp" result="$result"
  done
  for kind in download people; do
    file=$kind.fedoraproject.org-access.log.xz
    temp=/var/tmp/combined-$kind.tmp
    simple_message_to_bus "combinehttplogs.logmerge.$kind.start" proxylog="/var/log/hosts/$kind*/$day/http/" \
      file="$file" target="/mnt/fedora_stats/combined-http/$day" temp="$temp"
    mergelog "/var/log/hosts/$kind*/$day/http/$file" >"$temp"
    result=$?
    simple_message_to_bus "combinehttplogs.logmerge.$kind.finish" proxylog="/var/log/hosts/$kind*/$day/http/" \
      file="$file" target="/mnt/fedora_stats/combined-http/$day" temp="$temp" result="$result"
  done
  simple_message_to_bus combinehttplogs.finish
}

condense_mirrorlogs() {
  local work=/var/tmp/mirrorlist-work log=/var/log/mirrorlist/2026-12-05.log result
  MSGTOPIC_PREFIX=logging.stats
  MSGBODY_PRESET="loghost=$(hostname) run_id=$(uuidgen -r)"
  simple_message_to_bus condense-mirrorlogs.start
  simple_message_to_bus condense-mirrorlogs.mirrorlist.start workfile="$work" logfile="$log"
  # result is set only after the sort: empty in this message, as deployed.
  simple_message_to_bus condense-mirrorlogs.mirrorlist.sort workfile="$work" logfile="$log" result="$result"
  sort -o "$work" /dev/null
  result=$?
  simple_message_to_bus condense-mirrorlogs.mirrorlist.finish workfile="$work" logfile="$log" result="$result"
  simple_message_to_bus condense-mirrorlogs.finish
}

# One countme job: JOB is its topic stem (countme-update or countme-centos-update).
countme_job() {
  local job=$1
  MSGTOPIC_PREFIX=logging.stats
  MSGBODY_PRESET="loghost=$(hostname) run_id=$(uuidgen -r)"
  countme_run() {
    simple_message_to_bus "$job.command.start" command="$@"
    "$@"
    local status=$?
    # The deployed slip: $? is that of the line above, always 0.
    simple_message_to_bus "$job.command.finish" command="$@" result="$?"
    return $status
  }
  simple_message_to_bus "$job.start"
  countme_run countme-update-rawdb --rawdb /var/lib/countme/raw.db --logs "/mnt/fedora_stats/combined-http/2026/12/05/mirrors.fedoraproject.org-access.log"
  countme_run countme-update-totals --rawdb /var/lib/countme/raw.db --totals-db /var/lib/countme/totals.db --update-csv --csv-dir /var/lib/countme/csv -v -v
  countme_run git -C /var/lib/countme/repo commit -a -m "2026-12-07 update"
  simple_message_to_bus "$job.finish"
}
countme_update() { countme_job countme-update; }
countme_centos_update() { countme_job countme-centos-update; }

# The helper's rules at their edges (no job calls so, but the helper allows it): :int,
# a key given twice, a key cut at ":", a bare word holding ":", a type other than int.
helper_edges() {
  MSGTOPIC_PREFIX=logging.stats
  MSGBODY_PRESET="loghost=$(hostname) run_id=$(uuidgen -r)"
  simple_message_to_bus countme-update.command.finish command=x files:int=3 big:int=12345678901234567890 \
    a=1 a=2 "host:port=db:5432" "2026-12-07 10:00:00" ratio:float=1.5 'quote=say "hi" \ there' \
    result="" é=ü result=0
}
