// SMTP replies: whatever the template or the client's data, the reply stays valid.
#include "smtp/reply.hpp"

#include <catch2/catch.hpp>

using namespace dyn::smtp;

TEST_CASE("SmtpReply::make validates code, enhanced code and text", "[reply]") {
  CHECK(SmtpReply::make("550", "5.7.1", "go away", nullptr));
  CHECK(SmtpReply::make("451", "4.7.1", "later", nullptr));
  struct Bad {
    const char* code;
    const char* xcode;
    std::string text;
  };
  const Bad bad[] = {
      {"250", "2.0.0", "ok"},
      {"55", "5.7.1", "x"},
      {"550", "4.7.1", "x"},  // class mismatch
      {"550", "5.7", "x"},
      {"550", "5.7.1.2", "x"},
      {"550", "5.x.1", "x"},
      {"550", "5.7.1", ""},
      {"550", "5.7.1", "a\r\nb"},
      {"550", "5.7.1", "caf\xc3\xa9"},
      {"550", "5.7.1", std::string(600, 'a')},
  };
  for (const auto& b : bad) {
    INFO(b.code << " " << b.xcode << " " << b.text.substr(0, 20));
    std::string why;
    CHECK_FALSE(SmtpReply::make(b.code, b.xcode, b.text, &why));
    CHECK_FALSE(why.empty());
  }
}

TEST_CASE("percent signs are doubled for smfi_setreply", "[reply]") {
  CHECK(escape_percent("100% sure") == "100%% sure");
  CHECK(escape_percent("%s%n") == "%%s%%n");
  CHECK(escape_percent("plain") == "plain");
}

TEST_CASE("untrusted text is made printable and bounded", "[reply]") {
  CHECK(sanitize_reply_text("host\r\n550 injected") == "host??550 injected");
  CHECK(sanitize_reply_text("b\xc3\xbcro.example") == "b??ro.example");
  CHECK(sanitize_reply_text(std::string(1000, 'x')).size() == 200);
}

TEST_CASE("templates check their placeholders when parsed", "[reply]") {
  std::string why;
  CHECK(ReplyTemplate::parse("Your IP {ip} ({hostname}) is in {list}, score {score}", &why));
  CHECK_FALSE(ReplyTemplate::parse("Your IP {addr}", &why));
  CHECK(why.find("{addr}") != std::string::npos);
  CHECK_FALSE(ReplyTemplate::parse("Your IP {ip", &why));
  CHECK_FALSE(ReplyTemplate::parse("", &why));
  CHECK_FALSE(ReplyTemplate::parse("line\nbreak", &why));
}

TEST_CASE("rendering copies the text between placeholders whole: line breaks, backslashes, cut values, either end",
          "[reply]") {
  auto t = ReplyTemplate::parse("{ip} a\\b\\nline two {hostname}\\ntail {list}", nullptr);
  REQUIRE(t);
  CHECK(t->render({{"ip", "203.0.113.7"}, {"hostname", "h.example"}, {"list", "x"}}, 200) ==
        "203.0.113.7 a\\b\nline two h.example\ntail x");
  // A value longer than the limit ends in "..."; a placeholder without a value renders empty.
  CHECK(t->render({{"ip", "203.0.113.7"}, {"hostname", std::string(40, 'n')}}, 12) ==
        "203.0.113.7 a\\b\nline two nnnnnnnnn...\ntail ");
  CHECK(ReplyTemplate::parse("no placeholder at all", nullptr)->render(std::map<std::string, std::string>{}, 200) ==
        "no placeholder at all");
}

TEST_CASE("rendering inserts sanitised values, CR/LF and % cannot break the reply", "[reply]") {
  auto t = ReplyTemplate::parse("IP {ip} name {hostname} in {list}", nullptr);
  REQUIRE(t);
  const auto text = t->render({{"ip", "203.0.113.7"}, {"hostname", "evil\r\n250 OK %s"}, {"list", "pbl.test"}});
  CHECK(text == "IP 203.0.113.7 name evil??250 OK %s in pbl.test");
  auto reply = SmtpReply::make("550", "5.7.1", text, nullptr);
  REQUIRE(reply);
  CHECK(escape_percent(reply->text) == "IP 203.0.113.7 name evil??250 OK %%s in pbl.test");
}

TEST_CASE("conditional segments: one template for list and reverse-DNS refusals, bad ones refused at load", "[reply]") {
  std::string why;
  const auto t =
      ReplyTemplate::parse("Refused ({reason}).{?list: Listed in {list}: {txt}}{!list: Fix your PTR.}", &why);
  REQUIRE(t);
  const ReplyValue listed[] = {{"reason", "listed in pbl.test"}, {"list", "pbl.test"}, {"txt", "see https://x/1"}};
  CHECK(t->render(listed) == "Refused (listed in pbl.test). Listed in pbl.test: see https://x/1");
  const ReplyValue rdns[] = {{"reason", "no reverse DNS name"}, {"list", ""}, {"txt", ""}};
  CHECK(t->render(rdns) == "Refused (no reverse DNS name). Fix your PTR.");
  CHECK(t->uses("txt"));
  CHECK(t->uses("list"));
  CHECK_FALSE(t->uses("score"));
  // Only a condition on txt is enough for the list's TXT to be asked.
  CHECK(ReplyTemplate::parse("x{?txt:has text}", nullptr)->uses("txt"));
  // A line break inside a segment, and a long value cut inside one.
  const auto multi = ReplyTemplate::parse("Refused.{?txt:\\n{txt}}", nullptr);
  REQUIRE(multi);
  const ReplyValue text[] = {{"txt", std::string_view("abcdefghij")}};
  CHECK(multi->render(text, 6) == "Refused.\nabc...");
  // The load-time check: with every value at its longest, each segment shows.
  CHECK(t->fits(24, &why));
  struct Bad {
    const char* text;
    const char* want;
  };
  const Bad bad[] = {
      {"Refused{?list: listed in {list}.", "unclosed conditional in reply template"},
      {"Refused{?list}", "unclosed conditional in reply template"},
      {"Refused{?lists:x}", "unknown placeholder {?lists:...} in reply template"},
      {"Refused{!list:{nope}}", "unknown placeholder {nope} in reply template"},
      {"Refused{?list:{?txt:x}}", "a conditional in reply template holds another one"},
  };
  for (const auto& b : bad) {
    INFO(b.text);
    CHECK_FALSE(ReplyTemplate::parse(b.text, &why));
    CHECK(why.rfind(b.want, 0) == 0);
  }
}
