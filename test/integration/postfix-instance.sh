# postfix_instance DIR MASTER_LINE...: starts a throwaway Postfix (sourced from a test that
# sourced lib.sh). Its own config, queue and data directories under DIR, no chroot, loopback
# only, XCLIENT allowed from loopback, every local delivery discarded. The instance is stopped
# by the test's cleanup. Log: $WORK/postfix.log. POSTFIX_MAIN_EXTRA: more main.cf lines.
postfix_instance() {
  local dir=$1
  shift
  mkdir -p "$dir/etc" "$dir/spool" "$dir/data"
  chown postfix "$dir/data"
  cat >"$dir/etc/main.cf" <<MAIN
compatibility_level = 3.6
myhostname = mx.test.example
mydomain = test.example
mydestination = example.org
inet_interfaces = loopback-only
inet_protocols = ipv4
alias_maps =
alias_database =
local_recipient_maps =
queue_directory = $dir/spool
data_directory = $dir/data
maillog_file = $WORK/postfix.log
maillog_file_prefixes = /tmp, /var
smtpd_authorized_xclient_hosts = 127.0.0.0/8
mynetworks = 127.0.0.0/8
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
milter_default_action = accept
milter_protocol = 6
local_transport = discard
default_transport = discard
relay_transport = discard
smtputf8_enable = no
${POSTFIX_MAIN_EXTRA:-}
MAIN
  {
    printf '%s\n' "$@"
    cat <<'MASTER'
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
local     unix  -       n       n       -       -       local
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
MASTER
  } >"$dir/etc/master.cf"
  POSTFIX_DIR=$dir
  postfix -c "$dir/etc" check >"$WORK/postfix-check.log" 2>&1 || true
  if ! postfix -c "$dir/etc" start >"$WORK/postfix-start.log" 2>&1; then
    cat "$WORK/postfix-start.log" "$WORK/postfix.log" 2>/dev/null
    return 1
  fi
  trap 'postfix -c "$POSTFIX_DIR/etc" stop >/dev/null 2>&1 || true; cleanup' EXIT
  local p
  for p in $(printf '%s\n' "$@" | awk '$1 ~ /^[0-9]+$/ {print $1}'); do wait_tcp "$p" || { cat "$WORK/postfix.log"; return 1; }; done
}
