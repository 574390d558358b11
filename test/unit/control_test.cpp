// The control socket's pure parts: its command lines and the history of recent verdicts.
#include "control/command.hpp"
#include "control/history.hpp"

#include <catch2/catch.hpp>

using namespace dyn;

TEST_CASE("control commands: each verb, its argument, --json, anything else an error", "[control]") {
  std::string why;
  auto c = control::parse_command("why 7KQ2MHX9VD", &why);
  REQUIRE(c);
  CHECK(c->verb == control::Command::Verb::Why);
  CHECK(c->arg == "7kq2mhx9vd");
  c = control::parse_command("  why 203.0.113.7 --json\r", &why);
  REQUIRE(c);
  CHECK(c->arg == "203.0.113.7");
  CHECK(c->json);
  CHECK(control::parse_command("flush", &why)->arg.empty());
  CHECK(control::parse_command("flush 2001:db8::1", &why)->arg == "2001:db8::1");
  for (const char* ok : {"lists", "stats", "reload", "help", "lists --json"}) CHECK(control::parse_command(ok, &why));
  for (const char* bad : {"", "   ", "bogus", "why", "why a b", "why not-a-ref", "why 1lo0iabcde", "flush example.org",
                          "lists extra", "reload now", "why 203.0.113.7\x01", "stats \xff"}) {
    INFO(bad);
    CHECK_FALSE(control::parse_command(bad, &why));
    CHECK_FALSE(why.empty());
  }
  CHECK_FALSE(control::parse_command(std::string(600, 'x'), &why));
  CHECK(why.find("longer than 512") != std::string::npos);
  CHECK(control::error_reply("a\x01"
                             "b") == "error: a?b\n");
}

TEST_CASE("history: the last N verdicts, by reference and by address, newest first", "[control]") {
  control::History h(3);
  auto record = [](const char* id, const char* ip, std::int64_t t) {
    control::Record r;
    r.time = t;
    r.facts.id = id;
    r.facts.ip = net::IpAddress::parse(ip);
    return r;
  };
  h.add(record("aaaaaaaaaa", "192.0.2.1", 1));
  h.add(record("bbbbbbbbbb", "192.0.2.2", 2));
  h.add(record("cccccccccc", "192.0.2.1", 3));
  CHECK(h.by_id("bbbbbbbbbb")->time == 2);
  const auto mine = h.by_client(*net::IpAddress::parse("192.0.2.1"), 10);
  REQUIRE(mine.size() == 2);
  CHECK(mine[0].facts.id == "cccccccccc");      // newest first
  h.add(record("dddddddddd", "192.0.2.3", 4));  // the oldest goes
  CHECK_FALSE(h.by_id("aaaaaaaaaa"));
  CHECK(h.size() == 3);
  CHECK_FALSE(h.by_id(""));
  control::History none(0);
  none.add(record("eeeeeeeeee", "192.0.2.4", 5));
  CHECK(none.size() == 0);
}
