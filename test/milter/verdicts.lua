-- miltertest script: drives the running dynmilter over the milter protocol, as an MTA would.
-- Globals from the runner (-D): MILTER (socket), EXPECT_LISTED ("yes"/"no").

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
local r = session("dsl-203-0-113-7.pool.example", "203.0.113.7",
                  {"<user@example.org>", "<postmaster@example.org>", "<Abuse@example.org>", "<other@example.org>"})
expect("listed client, ordinary recipient", r[1], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)
expect("listed client, postmaster", r[2], SMFIR_CONTINUE)
expect("listed client, abuse", r[3], SMFIR_CONTINUE)
expect("listed client, second ordinary recipient reuses the verdict", r[4], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)

r = session("cable-198-51-100-23.example", "198.51.100.23", {"<user@example.org>"})
expect("second listed range (code 127.0.0.11)", r[1], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)

r = session("mx.example.com", "192.0.2.55", {"<user@example.org>"})
expect("unlisted client", r[1], SMFIR_CONTINUE)

r = session("mx.example.com", "192.0.2.200", {"<user@example.org>"})
expect("client listed only with a code outside the filter", r[1], SMFIR_CONTINUE)

r = session("v6.pool.example", "2001:db8:d::25", {"<user@example.org>"})
expect("listed IPv6 client (nibble query)", r[1], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)

r = session("localhost", "127.0.0.1", {"<user@example.org>"})
expect("loopback is exempt", r[1], SMFIR_CONTINUE)

r = session("unknown", "unspec", {"<user@example.org>"})
expect("no client address (unknown protocol family)", r[1], SMFIR_CONTINUE)

r = session("evil\r\n250 ok %s%n", "203.0.113.9", {"<user@example.org>"})
expect("hostile host name does not break the reply", r[1], listed and SMFIR_REPLYCODE or SMFIR_CONTINUE)

-- A session that disconnects before RCPT: its lookups finish in the background, harmlessly.
local conn = open()
mt.conninfo(conn, "gone.example", "203.0.113.50")
mt.disconnect(conn)

if failures > 0 then error(failures .. " milter check(s) failed") end
