// dynmilter-replay's pure parts: mail log lines (Postfix and Sendmail, as they write them) into
// clients, and clients with verdicts into the report.
#include "options/options.hpp"
#include "policy/policy.hpp"
#include "replay/report.hpp"

#include <catch2/catch.hpp>
#include <fmt/format.h>

using namespace dyn;

namespace {
replay::MailLog read(std::initializer_list<std::string_view> lines) {
  replay::MailLog log;
  for (const auto l : lines) log.add_line(l);
  return log;
}
const replay::Client* find(const replay::MailLog& log, std::string_view address) {
  for (const auto& c : log.clients())
    if (c.ip.to_string() == address) return &c;
  return nullptr;
}
}  // namespace

TEST_CASE("Postfix: clients, their reverse DNS, logins, refusals and deliveries", "[replay]") {
  const auto log = read({
      "Dec  1 06:30:58 mx postfix/smtpd[10]: warning: hostname dsl-1.isp.example does not resolve to address "
      "192.0.2.1: Name or service not known",
      "Dec  1 06:30:58 mx postfix/smtpd[10]: connect from unknown[192.0.2.1]",
      "Dec  1 06:30:58 mx postfix/smtpd[10]: NOQUEUE: milter-reject: RCPT from unknown[192.0.2.1]: 550 5.7.1 Your IP "
      "address 192.0.2.1 appears to be dynamically assigned; from=<a@b> to=<c@d> proto=ESMTP helo=<x>",
      "Dec  1 06:30:58 mx postfix/smtpd[10]: disconnect from unknown[192.0.2.1] ehlo=1 mail=1 rcpt=0/1 quit=1 "
      "commands=3/4",
      "2026-12-01T06:31:00.123456+00:00 mx postfix/submission/smtpd[11]: connect from laptop.example[2001:db8::5]",
      "2026-12-01T06:31:00.223456+00:00 mx postfix/submission/smtpd[11]: 4AbCdEfGhIjK: "
      "client=laptop.example[2001:db8::5], sasl_method=PLAIN, sasl_username=bob",
      "2026-12-01T06:31:01.000000+00:00 mx postfix/lmtp[12]: 4AbCdEfGhIjK: to=<c@d>, relay=mda[private/dovecot-lmtp], "
      "delay=0.2, dsn=2.0.0, status=sent (250 2.0.0 Ok)",
      "2026-12-01T06:31:01.000000+00:00 mx postfix/qmgr[13]: 4AbCdEfGhIjK: removed",
      "Dec  1 06:32:00 mx postfix/smtpd[10]: connect from unknown[198.51.100.9]",
      "Dec  1 06:32:00 mx postfix/smtpd[10]: NOQUEUE: reject: RCPT from unknown[198.51.100.9]: 450 4.7.25 Client host "
      "rejected: cannot find your hostname; from=<a@b>",
      "Dec  1 06:32:01 mx postfix/smtpd[10]: NOQUEUE: milter-reject: RCPT from unknown[198.51.100.9]: 451 4.7.1 try "
      "later; from=<a@b>",
      "Dec  1 06:32:02 mx dovecot[14]: imap-login: Login: user=<bob>",
      "Dec  1 06:32:03 mx postfix/smtpd[10]: connect from broken[",
  });
  REQUIRE(log.clients().size() == 3);
  const auto* forged = find(log, "192.0.2.1");
  REQUIRE(forged);
  CHECK(forged->rdns.status == rdns::RdnsStatus::Forged);
  CHECK(forged->rdns.name == "dsl-1.isp.example");
  CHECK(forged->milter_refused);
  CHECK_FALSE(forged->rcpt_accepted);
  const auto* laptop = find(log, "2001:db8::5");
  REQUIRE(laptop);
  CHECK(laptop->rdns.status == rdns::RdnsStatus::Ok);
  CHECK(laptop->authenticated);
  CHECK(laptop->auth_user == "bob");
  CHECK(laptop->delivered);
  const auto* noptr = find(log, "198.51.100.9");
  REQUIRE(noptr);
  CHECK(noptr->rdns.status == rdns::RdnsStatus::NoPtr);
  CHECK(noptr->mta_refused);
  CHECK(noptr->milter_deferred);
  CHECK_FALSE(noptr->milter_refused);
  CHECK(log.counts().lines == 13);
  CHECK(log.counts().other == 1);
  CHECK(log.counts().malformed == 1);
}

TEST_CASE("Postfix: XCLIENT changes the session's client, the same client twice is one", "[replay]") {
  const auto log = read({
      "Dec 01 06:30:58 mx postfix/smtpd[20]: connect from localhost[127.0.0.1]",
      "Dec 01 06:30:58 mx postfix/smtpd[20]: NOQUEUE: milter-reject: RCPT from "
      "dsl-203-0-113-7.pool.example[203.0.113.7]: 550 5.7.1 no",
      "Dec 01 06:30:58 mx postfix/smtpd[20]: disconnect from dsl-203-0-113-7.pool.example[203.0.113.7] ehlo=2 "
      "xclient=0/1 mail=1 rcpt=0/1 quit=1 commands=4/6",
      "Dec 01 06:30:59 mx postfix/smtpd[20]: connect from localhost[127.0.0.1]",
      "Dec 01 06:30:59 mx postfix/smtpd[20]: 5F53CA7A0D5: client=cable-23.example[198.51.100.23]",
      "Dec 01 06:30:59 mx postfix/smtpd[20]: disconnect from cable-23.example[198.51.100.23] ehlo=2 xclient=0/1 mail=1 "
      "rcpt=1/2 quit=1 commands=5/7",
      "Dec 01 06:31:00 mx postfix/smtpd[21]: connect from localhost[127.0.0.1]",
  });
  REQUIRE(log.clients().size() == 3);
  CHECK(find(log, "127.0.0.1")->sessions == 3);
  CHECK(find(log, "203.0.113.7")->milter_refused);
  CHECK(find(log, "198.51.100.23")->rcpt_accepted);
  CHECK(find(log, "203.0.113.7")->rdns.status == rdns::RdnsStatus::Ok);
}

TEST_CASE("Sendmail: relay=, forged names, AUTH, milter rejects before the from= line", "[replay]") {
  const auto log = read({
      "Dec  1 06:34:07 sm-mta[210]: NOQUEUE: connect from [127.0.0.2]",
      "Dec  1 06:34:07 sm-mta[210]: 6B16Y7es027210: Milter: to=<user@example.org>, reject=550 5.7.1 Your IP address",
      "Dec  1 06:34:07 sm-mta[210]: 6B16Y7es027210: from=<s@c.example>, size=0, class=0, nrcpts=0, proto=ESMTP, "
      "daemon=MTA, relay=[127.0.0.2]",
      // No connect line at a lower LogLevel: the client comes with from=, after the refusal.
      "Dec  1 06:35:00 mx sm-mta[211]: 6B16Z0aa027211: Milter: to=<user@example.org>, reject=451 4.7.1 later",
      "Dec  1 06:35:00 mx sm-mta[211]: 6B16Z0aa027211: from=<s@c.example>, size=0, class=0, nrcpts=0, proto=ESMTP, "
      "daemon=MTA, relay=dsl.isp.example [IPv6:2001:db8::9] (may be forged)",
      "Dec  1 06:36:00 mx sm-mta[212]: AUTH=server, relay=mail.example.net [192.0.2.60], authid=alice, mech=PLAIN, "
      "bits=0",
      "Dec  1 06:36:00 mx sm-mta[212]: 6B16a0bb027212: from=<a@example.net>, size=300, class=0, nrcpts=1, msgid=<x@y>, "
      "proto=ESMTPA, daemon=MTA, relay=mail.example.net [192.0.2.60]",
      "Dec  1 06:36:01 mx sm-mta[213]: 6B16a0bb027212: to=<c@d>, delay=00:00:01, xdelay=00:00:01, mailer=local, "
      "pri=30300, dsn=2.0.0, stat=Sent",
  });
  REQUIRE(log.clients().size() == 3);
  const auto* two = find(log, "127.0.0.2");
  REQUIRE(two);
  CHECK(two->rdns.status == rdns::RdnsStatus::NoPtr);
  CHECK(two->milter_refused);
  const auto* v6 = find(log, "2001:db8::9");
  REQUIRE(v6);
  CHECK(v6->rdns.status == rdns::RdnsStatus::Forged);
  CHECK(v6->rdns.name == "dsl.isp.example");
  CHECK(v6->milter_deferred);
  const auto* mail = find(log, "192.0.2.60");
  REQUIRE(mail);
  CHECK(mail->authenticated);
  CHECK(mail->auth_user == "alice");
  CHECK(mail->rcpt_accepted);
  CHECK(mail->delivered);
}

TEST_CASE("replay: memory stays bounded by the caps, whatever the log", "[replay]") {
  replay::MailLog log;
  for (int i = 0; i < 150'000; ++i)  // sessions that never end
    log.add_line("Dec  1 06:34:07 mx postfix/smtpd[" + std::to_string(i) +
                 "]: warning: 192.0.2.1: hostname x verification failed: Temporary failure");
  CHECK(log.counts().forgotten == replay::MailLog::kMaxSessions);
  CHECK(log.clients().empty());
  // Queue ids of mail refused in the session (no "removed" line follows) end with the session;
  // those cleanup took end at "removed".
  replay::MailLog busy;
  for (int i = 0; i < 20'000; ++i) {
    const std::string pid = std::to_string(i % 50), qid = fmt::format("{:X}", 0x10000000 + i);
    busy.add_line("Dec  1 06:34:07 mx postfix/smtpd[" + pid + "]: connect from unknown[192.0.2.7]");
    busy.add_line("Dec  1 06:34:07 mx postfix/smtpd[" + pid + "]: " + qid + ": client=unknown[192.0.2.7]");
    if (i % 2) {
      busy.add_line("Dec  1 06:34:07 mx postfix/cleanup[9]: " + qid + ": message-id=<" + qid + "@x>");
      busy.add_line("Dec  1 06:34:08 mx postfix/qmgr[9]: " + qid + ": removed");
    }
    busy.add_line("Dec  1 06:34:08 mx postfix/smtpd[" + pid + "]: disconnect from unknown[192.0.2.7] rcpt=0/1");
  }
  CHECK(busy.clients().size() == 1);
  CHECK(busy.sessions_open() == 0);
  CHECK(busy.queue_ids_open() == 0);
  CHECK(busy.counts().forgotten == 0);
}

TEST_CASE("replay report: sources, decisive hits, legitimate refusals, the log compared", "[replay]") {
  auto config = config::default_config();
  config.dnsbls.clear();
  const auto log = read({
      "Dec 01 06:30:58 mx postfix/smtpd[1]: connect from unknown[192.0.2.70]",
      "Dec 01 06:30:58 mx postfix/smtpd[1]: NOQUEUE: milter-reject: RCPT from unknown[192.0.2.70]: 550 5.7.1 no",
      "Dec 01 06:31:58 mx postfix/smtpd[1]: connect from unknown[192.0.2.71]",
      "Dec 01 06:31:58 mx postfix/smtpd[1]: 1234567ABC: client=unknown[192.0.2.71], sasl_method=LOGIN, "
      "sasl_username=carol",
      "Dec 01 06:31:58 mx postfix/smtpd[1]: disconnect from unknown[192.0.2.71] ehlo=1 mail=1 rcpt=1 data=1 commands=4",
      "Dec 01 06:32:58 mx postfix/smtpd[1]: connect from mail.example.net[192.0.2.72]",
      "Dec 01 06:32:58 mx postfix/smtpd[1]: NOQUEUE: milter-reject: RCPT from mail.example.net[192.0.2.72]: 550 5.7.1 "
      "no",
  });
  std::vector<policy::Verdict> verdicts;
  for (const auto& c : log.clients())
    verdicts.push_back(policy::decide(config, policy::ClientFacts{c.ip, c.name, c.rdns}));
  auto report = replay::summarize(log.clients(), verdicts, {*net::Cidr::parse("192.0.2.72/32")});
  CHECK(report.clients() == 3);
  CHECK(report.refused() == 2);
  CHECK(report.sources.at("no-ptr").hits == 2);
  CHECK(report.sources.at("no-ptr").decisive == 2);
  CHECK(report.refused_then == 2);
  CHECK(report.now_accepted == 1);  // mail.example.net: its name alone says nothing now
  CHECK(report.now_refused == 0);   // the logged-in one is not counted as a change
  REQUIRE(report.suspects.size() == 1);
  CHECK(report.suspects[0].evidence == std::vector<std::string>{"authenticated as carol"});
  const auto json = replay::format_json(report, log.clients());
  CHECK(json.find("\"clients\":3,\"refused\":2,") != std::string::npos);
  CHECK(json.find("{\"source\":\"no-ptr\",\"hits\":2,\"decisive\":2,\"examples\":[\"unknown[192.0.2.70]\",\"unknown["
                  "192.0.2.71]\"]}") != std::string::npos);
  std::string csv = replay::csv_header();
  for (std::size_t i = 0; i < verdicts.size(); ++i)
    csv += replay::csv_row(log.clients()[i], verdicts[i], {*net::Cidr::parse("192.0.2.72/32")});
  CHECK(csv.find("\n192.0.2.72,mail.example.net,ok,accept,0,,,no,yes,no,refused\n") != std::string::npos);
  CHECK(csv.find("\n192.0.2.71,unknown,no-ptr,reject,") != std::string::npos);
}

TEST_CASE("mail delivered to postmaster or a bypass address proves nothing about its client", "[replay]") {
  auto config = config::default_config();
  config.bypass = std::make_shared<const std::vector<std::string>>(std::vector<std::string>{"blocked@example.org"});
  auto lines = {
      "Dec  1 06:30:58 mx postfix/smtpd[10]: connect from unknown[192.0.2.7]",
      "Dec  1 06:30:58 mx postfix/smtpd[10]: 3AbCdEfGhIjK: client=unknown[192.0.2.7]",
      "Dec  1 06:30:59 mx postfix/cleanup[11]: 3AbCdEfGhIjK: message-id=<1@x>",
      "Dec  1 06:31:00 mx postfix/local[12]: 3AbCdEfGhIjK: to=<blocked@example.org>, relay=local, delay=1, dsn=2.0.0, "
      "status=sent (delivered to mailbox)",
      "Dec  1 06:31:00 mx postfix/local[12]: 3AbCdEfGhIjK: to=<Postmaster@example.org>, relay=local, delay=1, "
      "dsn=2.0.0, status=sent (delivered to mailbox)",
      "Dec  1 06:31:00 mx postfix/qmgr[13]: 3AbCdEfGhIjK: removed",
      "Dec  1 06:32:00 mx sm-mta[20]: 4B1Ab0Cd000123: from=<a@b>, size=1, nrcpts=1, proto=ESMTP, relay=[192.0.2.8]",
      "Dec  1 06:32:01 mx sm-mta[21]: 4B1Ab0Cd000123: to=<abuse@example.org>, delay=00:00:01, mailer=local, stat=Sent",
  };
  replay::MailLog plain, filtered;
  filtered.set_exempt_recipient([&](std::string_view r) { return !policy::exempt_recipient(config, r).empty(); });
  for (const auto l : lines) {
    plain.add_line(l);
    filtered.add_line(l);
  }
  REQUIRE(find(plain, "192.0.2.7"));
  CHECK(find(plain, "192.0.2.7")->delivered);  // without the daemon's exemptions: "legitimate"
  REQUIRE(find(filtered, "192.0.2.7"));
  CHECK_FALSE(find(filtered, "192.0.2.7")->delivered);
  REQUIRE(find(filtered, "192.0.2.8"));
  CHECK_FALSE(find(filtered, "192.0.2.8")->delivered);
  CHECK(find(plain, "192.0.2.8")->delivered);
}

TEST_CASE("dynmilter's own verdict lines: the client, the lists that listed it, the days seen", "[replay]") {
  replay::MailLog log;
  log.add_line("Dec  1 10:00:00 mx postfix/smtpd[7]: connect from dsl-1-2-3-4.isp.example[192.0.2.4]");
  log.add_line(
      "Dec  1 10:00:01 mx dynmilter[9]: id=7kq2mhx9vd client=192.0.2.4 name=dsl-1-2-3-4.isp.example "
      "list=\"Spamhaus PBL\":listed(127.0.0.10) list=dnswl.test:not-listed rdns=ok score=3 action=reject "
      "decisive=\"Spamhaus PBL\" elapsed=1.0ms waited=0.9ms");
  log.add_line(
      "Dec  2 10:00:00 mx dynmilter[9]: id=2222222222 client=192.0.2.9 name=- list=pbl.test:listed(127.0.0.11) "
      "score=3 action=reject");
  log.add_line("Dec  3 10:00:00 mx dynmilter[9]: dynmilter 0.1.0 starting: lists=[pbl.test]");  // not a verdict
  log.add_line("Dec  3 10:00:00 mx dynmilter[9]: id=x client=not-an-address name=a action=accept");
  REQUIRE(log.clients().size() == 2);
  const auto& a = log.clients()[0];
  CHECK(a.name == "dsl-1-2-3-4.isp.example");  // the same client as Postfix's line
  CHECK(a.listed_by == std::vector<std::string>{"Spamhaus PBL"});
  CHECK(a.first_seen == "Dec  1");
  CHECK(a.days == 1);
  const auto& b = log.clients()[1];
  CHECK(b.name == "unknown");
  CHECK(b.listed_by == std::vector<std::string>{"pbl.test"});
  CHECK(b.last_seen == "Dec  2");
  CHECK(log.counts().verdicts == 2);
  CHECK(log.counts().malformed == 1);
}
