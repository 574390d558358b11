#!/bin/bash
# The refused sender's page, end to end: a client refused through real Postfix gets a 550 whose
# text links to /why/REF; headless Chromium follows that very link to dynmilter-web and the page
# says what decided (the listing and its TXT) and what to do; /check runs the readiness report for
# a passing and a failing domain (unbound local-data); JSON on request; bad input gets a clear
# 4xx. Then two daemons share one Redis: a refusal on the second is found on the first one's
# page; Redis down, holding garbage, back, and answering garbage: mail unaffected, the page says
# "not found".
# Screenshots (a phone-sized window) go to the build folder, web-screenshots/.
source "$(dirname "$0")/../lib.sh" "$@"
require postfix postconf swaks rbldnsd drill unbound redis-server redis-cli
[ "$(id -u)" -eq 0 ] || skip "a throwaway Postfix instance needs root"
[ -x "$BIN/dynmilter-web" ] || skip "dynmilter-web is not built"
[ -x "$BIN/raw_milter" ] && [ -x "$BIN/garbage_server" ] || skip "raw_milter or garbage_server is not built (configure with -DBUILD_TESTING=ON)"
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
[ -n "$CHROMIUM" ] || skip "no chromium (apt-get install chromium): the page is tested in a real browser"

RBL_PORT=15381 DNS_PORT=15386 SMTP_PORT=12581 MILTER=18981 WEB=18982 REDIS=18983 MILTER_B=18984 WEB_B=18985
SHOTS=$(cd "$BIN/.." && pwd)/web-screenshots
mkdir -p "$SHOTS"

say "a DNS world: a listed pool, a server domain that passes, a home domain that fails"
W=$WORK/world.conf
{
  echo '  local-zone: "isp1.test." static'
  echo '  local-data-ptr: "203.0.113.7 300 dsl-203-0-113-7.pool.isp1.test"'
  echo '  local-data: "dsl-203-0-113-7.pool.isp1.test. 300 IN A 203.0.113.7"'
  echo '  local-zone: "srv.test." static'
  echo '  local-data: "srv.test. 86400 IN MX 10 mail.srv.test."'
  echo '  local-data: "mail.srv.test. 86400 IN A 192.0.2.31"'
  echo '  local-data-ptr: "192.0.2.31 86400 mail.srv.test"'
  echo '  local-zone: "home.test." static'
  echo '  local-data: "home.test. 60 IN MX 10 mx.home.test."'
  echo '  local-data: "mx.home.test. 60 IN A 198.51.100.56"'
  echo '  local-zone: "isp4.test." static'
  echo '  local-data-ptr: "198.51.100.56 600 host-56.dialup.isp4.test"'
  echo '  local-data: "host-56.dialup.isp4.test. 600 IN A 198.51.100.56"'
  echo '  local-zone: "many.test." static'  # 300 MX records, none of whose hosts has an address
  for i in $(seq 300); do echo "  local-data: \"many.test. 3600 IN MX $i mx$i.many.test.\""; done
} >"$W"
start_rbldnsd $RBL_PORT
start_dns_world $DNS_PORT $RBL_PORT "$W"
redis-server --port $REDIS --bind 127.0.0.1 --save '' --appendonly no >"$WORK/redis.log" 2>&1 &
REDIS_PID=$!
PIDS+=($REDIS_PID)
wait_tcp $REDIS

mkdir -p "$WORK/run" && chmod 755 "$WORK" "$WORK/run"
COMMON=(--dns-server 127.0.0.1:$DNS_PORT --dnsbl 'pbl.test=127.0.0.[10..11]*3' --dns-timeout 2s)
start_dynmilter a $MILTER "${COMMON[@]}" --why-url "http://127.0.0.1:$WEB/why/" --public-socket "$WORK/run/public-a.sock" \
  --history-redis 127.0.0.1:$REDIS --bypass-recipient help@example.org
start_dynmilter b $MILTER_B "${COMMON[@]}" --why-url "http://127.0.0.1:$WEB_B/why/" \
  --public-socket "$WORK/run/public-b.sock" --history-redis 127.0.0.1:$REDIS
check "the public socket is anyone's to ask (0666)" "$(stat -c '%a' "$WORK/run/public-a.sock")" '^666$'
# shellcheck source=postfix-instance.sh
source "$TESTROOT/integration/postfix-instance.sh"
postfix_instance "$WORK/postfix" "$SMTP_PORT inet n - n - - smtpd -o smtpd_milters=inet:127.0.0.1:$MILTER"
# Web A reads daemon A's public socket and the shared store; web B only daemon B's socket.
"$BIN/dynmilter-web" --listen 127.0.0.1:$WEB "${COMMON[@]}" --public-socket "$WORK/run/public-a.sock" \
  --history-redis 127.0.0.1:$REDIS --bypass-recipient help@example.org --check-rate 6 >"$WORK/web-a.log" 2>&1 &
PIDS+=($!)
"$BIN/dynmilter-web" --listen 127.0.0.1:$WEB_B "${COMMON[@]}" --public-socket "$WORK/run/public-b.sock" \
  >"$WORK/web-b.log" 2>&1 &
PIDS+=($!)
wait_tcp $WEB && wait_tcp $WEB_B

http() {  # PORT METHOD PATH [HEADER]: the status line and the body (HTTP/1.0, bash's /dev/tcp)
  local reply
  reply=$(exec 3<>"/dev/tcp/127.0.0.1/$1" && printf '%s %s HTTP/1.0\r\nHost: test\r\n%s\r\n' "$2" "$3" \
    "${4:+$4$'\r\n'}" >&3 && cat <&3) || true
  printf '%s\n' "$reply" | tr -d '\r' | sed -n '1p; /^$/,$p' | tr '\n' ' '
}
browse() {  # URL SHOT: the rendered page's DOM in headless Chromium, a phone-sized screenshot kept
  local out
  out=$(cd "$WORK" && timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$WORK/chromium" --window-size=412,1400 --dump-dom "$1" 2>/dev/null) || true
  (cd "$WORK" && timeout 60 "$CHROMIUM" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --user-data-dir="$WORK/chromium" --window-size=412,1400 --screenshot="$SHOTS/$2.png" "$1" >/dev/null 2>&1) || true
  printf '%s\n' "$out" | sed 's/<[^>]*>/ /g' | tr -s ' \n' ' '
}

say "a listed client is refused through Postfix, and the 550 links to its page"
out=$(swaks --server 127.0.0.1:$SMTP_PORT --xclient "ADDR=203.0.113.7 NAME=dsl-203-0-113-7.pool.isp1.test" \
  --from sender@client.example --to user@example.org --quit-after RCPT --timeout 20 2>&1 || true)
line=$(printf '%s\n' "$out" | grep -m1 '<\*\* *550')
check "550 5.7.1 with the smarthost text and a link" "$line" \
  "550 5\\.7\\.1 Your IP address 203\\.0\\.113\\.7 .*Why, and how to fix it: http://127\\.0\\.0\\.1:$WEB/why/[2-9a-z]{10}\$"
url=$(printf '%s\n' "$line" | grep -o "http://[^ ]*" | head -1)
ref=${url##*/}
check "the reference in the link is the one in the daemon's log" "$(cat "$WORK/a.log")" "id=$ref client=203\\.0\\.113\\.7 "

say "Chromium follows the link in the 550"
page=$(browse "$url" why)
check "the page: refused, the client and its reference" "$page" "Why mail from 203\\.0\\.113\\.7 was refused.*Reference $ref"
check "... what the server was told, verbatim" "$page" "550 5\\.7\\.1 Your IP address 203\\.0\\.113\\.7 appears to be dynamically"
check "... what decided: the listing, with the list's TXT" "$page" "listed in pbl\\.test The list says: ISP-maintained dynamic range"
check "... what to do: smarthost, or the list's removal" "$page" "smarthost.*removal page"
check "... the DUHL static-host rules and the bypass address" "$page" "43200 s or more.*help@example\\.org"
check "a screenshot is saved" "$(stat -c %s "$SHOTS/why.png" 2>/dev/null || echo 0)" '^[1-9][0-9]{3,}$'
out=$(http $WEB GET "/why/$ref" "Accept: application/json")
check "the same as JSON with Accept: application/json" "$out" \
  "^HTTP/1\\.[01] 200 .*\\{\"asked\":\"$ref\",\"found\":true,\"records\":\\[\\{\"reference\":\"$ref\".*\"kind\":\"list\",\"key\":\"pbl\\.test\""
check "... and it holds no sender, recipient or HELO" \
  "$(printf '%s' "$out" | grep -c -e 'sender@client' -e 'user@example' -e 'EHLO' || true)" '^0$'
page=$(browse "http://127.0.0.1:$WEB/why?q=203.0.113.7" lookup)
check "the form: by address, the same refusal" "$page" "Why mail from 203\\.0\\.113\\.7 was refused.*$ref"

say "/check: the readiness report, rendered as a table"
page=$(browse "http://127.0.0.1:$WEB/check?domain=srv.test&ip=" check-pass)
check "a passing domain: accepted, every rule passes" "$page" "Checking srv\\.test.*Our server would accept mail from them"
check "... each rule a row" "$page" "ptr-ttl pass .*mx-maps-to-ip pass"
page=$(browse "http://127.0.0.1:$WEB/check?domain=HOME.test.&ip=" check-fail)
check "a failing domain (its name normalised): refused, and what to fix" "$page" \
  "Checking home\\.test.*Our server would refuse mail from it"
check "... the failing rules with their fixes" "$page" "mx-ttl fail .*43200"
out=$(http $WEB GET "/check?domain=srv.test&ip=" "Accept: application/json")
check "/check as JSON: the report of dynmilter-check --sender --json, from the cache" "$out" \
  '^HTTP/1\.[01] 200 .*"report":\{"domain":"srv\.test".*"cached":true'
want=$("$BIN/dynmilter-check" "${COMMON[@]}" --sender srv.test --json 2>/dev/null | tr -d '\n' |
  grep -o '"verdict":"[a-z]*"}$' || true)
check "... with the verdict dynmilter-check gives (accept)" "$out" "${want:-no-verdict-from-dynmilter-check},\"dns_queries\""
check "... which is accept" "$want" '"verdict":"accept"'


say "bad input: a clear status and page, bounded work"
check "a reference nobody has: 404, not found" "$(http $WEB GET /why/2222222222)" '^HTTP/1\.[01] 404 .*Not found.*2222222222'
check "no reference at all: 404" "$(http $WEB GET '/why/..%2F..%2Fetc')" '^HTTP/1\.[01] 404 .*no such reference'
check "an overlong path: 414" "$(http $WEB GET "/why/$(head -c 400 /dev/zero | tr '\0' a)")" '^HTTP/1\.[01] 414 '
check "POST: 405" "$(http $WEB POST /check)" '^HTTP/1\.[01] 405 '
check "an IDN domain: asked for its xn-- form" "$(http $WEB GET '/check?domain=%C3%A9x.test')" \
  '^HTTP/1\.[01] 400 .*ASCII form \(xn--'
check "no domain: 400" "$(http $WEB GET '/check?domain=')" '^HTTP/1\.[01] 400 .*no domain given'
out=$(http $WEB GET '/check?domain=%3Cscript%3E.test')
check "a domain with markup: 400" "$out" '^HTTP/1\.[01] 400 .*letters, digits'
check "... and nothing of it echoed as markup" "$(printf '%s' "$out" | grep -c '<script' || true)" '^0$'
check "an unknown page: 404" "$(http $WEB GET /admin)" '^HTTP/1\.[01] 404 '
out=$(http $WEB GET "/check?domain=many.test&ip=" "Accept: application/json")
check "a domain with 300 MX records: answered, every MX host past the first 10 left out" "$out" \
  '^HTTP/1\.[01] 200 .*"mx":\["mx[0-9]+\.many\.test"(,"mx[0-9]+\.many\.test"){9}\]'
q=$(printf '%s' "$out" | grep -o '"dns_queries":[0-9]*' | cut -d: -f2)
check "... in a bounded number of DNS queries" "${q:-none}" '^[0-9]{1,2}$'

codes=""
for i in 1 2 3 4 5 6 7 8; do codes="$codes $(http $WEB GET "/check?domain=nx$i.test&ip=" | cut -d' ' -f2)"; done
check "checks are rate limited per visitor: 429 after the allowance" "$codes" ' 429$'
check "... while look-ups go on" "$(http $WEB GET "/why/$ref")" '^HTTP/1\.[01] 200 '

say "one Redis for two MX hosts: a refusal on B is found on A's page"
out=$("$BIN/raw_milter" "inet:$MILTER_B@127.0.0.1" normal 2>&1)
check "B refuses the listed client" "$out" '^normal: O,c,c,c,y'
ref_b=$(sed -n 's/.*id=\([2-9a-z]\{10\}\) client=203\.0\.113\.7 .*reject.*/\1/p' "$WORK/b.log" | head -1)
check "B's log has its reference" "${ref_b:-none}" '^[2-9a-z]{10}$'
for _ in $(seq 20); do redis-cli -p $REDIS exists "dynmilter:ref:$ref_b" | grep -q 1 && break; sleep 0.1; done
check "B's page knows it (its own history)" "$(http $WEB_B GET "/why/$ref_b")" "^HTTP/1\\.[01] 200 .*$ref_b"
check "A's page finds it through Redis" "$(browse "http://127.0.0.1:$WEB/why/$ref_b" why-shared)" \
  "Why mail from 203\\.0\\.113\\.7 was refused.*Reference $ref_b"
check "the store's records expire (TTL set)" "$(redis-cli -p $REDIS ttl "dynmilter:ref:$ref_b")" '^[1-9][0-9]{5,}$'

say "Redis holding garbage, then down: mail unaffected, the page says not found"
redis-cli -p $REDIS set "dynmilter:ref:$ref_b" $'garbage\nwith\tno sense' >/dev/null
check "a garbage record: not found, not an error" "$(http $WEB GET "/why/$ref_b")" "^HTTP/1\\.[01] 404 .*Not found"
kill $REDIS_PID && wait $REDIS_PID 2>/dev/null || true
start=$(date +%s%N)
out=$("$BIN/raw_milter" "inet:$MILTER_B@127.0.0.1" normal 2>&1)
ms=$((($(date +%s%N) - start) / 1000000))
check "Redis down: B still refuses the listed client" "$out" '^normal: O,c,c,c,y'
check "... without waiting for Redis (under 1 s)" "$ms" '^[0-9]{1,3}$'
check "A's page for B's new refusal: not found (404), not a failure" \
  "$(http $WEB GET "/why/$(sed -n 's/.*id=\([2-9a-z]\{10\}\) client=.*reject.*/\1/p' "$WORK/b.log" | tail -1)")" \
  '^HTTP/1\.[01] 404 .*Not found'
check "A's own refusals are still found (its public socket)" "$(http $WEB GET "/why/$ref")" '^HTTP/1\.[01] 200 '
redis-server --port $REDIS --bind 127.0.0.1 --save '' --appendonly no >>"$WORK/redis.log" 2>&1 &
PIDS+=($!)
wait_tcp $REDIS
sleep 1.2  # the writer's back-off before it reconnects
"$BIN/raw_milter" "inet:$MILTER_B@127.0.0.1" normal >/dev/null 2>&1
ref_c=$(sed -n 's/.*id=\([2-9a-z]\{10\}\) client=.*reject.*/\1/p' "$WORK/b.log" | tail -1)
for _ in $(seq 30); do redis-cli -p $REDIS exists "dynmilter:ref:$ref_c" | grep -q 1 && break; sleep 0.1; done
check "Redis back: B's next refusal is shared again" "$(http $WEB GET "/why/$ref_c")" "^HTTP/1\\.[01] 200 .*$ref_c"
say "a Redis that answers garbage: mail unaffected, the page says not found"
GARBAGE=18986 MILTER_C=18987 WEB_C=18988
"$BIN/garbage_server" $GARBAGE >/dev/null 2>&1 &
PIDS+=($!)
wait_tcp $GARBAGE
start_dynmilter c $MILTER_C "${COMMON[@]}" --history-redis 127.0.0.1:$GARBAGE
"$BIN/dynmilter-web" --listen 127.0.0.1:$WEB_C "${COMMON[@]}" --history-redis 127.0.0.1:$GARBAGE >"$WORK/web-c.log" 2>&1 &
PIDS+=($!)
wait_tcp $WEB_C
start=$(date +%s%N)
out=$("$BIN/raw_milter" "inet:$MILTER_C@127.0.0.1" normal 2>&1)
ms=$((($(date +%s%N) - start) / 1000000))
check "C refuses the listed client, its store answering garbage" "$out" '^normal: O,c,c,c,y'
check "... without waiting for the store (under 1 s)" "$ms" '^[0-9]{1,3}$'
ref_g=$(sed -n 's/.*id=\([2-9a-z]\{10\}\) client=203\.0\.113\.7 .*reject.*/\1/p' "$WORK/c.log" | head -1)
start=$(date +%s%N)
out=$(http $WEB_C GET "/why/$ref_g")
ms=$((($(date +%s%N) - start) / 1000000))
check "the page over a garbage store: not found (404), not a failure" "$out" '^HTTP/1\.[01] 404 .*Not found'
check "... within its timeout (under 2 s)" "$ms" '^[0-9]{1,4}$'
for _ in $(seq 20); do grep -q "history store" "$WORK/c.log" && break; sleep 0.1; done
check "the daemon says the store is broken, once" "$(grep -c 'history store' "$WORK/c.log")" '^1$'
say "1,000 requests from one address (last: they spend its allowance): each answered, nothing else disturbed"
seq 1000 | xargs -P 8 -I{} bash -c 'exec 3<>/dev/tcp/127.0.0.1/'$WEB' && printf "GET /why/2222222222 HTTP/1.0\r\n\r\n" >&3 &&
  head -1 <&3 | cut -d" " -f2' >"$WORK/burst.out" 2>/dev/null || true
check "1,000 answers, each a 404 or a 429" "$(sort "$WORK/burst.out" | uniq -c | tr -s ' \n' ' ')" '^ ?[0-9]+ 404 [0-9]+ 429 $'
check "... all of them" "$(grep -cE '^(404|429)$' "$WORK/burst.out")" '^1000$'
out=$(swaks --server 127.0.0.1:$SMTP_PORT --xclient "ADDR=203.0.113.7 NAME=dsl-203-0-113-7.pool.isp1.test" \
  --from sender@client.example --to user@example.org --quit-after RCPT --timeout 20 2>&1 || true)
check "... and mail goes on as before" "$out" '<\*\* +550 5\.7\.1 Your IP address 203\.0\.113\.7'

check "the daemons and the pages are alive" \
  "$(kill -0 "${DAEMON_PID[a]}" "${DAEMON_PID[b]}" 2>&1 && echo alive)" '^alive$'
finish
