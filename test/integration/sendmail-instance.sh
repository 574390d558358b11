# sendmail_instance DIR PORT MILTER_PORT: starts a throwaway Sendmail 8.17 (from Debian's unpacked
# .debs in $SM_ROOT, see scripts/setup-sendmail; sourced from a test that sourced lib.sh) listening
# on 127.0.0.1:PORT, its milter dynmilter on 127.0.0.1:MILTER_PORT. Its own queue, config and
# files under DIR; hosts file only, no DNS; DeliveryMode=q (nothing is delivered until a queue
# run: sendmail_run DIR -qI...). SENDMAIL_MC_EXTRA: more .mc lines (before the mailers).
# Its syslog lines go to $WORK/maillog. The instance is stopped by the test's cleanup.
SM_ROOT=${SENDMAIL_ROOT:-/opt/dynmilter-test/sendmail}

sendmail_instance() {
  local dir=$1 port=$2 milter=$3
  mkdir -p "$dir/mqueue" "$dir/clientmqueue"
  chmod 700 "$dir/mqueue"
  : >"$dir/local-host-names"
  printf 'hosts files\naliases files\n' >"$dir/service.switch"
  cat >"$dir/test.mc" <<MC
divert(-1)
divert(0)dnl
OSTYPE(\`linux')dnl
define(\`confDOMAIN_NAME', \`mx.test.example')dnl
define(\`QUEUE_DIR', \`$dir/mqueue')dnl
define(\`MSP_QUEUE_DIR', \`$dir/clientmqueue')dnl
define(\`confPID_FILE', \`$dir/sendmail.pid')dnl
define(\`STATUS_FILE', \`$dir/sendmail.st')dnl
define(\`ALIAS_FILE', \`')dnl
define(\`confCW_FILE', \`$dir/local-host-names')dnl
define(\`confSERVICE_SWITCH_FILE', \`$dir/service.switch')dnl
define(\`confDONT_PROBE_INTERFACES', \`True')dnl
define(\`confBIND_OPTS', \`-DNSRCH -DEFNAMES')dnl
define(\`confTO_IDENT', \`0')dnl
define(\`confLOG_LEVEL', \`14')dnl
FEATURE(\`nocanonify')dnl
FEATURE(\`accept_unresolvable_domains')dnl
FEATURE(\`promiscuous_relay')dnl
define(\`confAUTH_MECHANISMS', \`PLAIN LOGIN')dnl
TRUST_AUTH_MECH(\`PLAIN LOGIN')dnl
DAEMON_OPTIONS(\`Port=$port, Addr=127.0.0.1, Name=MTA')dnl
INPUT_MAIL_FILTER(\`dyn', \`S=inet:$milter@127.0.0.1, F=T, T=C:10s;S:10s;R:10s;E:30s')dnl
${SENDMAIL_MC_EXTRA:-}
MAILER(\`smtp')dnl
MC
  local cf=$SM_ROOT/usr/share/sendmail/cf
  m4 -D_CF_DIR_="$cf/" "$cf/m4/cf.m4" "$dir/test.mc" >"$dir/test.cf"

  # Sendmail logs only through syslog(3), to /dev/log: a sink collects it in $WORK/maillog.
  "$BIN/syslog_sink" "$WORK/syslog.sock" "$WORK/maillog" &
  PIDS+=($!)
  for _ in $(seq 50); do [ -S "$WORK/syslog.sock" ] && break; sleep 0.1; done
  # (exec: the background job is Sendmail itself, which the cleanup stops by its pid)
  SM_EXEC=exec sendmail_run "$dir" -bD -O LogLevel=14 -O DeliveryMode=q >"$WORK/sendmail.log" 2>&1 &
  PIDS+=($!)
  wait_tcp "$port" 100 || { cat "$WORK/sendmail.log"; return 1; }
}

# sendmail_run DIR ARGS...: runs Sendmail with the instance's config, in its own mount namespace,
# where /dev is a tmpfs holding the few devices it opens and a /dev/log that is the sink's socket;
# and in its own UTS namespace with a dotted host name: else Sendmail waits 60 s at start.
sendmail_run() {
  local dir=$1 hostdev=$WORK/hostdev
  shift
  mkdir -p "$hostdev"
  ${SM_EXEC:-} unshare -u -m sh -c "mount --rbind /dev $hostdev && mount -t tmpfs tmpfs /dev &&
    for d in null zero random urandom; do touch /dev/\$d && mount --bind $hostdev/\$d /dev/\$d || exit 1; done &&
    touch /dev/log && mount --bind $WORK/syslog.sock /dev/log &&
    hostname mx.test.example && exec $SM_ROOT/usr/libexec/sendmail/sendmail -C $dir/test.cf \"\$@\"" sendmail "$@"
}
