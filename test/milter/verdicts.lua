-- miltertest script: drives the running dynmilter over the milter protocol, as an MTA would.
-- Globals from the runner (-D): MILTER (socket), EXPECT_LISTED ("yes"/"no"), DEAD_DNS ("yes" when
-- the milter's DNS server is dead).

local function open()
  local conn = mt.connect(MILTER, 20, 0.1)
  if conn == nil then error("cannot connect to " .. MILTER) end
  return conn
end

-- One SMTP session: returns the milter's reply to each recipient, in order.
local function session(host, ip, rcpts)
  local conn = open()
  if mt.conninfo(conn, host, ip) ~= nil then error("conninfo failed") end
  if mt.getreply(conn) ~= SMFIR_CONTINUE then error("CONNECT must always continue (verdict comes at RCPT)") end
  if mt.mailfrom(conn, "<sender@client.example>") ~= nil then error("mailfrom failed") end
  if mt.getreply(conn) ~= SMFIR_CONTINUE then error("MAIL must continue") end
  local replies = {}
  for i, r in ipairs(rcpts) do
    if mt.rcptto(conn, r) ~= nil then error("rcptto failed") end
    replies[i] = mt.getreply(conn)
  end
  mt.disconnect(conn)
  return replies
end

local failures = 0
local function expect(name, got, want)
  if got == want then
    mt.echo("ok: " .. name)
  else
    mt.echo("FAILED: " .. name .. " (got " .. tostring(got) .. ", want " .. tostring(want) .. ")")
    failures = failures + 1
  end
end

local listed = (EXPECT_LISTED == "yes")
-- Names carry no reverse-DNS signal here: these sessions are about the lists.
local r = session("h7.example.net", "203.0.113.7",
                  {"<user@example.org>", "<postmaster@example.org>", "<Abuse@example.org>", "<other@example.org>"})
expect("listed client, ordinary recipient", r[1], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)
expect("listed client, postmaster", r[2], SMFIR_CONTINUE)
expect("listed client, abuse", r[3], SMFIR_CONTINUE)
expect("listed client, second ordinary recipient reuses the verdict", r[4], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)

r = session("h23.example.net", "198.51.100.23", {"<user@example.org>"})
expect("second listed range (code 127.0.0.11)", r[1], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)

r = session("mx.example.com", "192.0.2.55", {"<user@example.org>"})
expect("unlisted client", r[1], SMFIR_CONTINUE)

r = session("mx.example.com", "192.0.2.200", {"<user@example.org>"})
expect("client listed only with a code outside the filter", r[1], SMFIR_CONTINUE)

r = session("h6.example.net", "2001:db8:d::25", {"<user@example.org>"})
expect("listed IPv6 client (nibble query)", r[1], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)

r = session("localhost", "127.0.0.1", {"<user@example.org>"})
expect("loopback is exempt", r[1], SMFIR_CONTINUE)

r = session("unknown", "unspec", {"<user@example.org>"})
expect("no client address (unknown protocol family)", r[1], SMFIR_CONTINUE)

r = session("evil\r\n250 ok %s%n", "203.0.113.9", {"<user@example.org>"})
expect("hostile host name does not break the reply", r[1], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)

-- Reverse DNS, whatever the lists say: the MTA's own result in {client_resolve}, and the name.
local function session_with(macros, host, ip)
  local conn = open()
  mt.macro(conn, SMFIC_CONNECT, (table.unpack or unpack)(macros))
  if mt.conninfo(conn, host, ip) ~= nil then error("conninfo failed") end
  mt.getreply(conn)
  mt.mailfrom(conn, "<sender@client.example>")
  mt.getreply(conn)
  mt.rcptto(conn, "<user@example.org>")
  local reply = mt.getreply(conn)
  mt.disconnect(conn)
  return reply
end
-- The MTA's FAIL is a hint: refused only where dynmilter's own lookup finds no PTR either (its
-- DNS world answers NXDOMAIN for 192.0.2.60); with the DNS dead, nothing counts.
expect("no PTR (client_resolve FAIL) is refused", session_with({"{client_resolve}", "FAIL", "{client_name}", "unknown"}, "[192.0.2.60]", "192.0.2.60"),
       DEAD_DNS == "yes" and SMFIR_CONTINUE or SMFIR_REPLYCODE)
expect("a temporary rDNS failure (TEMP) is not held against the client", session_with({"{client_resolve}", "TEMP", "{client_name}", "unknown"}, "[192.0.2.61]", "192.0.2.61"), SMFIR_CONTINUE)
expect("a generic name with the address in it is refused", session_with({"{client_resolve}", "OK", "{client_name}", "dsl-192-0-2-62.pool.isp.example"}, "dsl-192-0-2-62.pool.isp.example", "192.0.2.62"), SMFIR_REPLYCODE)
expect("a mail server's name is accepted", session_with({"{client_resolve}", "OK", "{client_name}", "mail.example.net"}, "mail.example.net", "192.0.2.63"), SMFIR_CONTINUE)
expect("with no macros, the CONNECT host name is judged", session("cpe-192-0-2-64.cable.example", "192.0.2.64", {"<user@example.org>"})[1], SMFIR_REPLYCODE)

-- An authenticated sender ({auth_authen} at MAIL) is never refused, whatever its address.
do
  local conn = open()
  mt.conninfo(conn, "h7.example.net", "203.0.113.7")
  mt.getreply(conn)
  -- HELO first, as an MTA sends it: miltertest would otherwise send it after this macro, and
  -- libmilter drops a later stage's macros when an earlier stage's command arrives.
  mt.helo(conn, "h7.example.net")
  mt.getreply(conn)
  mt.macro(conn, SMFIC_MAIL, "{auth_authen}", "alice")
  mt.mailfrom(conn, "<alice@example.org>")
  mt.getreply(conn)
  mt.rcptto(conn, "<user@example.org>")
  expect("authenticated sender from a listed address", mt.getreply(conn), SMFIR_CONTINUE)
  mt.disconnect(conn)
end

-- A session that disconnects before RCPT: its lookups finish in the background, harmlessly.
local conn = open()
mt.conninfo(conn, "gone.example", "203.0.113.50")
mt.disconnect(conn)

if failures > 0 then error(failures .. " milter check(s) failed") end
