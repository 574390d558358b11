// dynmilter-autoreply's pure parts: header parsing, RFC 3834's "do not answer" rules, the
// connecting address from our own Received field, the once-per-interval state, the reply.
#include "autoreply/autoreply.hpp"

#include <catch2/catch.hpp>

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
}

TEST_CASE("autoreply: one reply per sender per interval, whatever the case of the address", "[autoreply]") {
  auto times = autoreply::parse_times("a@b.example\t1000\nbroken line\nc@d.example\tnot-a-number\n");
  CHECK(times.size() == 1);
  CHECK_FALSE(autoreply::take_turn(times, "A@B.example", 1000 + 3600, 86400));
  CHECK(autoreply::take_turn(times, "e@f.example", 5000, 86400));
  CHECK_FALSE(autoreply::take_turn(times, "e@f.example", 5001, 86400));
  CHECK(autoreply::take_turn(times, "a@b.example", 1000 + 86400, 86400));  // the interval is over
  CHECK(autoreply::parse_times(autoreply::format_times(times)) == times);
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
