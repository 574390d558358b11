// The refused sender's page, its pure parts: the public record (what a refused sender may see),
// its text form, the public socket's answer, the page requests and their validation, the pages'
// escaping, the per-visitor limit, and the reply's {url}.
#include "control/public_record.hpp"
#include "options/options.hpp"
#include "policy/reply_text.hpp"
#include "web/pages.hpp"
#include "web/request.hpp"
#include "web/visitor_limit.hpp"

#include <catch2/catch.hpp>

#include <map>

using namespace dyn;

namespace {

control::Record refused(const char* id, const char* ip, std::int64_t t) {
  control::Record r;
  r.time = t;
  r.facts.id = id;
  r.facts.ip = net::IpAddress::parse(ip);
  r.facts.hostname = "dsl-203-0-113-7.pool.isp.example";
  r.facts.helo = "secret-helo.example";
  auto& v = r.verdict;
  v.action = policy::Action::Reject;
  v.reached = true;
  v.score = 3;
  policy::ListResult l;
  l.zone = "Spamhaus PBL";
  l.weight = 3;
  l.outcome.listing = dnsbl::Listing::Listed;
  l.txt = "https://check.spamhaus.org/query/ip/203.0.113.7";
  v.lists.push_back(l);
  v.decisive = {"Spamhaus PBL"};
  v.reply =
      smtp::SmtpReply{"550", "5.7.1", "Your IP address 203.0.113.7 appears to be dynamically assigned.\nLine two."};
  return r;
}

std::map<std::string, std::string> g_params;
std::variant<web::Request, web::Refusal> get(std::string path, std::map<std::string, std::string> params = {},
                                             std::string accept = "") {
  g_params = std::move(params);
  return web::route(
      "GET", path,
      [](std::string_view n) -> std::optional<std::string> {
        auto it = g_params.find(std::string(n));
        if (it == g_params.end()) return std::nullopt;
        return it->second;
      },
      accept);
}

}  // namespace

TEST_CASE("public record: only what the refused sender was told, and why in words", "[web]") {
  const auto p = control::public_record(refused("7kq2mhx9vd", "203.0.113.7", 1796600000));
  REQUIRE(p);
  CHECK(p->reference == "7kq2mhx9vd");
  CHECK(p->client == "203.0.113.7");
  CHECK(p->action == "reject");
  CHECK(p->reply == "550 5.7.1 Your IP address 203.0.113.7 appears to be dynamically assigned.\n550 5.7.1 Line two.");
  CHECK(p->ptr == "dsl-203-0-113-7.pool.isp.example");
  REQUIRE(p->decided.size() == 1);
  CHECK(p->decided[0] == control::PublicReason{"list", "Spamhaus PBL", "Spamhaus PBL",
                                               "https://check.spamhaus.org/query/ip/203.0.113.7"});
  // Nothing of the HELO (nor, having none, of the sender or recipients) is in its text.
  CHECK(control::encode(*p).find("secret-helo") == std::string::npos);

  auto accepted = refused("7kq2mhx9vd", "203.0.113.7", 1);
  accepted.verdict.action = policy::Action::Accept;
  accepted.verdict.reply.reset();
  CHECK_FALSE(control::public_record(accepted));  // a dry run or an accepted client: nothing to show
  auto no_ref = refused("", "203.0.113.7", 1);
  CHECK_FALSE(control::public_record(no_ref));
  auto unknown_name = refused("7kq2mhx9vd", "203.0.113.7", 1);
  unknown_name.facts.hostname = "unknown";  // the MTA's "unknown" is no name
  CHECK(control::public_record(unknown_name)->ptr.empty());
}

TEST_CASE("public record text: round trip, and garbage is refused, never half read", "[web]") {
  const auto p = *control::public_record(refused("7kq2mhx9vd", "203.0.113.7", 1796600000));
  std::string why;
  const auto back = control::decode(control::encode(p), &why);
  REQUIRE(back);
  CHECK(*back == p);
  const std::string good = control::encode(p);
  for (const std::string& bad : std::vector<std::string>{
           std::string(""), std::string("garbage"), std::string("garbage\nwith\tno sense\n"),
           good.substr(0, good.size() - 1),                                                // a line without its end
           "reference\t7kq2mhx9vd\ntime\t1\nclient\t1.2.3.4\naction\taccept\nreply\tx\n",  // not a refusal
           "reference\tNOTAREF\ntime\t1\nclient\t1.2.3.4\naction\treject\nreply\tx\n",
           "reference\t7kq2mhx9vd\ntime\t-5\nclient\t1.2.3.4\naction\treject\nreply\tx\n",
           good + "secret\tx\n",         // an unknown key
           good + "decided\tlist\tx\n",  // a short decided line
           good + "reply\t\xff\n",       // non-ASCII
           std::string(control::kMaxEncoded + 1, 'a')}) {
    INFO(bad.substr(0, 60));
    CHECK_FALSE(control::decode(bad, &why));
  }
  std::string many = good;
  for (int i = 0; i < 40; ++i) many += "decided\tsignal\tno-ptr\tw\t\n";
  CHECK_FALSE(control::decode(many, &why));
  CHECK(why.find("32") != std::string::npos);
  // A value with a tab or a line feed cannot break the form: it is made printable when encoded.
  auto odd = p;
  odd.ptr = "a\tb\nc";
  CHECK(control::decode(control::encode(odd))->ptr == "a?b?c");
}

TEST_CASE("the public socket's answer: by reference, by address, newest first, refusals only", "[web]") {
  control::History h(10);
  h.add(refused("2222222222", "203.0.113.7", 100));
  auto ok = refused("3333333333", "203.0.113.7", 200);
  ok.verdict.action = policy::Action::Accept;
  ok.verdict.reply.reset();
  h.add(ok);
  h.add(refused("4444444444", "203.0.113.7", 300));
  h.add(refused("5555555555", "198.51.100.1", 400));
  const auto one = control::public_answer("2222222222", h);
  CHECK(one.starts_with("reference\t2222222222\n"));
  CHECK(one.ends_with("\n\n"));
  CHECK(control::public_answer("3333333333", h).empty());  // accepted: not shown
  CHECK(control::public_answer("6666666666", h).empty());
  const auto by_ip = control::public_answer("203.0.113.7", h);
  CHECK((by_ip.find("4444444444") < by_ip.find("2222222222")));
  CHECK(by_ip.find("5555555555") == std::string::npos);
  CHECK(by_ip.find("3333333333") == std::string::npos);
  CHECK(control::public_answer("why 1.2.3.4", h).starts_with("error:"));
}

TEST_CASE("page requests: each page, validated before anything is asked", "[web]") {
  auto r = std::get<web::Request>(get("/why/7KQ2MHX9VD"));
  CHECK(r.page == web::Request::Page::Why);
  CHECK(r.reference == "7kq2mhx9vd");
  r = std::get<web::Request>(get("/why", {{"q", " 203.0.113.7 "}}));
  CHECK(r.page == web::Request::Page::Lookup);
  CHECK(r.client->to_string() == "203.0.113.7");
  CHECK(std::get<web::Request>(get("/why", {{"q", "7kq2mhx9vd"}})).page == web::Request::Page::Why);
  r = std::get<web::Request>(get("/check", {{"domain", "Mail.Example.ORG."}, {"ip", ""}}, "application/json"));
  CHECK(r.page == web::Request::Page::Check);
  CHECK(r.domain == "mail.example.org");
  CHECK(r.ip_given);
  CHECK_FALSE(r.client);
  CHECK(r.json);
  r = std::get<web::Request>(get("/check", {{"domain", "xn--bcher-kva.example"}, {"again", "1"}}));
  CHECK(r.domain == "xn--bcher-kva.example");
  CHECK_FALSE(r.ip_given);
  CHECK(r.again);
  CHECK(std::get<web::Request>(get("/", {{"format", "json"}})).json);

  auto status = [](const std::variant<web::Request, web::Refusal>& v) { return std::get<web::Refusal>(v).status; };
  CHECK(status(get("/why/short")) == 404);
  CHECK(status(get("/why/1lo0iabcde")) == 404);  // characters no reference has
  CHECK(status(get("/why/" + std::string(300, 'a'))) == 414);
  CHECK(status(get("/why", {{"q", "example.org"}})) == 400);
  CHECK(status(get("/why", {{"q", std::string(300, '1')}})) == 400);
  CHECK(status(get("/check", {{"domain",
                               "b\xc3\xbc"
                               "cher.example"}})) == 400);
  CHECK(std::get<web::Refusal>(get("/check", {{"domain",
                                               "b\xc3\xbc"
                                               "cher.example"}}))
            .message.find("xn--") != std::string::npos);
  for (const char* bad : {"", "localhost", "-a.example", "a..example", "a b.example", "<x>.example", "a.example/x"}) {
    INFO(bad);
    CHECK(status(get("/check", {{"domain", bad}})) == 400);
  }
  CHECK(status(get("/check", {{"domain", std::string(60, 'a') + "." + std::string(64, 'b') + ".example"}})) == 400);
  CHECK(status(get("/check", {{"domain", "example.org"}, {"ip", "1.2.3"}})) == 400);
  CHECK(status(get("/admin")) == 404);
  CHECK(std::get<web::Refusal>(web::route(
                                   "POST", "/check", [](std::string_view) { return std::nullopt; }, ""))
            .status == 405);
}

TEST_CASE("pages: every value escaped, JSON on request, not found is a 404 with the form", "[web]") {
  auto p = *control::public_record(refused("7kq2mhx9vd", "203.0.113.7", 1796600000));
  p.ptr = "<script>alert(1)</script>.example";
  p.decided[0].txt = "see \"<b>here</b>\" & there";
  const web::Site site{"help@example.org", "203.0.113.7", "our recent records"};
  const auto page = web::why_page({p}, "7kq2mhx9vd", site, false);
  CHECK(page.status == 200);
  CHECK(page.content_type.starts_with("text/html"));
  CHECK(page.body.find("<script>") == std::string::npos);
  CHECK(page.body.find("&lt;script&gt;alert(1)&lt;/script&gt;.example") != std::string::npos);
  CHECK(page.body.find("see &quot;&lt;b&gt;here&lt;/b&gt;&quot; &amp; there") != std::string::npos);
  CHECK(page.body.find("help@example.org") != std::string::npos);
  CHECK(page.body.find("smarthost") != std::string::npos);
  CHECK(page.body.find("name=\"viewport\"") != std::string::npos);  // a phone's width
  const auto json = web::why_page({p}, "7kq2mhx9vd", site, true);
  CHECK(json.content_type == "application/json");
  CHECK(json.body.starts_with("{\"asked\":\"7kq2mhx9vd\",\"found\":true,"));
  CHECK(json.body.find("\"ptr\":\"<script>alert(1)</script>.example\"") != std::string::npos);
  const auto none = web::why_page({}, "2222222222", site, false);
  CHECK(none.status == 404);
  CHECK(none.body.find("action=\"/why\"") != std::string::npos);
  CHECK(web::error_page(400, "bad <thing>", site, false).body.find("bad &lt;thing&gt;") != std::string::npos);
  CHECK(web::error_page(429, "slow down", site, true).body == "{\"status\":429,\"error\":\"slow down\"}\n");
  for (const char* key : {"no-ptr", "ptr-ttl-short", "helo-ip", "dynamic-word", "rule:my-isp"})
    CHECK_FALSE(web::advice({"signal", key, "w", ""}).empty());
  CHECK(web::advice({"signal", "ptr-ttl-short", "w", ""}).find("43200") != std::string::npos);
}

TEST_CASE("checks per visitor: a bucket a minute, an IPv6 /64 as one visitor, bounded memory", "[web]") {
  web::VisitorLimit limit(3, 100);
  const auto t0 = web::VisitorLimit::Clock::time_point{} + std::chrono::hours(1);
  const auto a = *net::IpAddress::parse("192.0.2.1");
  for (int i = 0; i < 3; ++i) CHECK(limit.allow(a, t0));
  CHECK_FALSE(limit.allow(a, t0));
  CHECK(limit.allow(*net::IpAddress::parse("192.0.2.2"), t0));  // another visitor
  CHECK(limit.allow(a, t0 + std::chrono::seconds(20)));         // a third of a minute: one more
  CHECK_FALSE(limit.allow(a, t0 + std::chrono::seconds(21)));
  CHECK(web::visitor_key(*net::IpAddress::parse("2001:db8:1:2:aaaa::1")) == "2001:db8:1:2::/64");
  for (int i = 0; i < 3; ++i) CHECK(limit.allow(*net::IpAddress::parse("2001:db8::" + std::to_string(i + 1)), t0));
  CHECK_FALSE(limit.allow(*net::IpAddress::parse("2001:db8::ffff"), t0));
  for (int i = 0; i < 500; ++i)  // a flood of addresses resets the table, it never grows past its bound
    limit.allow(*net::IpAddress::parse("198.51.100." + std::to_string(i % 250)), t0);
  CHECK_FALSE(web::VisitorLimit(0).allow(a, t0));
}

TEST_CASE("{url}: the why-url page of the refusal, never cut, and a bad why-url refused at load", "[web]") {
  config::Config c;
  c.why_url = "https://mx.example.org/why/";
  CHECK(policy::why_url(c, "7kq2mhx9vd") == "https://mx.example.org/why/7kq2mhx9vd");
  c.why_url = "https://mx.example.org/why";
  CHECK(policy::why_url(c, "7kq2mhx9vd") == "https://mx.example.org/why/7kq2mhx9vd");
  c.why_url = "https://mx.example.org/page?ref=";
  CHECK(policy::why_url(c, "7kq2mhx9vd") == "https://mx.example.org/page?ref=7kq2mhx9vd");
  CHECK(policy::why_url(c, "").empty());
  const auto t = *smtp::ReplyTemplate::parse("Refused ({reason}).{?url: See {url}}", nullptr);
  const std::string url = "https://mx.example.org/why/" + std::string(100, 'x');
  const std::string reason(100, 'r');
  const smtp::ReplyValue values[] = {{"reason", reason}, {"url", url}};
  const auto text = t.render(values, 24);
  INFO(text);
  CHECK(text.find(url) != std::string::npos);  // whole, though values are cut to 24
  CHECK(text.find(" (" + std::string(21, 'r') + "...)") != std::string::npos);
  for (const char* bad :
       {"ftp://x.example/why/", "https://x.example/a b", "https://x.example/100%", "mx.example.org/why/"}) {
    INFO(bad);
    const char* argv[] = {"dynmilter", "--why-url", bad};
    CHECK_THROWS_WITH(config::parse_invocation(3, argv, config::kDaemon), Catch::Contains("why-url"));
  }
  const std::string long_url = "https://x.example/" + std::string(200, 'a');
  const char* argv[] = {"dynmilter", "--why-url", long_url.c_str()};
  CHECK_THROWS_WITH(config::parse_invocation(3, argv, config::kDaemon), Catch::Contains("at most 149"));
  const char* argv_redis[] = {"dynmilter", "--history-redis", "redis.example"};
  CHECK_THROWS_WITH(config::parse_invocation(3, argv_redis, config::kDaemon), Catch::Contains("HOST:PORT"));
  const char* argv_ok[] = {"dynmilter", "--history-redis", "unix:/run/redis/redis.sock", "--history-expire", "7d"};
  CHECK(config::parse_invocation(5, argv_ok, config::kDaemon).config.history_expire.to_string() == "7d");
}
