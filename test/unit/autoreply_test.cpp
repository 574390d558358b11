// dynmilter-autoreply's pure parts: header parsing, RFC 3834's "do not answer" rules, the
// connecting address from our own Received field, the once-per-interval state, the reply.
#include "autoreply/address.hpp"
#include "autoreply/autoreply.hpp"
#include "autoreply/reply_store.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

using namespace dyn;

namespace {
const char* kPostfix =
    "Return-Path: <sender@client.example>\r\n"
    "Received: from inner.mx.test.example (inner.mx.test.example [10.0.0.2])\r\n"
    "\tby outer.mx.test.example (Postfix) with ESMTP id 1; Tue,  1 Dec 2026 06:00:01 +0000\r\n"
    "Received: from helo.client.example (dsl-203-0-113-7.pool.example [203.0.113.7])\r\n"
    "\tby inner.mx.test.example (Postfix) with ESMTP id 2 for <help@example.org>; Tue,  1 Dec 2026 06:00:00 +0000\r\n"
    "Received: from [192.168.1.5] (unknown [192.168.1.5]) by helo.client.example; Tue,  1 Dec 2026 05:59:59 +0000\r\n"
    "Subject: let me in\r\n"
    "Message-ID: <m1@client.example>\r\n"
    "\r\n"
    "Received: from body.example (body [198.51.100.1]) by inner.mx.test.example\r\n";
}  // namespace

TEST_CASE("autoreply: header fields, folded lines, the body left alone", "[autoreply]") {
  const auto m = autoreply::parse_header(kPostfix);
  CHECK(m.get("subject") == "let me in");
  CHECK(m.all("Received").size() == 3);
  CHECK(m.all("Received")[0] ==
        "from inner.mx.test.example (inner.mx.test.example [10.0.0.2]) by outer.mx.test.example (Postfix) with ESMTP "
        "id 1; Tue,  1 Dec 2026 06:00:01 +0000");
  CHECK_FALSE(m.get("X-Absent"));
}

TEST_CASE("autoreply: the connecting address is in the Received field our own MTA added", "[autoreply]") {
  const auto m = autoreply::parse_header(kPostfix);
  CHECK(autoreply::connecting_address(m, {"inner.mx.test.example"}) == net::IpAddress::parse("203.0.113.7"));
  CHECK(autoreply::connecting_address(m, {"OUTER.mx.test.example"}) == net::IpAddress::parse("10.0.0.2"));
  CHECK(autoreply::connecting_address(m, {}) == net::IpAddress::parse("10.0.0.2"));  // the topmost
  CHECK_FALSE(autoreply::connecting_address(m, {"elsewhere.example"}));
  // Sendmail's form, IPv6, and "may be forged".
  const auto s = autoreply::parse_header(
      "Received: from helo ([IPv6:2001:db8::7]) by mx.test.example (8.17.1/8.17.1) with ESMTP id X\n"
      "Received: from h (dsl.example [192.0.2.8] (may be forged)) by mx2.test.example (8.17.1) id Y\n\n");
  CHECK(autoreply::connecting_address(s, {"mx.test.example"}) == net::IpAddress::parse("2001:db8::7"));
  CHECK(autoreply::connecting_address(s, {"mx2.test.example"}) == net::IpAddress::parse("192.0.2.8"));
  CHECK_FALSE(autoreply::connecting_address(autoreply::parse_header("Subject: no trace\n\n"), {}));
  CHECK_FALSE(autoreply::connecting_address(autoreply::parse_header("Received: from x (y [not-an-ip]) by mx\n\n"), {}));
}

TEST_CASE("autoreply: RFC 3834, never to bounces, automatic mail, lists or mailers", "[autoreply]") {
  const auto plain = autoreply::parse_header("Subject: hi\n\n");
  CHECK(autoreply::reason_not_to_reply("sender@client.example", plain).empty());
  CHECK(autoreply::reason_not_to_reply("<Sender@Client.example>", plain).empty());
  CHECK(autoreply::reason_not_to_reply("", plain) == "the null sender (a bounce)");
  CHECK(autoreply::reason_not_to_reply("<>", plain) == "the null sender (a bounce)");
  CHECK(autoreply::reason_not_to_reply("MAILER-DAEMON", plain) ==
        "the null sender (a bounce)");  // Postfix pipe's ${sender}
  CHECK(autoreply::reason_not_to_reply("MAILER-DAEMON@x.example", plain).find("mailer") != std::string::npos);
  CHECK_FALSE(autoreply::reason_not_to_reply("owner-list@x.example", plain).empty());
  CHECK_FALSE(autoreply::reason_not_to_reply("list-request@x.example", plain).empty());
  CHECK_FALSE(autoreply::reason_not_to_reply("nobody", plain).empty());
  CHECK(autoreply::reason_not_to_reply("a@b.example", autoreply::parse_header("Auto-Submitted: auto-replied\n\n")) ==
        "Auto-Submitted: auto-replied");
  CHECK(autoreply::reason_not_to_reply("a@b.example", autoreply::parse_header("Auto-Submitted: no\n\n")).empty());
  CHECK(autoreply::reason_not_to_reply("a@b.example", autoreply::parse_header("List-Id: <l.example>\n\n")) ==
        "list mail (List-Id)");
  CHECK(autoreply::reason_not_to_reply("a@b.example", autoreply::parse_header("Precedence: Bulk\n\n")) ==
        "Precedence: bulk");
  // Each row of the table in dynmilter-autoreply(8).
  const auto h = [](const char* text) { return autoreply::parse_header(text); };
  CHECK_FALSE(
      autoreply::reason_not_to_reply("a@b.example", h("Auto-Submitted: no\nAuto-Submitted: auto-replied\n\n")).empty());
  CHECK(autoreply::reason_not_to_reply("a@b.example", h("Precedence: auto_reply\n\n")) == "Precedence: auto_reply");
  CHECK(autoreply::reason_not_to_reply("a@b.example", h("X-Auto-Response-Suppress: All\n\n")) ==
        "X-Auto-Response-Suppress: All");
  CHECK(autoreply::reason_not_to_reply("a@b.example", h("X-Auto-Response-Suppress: None\n\n")).empty());
  for (const char* f : {"X-Autoreply: yes", "X-Autorespond: x", "X-Autogenerated: Reply", "X-AutoReply-From: a@b"})
    CHECK(autoreply::reason_not_to_reply("a@b.example", h((std::string(f) + "\n\n").c_str())).find("automatic mail") ==
          0);
  for (const char* addr : {"noreply@x.example", "no-reply@x.example", "do-not-reply@x.example", "DoNotReply@x.example",
                           "alerts-noreply@x.example", "no_reply@x.example"})
    CHECK(autoreply::reason_not_to_reply(addr, plain).find("do-not-reply") != std::string::npos);
  CHECK(autoreply::reason_not_to_reply("prvs=1234abcd=user@x.example", plain).find("BATV") != std::string::npos);
  CHECK(autoreply::reason_not_to_reply("SRS0=HHH=TT=orig.example=user@fwd.example", plain).find("SRS") !=
        std::string::npos);
  CHECK(autoreply::reason_not_to_reply("bounces+123@x.example", plain).find("bounce") != std::string::npos);
  CHECK(autoreply::reason_not_to_reply("news-bounces@x.example", plain).find("list") != std::string::npos);
  CHECK(autoreply::reason_not_to_reply("-oQ/tmp@x.example", plain) == "the sender is not one plain address");
  CHECK(autoreply::reason_not_to_reply("jane.doe@smallbiz.example", plain).empty());
}

TEST_CASE("autoreply: one reply per sender per interval, counted by address in one spelling, kept in SQLite",
          "[autoreply]") {
  char d[] = "/tmp/dynarXXXXXX";
  REQUIRE(::mkdtemp(d));
  const std::string dir = d, path = dir + "/state.db";
  const auto key = autoreply::rate_key(*autoreply::reply_address("<A+news@Client.EXAMPLE>"));
  CHECK(key == "a@client.example");
  CHECK(autoreply::rate_key("a@client.example") == key);
  {
    autoreply::ReplyStore store(path);
    auto turn = store.begin();
    CHECK(turn.may_reply(key, 1000, 86400, nullptr));
    turn.record(key, 1000);
  }
  autoreply::ReplyStore store(path);
  {
    auto turn = store.begin();
    CHECK_FALSE(turn.may_reply(key, 1000 + 3600, 86400, nullptr));  // within the interval
  }
  {
    auto turn = store.begin();
    CHECK(turn.may_reply("e@f.example", 5000, 86400, nullptr));
    // not recorded (sendmail failed): the turn is abandoned, the next message may try again
  }
  {
    auto turn = store.begin();
    CHECK(turn.may_reply("e@f.example", 5001, 86400, nullptr));
  }
  {
    auto turn = store.begin();
    CHECK(turn.may_reply(key, 1000 + 86400, 86400, nullptr));  // the interval is over
    turn.record(key, 1000 + 86400);
  }
  {
    auto turn = store.begin();
    CHECK_FALSE(turn.may_reply(key, 1000 + 86401, 86400, nullptr));
  }
  {
    auto turn = store.begin();  // two days on, a turn deletes what is past the interval
    CHECK(turn.may_reply("h@x.example", 1000 + 3 * 86400, 86400, nullptr));
    turn.record("h@x.example", 1000 + 3 * 86400);
  }
  CHECK(store.size() == 1);

  SECTION("an entry dated in the future, or not a time, is ignored with a note") {
    {
      auto turn = store.begin();
      turn.record("f@x.example", 9'000'000'000);
    }
    std::string note;
    auto turn = store.begin();
    CHECK(turn.may_reply("f@x.example", 2000, 86400, &note));
    CHECK(note.find("dated in the future") != std::string::npos);
  }
  SECTION("concurrent runs take turns: one holds the lock, the other waits for it") {
    auto first = store.begin();
    CHECK(first.may_reply("g@x.example", 3000, 86400, nullptr));
    std::atomic<bool> second_decided{false};
    bool second_may = true;
    std::thread other([&] {
      autoreply::ReplyStore again(path);
      auto t = again.begin();  // waits until `first` is recorded
      second_may = t.may_reply("g@x.example", 3001, 86400, nullptr);
      second_decided = true;
    });
    std::this_thread::sleep_for(std::chrono::milliseconds(200));
    CHECK_FALSE(second_decided.load());
    first.record("g@x.example", 3000);
    other.join();
    CHECK_FALSE(second_may);  // one reply for the sender, however many messages came together
  }
  SECTION("a file that is no such database is said to be so, never replaced") {
    std::ofstream(dir + "/old") << "a@b.example\t1000\n";
    try {
      autoreply::ReplyStore old(dir + "/old");
      FAIL("a text file opened as a reply database");
    } catch (const autoreply::StoreError& e) {
      CHECK(std::string(e.what()).find("is not a reply database") != std::string::npos);
    }
    std::ifstream in(dir + "/old");
    std::string line;
    std::getline(in, line);
    CHECK(line == "a@b.example\t1000");
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("autoreply: the recipient is one plain address, passed to sendmail as an argument", "[autoreply]") {
  CHECK(autoreply::reply_address("<Sender@Client.example>") == "Sender@Client.example");
  CHECK(autoreply::reply_address(" a@b.example ") == "a@b.example");
  for (const char* bad : {"", "<>", "a", "@b.example", "a@", "-f@evil.example", "-oQ/tmp@x", "a b@c.example",
                          "a@b.example, victim@c.example", "a@b.example\nBcc: v@c.example", "a@b@c.example",
                          "a@b..example", "<a@b.example>>", "a@b.example;c", "\"unclosed@b.example"})
    CHECK_FALSE(autoreply::reply_address(bad));
  CHECK(autoreply::reply_address("\"odd@local\"@b.example"));  // a quoted local part may hold an @
}

TEST_CASE("autoreply: the reply carries RFC 3834's fields and answers the message", "[autoreply]") {
  const auto original =
      autoreply::parse_header("Subject: let me in\nMessage-ID: <m1@c.example>\nReferences: <m0@c.example>\n\n");
  const auto body =
      autoreply::render("ip {ip}, {unknown} stays, {domain}.", {{"ip", "203.0.113.7"}, {"domain", "c.example"}});
  CHECK(body == "ip 203.0.113.7, {unknown} stays, c.example.");
  const auto reply = autoreply::compose("help@example.org", "sender@c.example\r\nBcc: x@y", original, body);
  CHECK(reply.find("From: help@example.org\nTo: sender@c.example  Bcc: x@y\nSubject: Auto: let me in\n") == 0);
  CHECK(reply.find("\nAuto-Submitted: auto-replied\n") != std::string::npos);
  CHECK(reply.find("\nIn-Reply-To: <m1@c.example>\nReferences: <m0@c.example> <m1@c.example>\n") != std::string::npos);
  CHECK(reply.substr(reply.size() - body.size()) == body);
}

TEST_CASE("autoreply: the reference the sender quotes is the one quoted back, never a new one", "[autoreply]") {
  CHECK(autoreply::quoted_reference("Subject: x\n\n> 550 5.7.1 ... Mail to help@example.org reaches a person; quote "
                                    "reference 7kq2mhx9vd.\n") == "7kq2mhx9vd");
  CHECK(autoreply::quoted_reference("my Reference: 7KQ2MHX9VD please") == "7kq2mhx9vd");
  CHECK(autoreply::quoted_reference("no reference here").empty());
  CHECK(autoreply::quoted_reference("reference 7kq2mhx9vd0 (too long)").empty());
  CHECK(autoreply::quoted_reference("reference 1lo0iabcde (not our alphabet)").empty());
  CHECK(autoreply::quoted_reference("reference then later reference 23456789ab").empty() == false);
}
