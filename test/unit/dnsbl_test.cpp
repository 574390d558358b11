// DNSBL specs in postscreen syntax and the three-state reading of a list's answer.
#include "dnsbl/listing_rate.hpp"
#include "dnsbl/outcome.hpp"

#include <catch2/catch.hpp>

using namespace dyn;
using dnsbl::Listing;
using dnsbl::ZoneSpec;

namespace {
dns::Answer a_records(std::vector<std::string> values) {
  dns::Answer a;
  a.status = dns::Status::Ok;
  for (auto& v : values) a.records.push_back(dns::Record{dns::RrType::A, 300, v});
  return a;
}
ZoneSpec spec(const char* text) {
  std::string why;
  auto s = ZoneSpec::parse(text, &why);
  INFO(why);
  REQUIRE(s);
  return *s;
}
}  // namespace

TEST_CASE("zone specs parse in postscreen syntax and round-trip", "[dnsbl]") {
  struct Case {
    const char* in;
    const char* zone;
    int weight;
    bool filter;
  };
  const Case cases[] = {
      {"zen.spamhaus.org", "zen.spamhaus.org", 1, false},
      {"zen.spamhaus.org=127.0.0.[10..11]", "zen.spamhaus.org", 1, true},
      {"zen.spamhaus.org=127.0.0.[10..11]*3", "zen.spamhaus.org", 3, true},
      {"list.dnswl.org=127.0.[0..255].[1..3]*-5", "list.dnswl.org", -5, true},
      {"B.Example.NET.*2", "b.example.net", 2, false},
      {"bl.test=127.0.0.[2;4..7;10]", "bl.test", 1, true},
  };
  for (const auto& c : cases) {
    INFO(c.in);
    auto s = spec(c.in);
    CHECK(s.zone == c.zone);
    CHECK(s.weight == c.weight);
    CHECK(s.filter.has_value() == c.filter);
    CHECK(ZoneSpec::parse(s.to_string(), nullptr) == s);
  }
}

TEST_CASE("bad zone specs are refused with a reason", "[dnsbl]") {
  const char* bad[] = {"",
                       "nodot",
                       "zen.spamhaus.org*",
                       "zen.spamhaus.org*x",
                       "zen.spamhaus.org*1.5",
                       "zen.spamhaus.org=127.0.0",
                       "zen.spamhaus.org=127.0.0.256",
                       "zen.spamhaus.org=127.0.0.[11..10]",
                       "zen.spamhaus.org=127.0.0.[10..11",
                       "zen.spamhaus.org=127.0.0.[]",
                       "zen.spamhaus.org=127.0.0.[1;]",
                       "bad zone.example",
                       "a..b.example",
                       "zen.spamhaus.org*99999"};
  for (const char* text : bad) {
    INFO("spec: '" << text << "'");
    std::string why;
    CHECK_FALSE(ZoneSpec::parse(text, &why));
    CHECK_FALSE(why.empty());
  }
  CHECK_FALSE(ZoneSpec::parse(std::string(200, 'a') + ".example", nullptr));  // no room for an IPv6 label
}

TEST_CASE("the reply filter selects codes octet by octet", "[dnsbl]") {
  auto s = spec("zen.spamhaus.org=127.0.0.[10..11]");
  CHECK(s.filter->matches(*net::IpAddress::parse("127.0.0.10")));
  CHECK(s.filter->matches(*net::IpAddress::parse("127.0.0.11")));
  CHECK_FALSE(s.filter->matches(*net::IpAddress::parse("127.0.0.2")));
  CHECK_FALSE(s.filter->matches(*net::IpAddress::parse("127.0.1.10")));
}

TEST_CASE("answers: only 127/8 codes inside the filter are Listed", "[dnsbl]") {
  struct Case {
    const char* spec;
    std::vector<std::string> codes;
    Listing want;
  };
  const Case cases[] = {
      {"zen.spamhaus.org=127.0.0.[10..11]", {"127.0.0.11"}, Listing::Listed},
      {"zen.spamhaus.org=127.0.0.[10..11]", {"127.0.0.2", "127.0.0.10"}, Listing::Listed},
      {"zen.spamhaus.org=127.0.0.[10..11]", {"127.0.0.2"}, Listing::NotListed},  // SBL only: not dynamic
      {"bl.test", {"127.0.0.2"}, Listing::Listed},
      {"bl.test", {"127.0.0.1"}, Listing::Listed},  // the health probe (issue 3) catches such lists
      // Spamhaus error codes are never a listing, whatever the filter.
      {"bl.test", {"127.255.255.252"}, Listing::Unknown},
      {"bl.test", {"127.255.255.254"}, Listing::Unknown},
      {"bl.test", {"127.255.255.255"}, Listing::Unknown},
      {"zen.spamhaus.org=127.[0..255].[0..255].[0..255]", {"127.255.255.254"}, Listing::Unknown},
      {"bl.test", {"127.0.0.2", "127.255.255.254"}, Listing::Unknown},
      // An answer outside 127/8: a lapsed domain, a wildcard, a hijack. Never a listing.
      {"bl.test", {"192.0.2.1"}, Listing::Unknown},
      {"bl.test", {"10.0.0.2"}, Listing::Unknown},
  };
  for (const auto& c : cases) {
    INFO(c.spec << " answered " << c.codes.front());
    auto out = dnsbl::interpret(spec(c.spec), a_records(c.codes));
    CHECK(out.listing == c.want);
    if (c.want == Listing::Unknown) {
      CHECK_FALSE(out.reason.empty());
      CHECK_FALSE(out.transient);  // the list answered; it is broken, not slow
    }
  }
}

TEST_CASE("lookup outcomes: NXDOMAIN/NODATA are NotListed, failures are transient Unknown", "[dnsbl]") {
  auto s = spec("bl.test");
  CHECK(dnsbl::interpret(s, dns::Answer{dns::Status::NxDomain, {}, 0, ""}).listing == Listing::NotListed);
  CHECK(dnsbl::interpret(s, dns::Answer{dns::Status::NoData, {}, 0, ""}).listing == Listing::NotListed);
  for (auto st : {dns::Status::ServFail, dns::Status::Refused, dns::Status::Timeout, dns::Status::Malformed,
                  dns::Status::NetworkError}) {
    INFO(dns::to_string(st));
    auto out = dnsbl::interpret(s, dns::Answer::failure(st, "x"));
    CHECK(out.listing == Listing::Unknown);
    CHECK(out.transient);
  }
  CHECK(dnsbl::interpret(s, a_records({"not-an-address"})).listing == Listing::Unknown);
  CHECK(dnsbl::interpret(s, a_records({"2001:db8::1"})).listing == Listing::Unknown);
}

TEST_CASE("a zone that carries an access key is shown without it", "[dnsbl]") {
  auto dqs = spec("abcdefghij0123456789klmn.zen.dq.spamhaus.net=127.0.0.[10..11]*3");
  CHECK(dqs.safe_name() == "zen.dq.spamhaus.net");
  CHECK(dqs.to_string().find("abcdefghij0123456789klmn") == 0);  // the config keeps it
  CHECK(spec("zen.spamhaus.org").safe_name() == "zen.spamhaus.org");
  CHECK(spec("b.barracudacentral.org").safe_name() == "b.barracudacentral.org");
  CHECK(spec("averyveryverylonglistname.example").safe_name() ==
        "averyveryverylonglistname.example");  // no digits: a name
}

TEST_CASE("listing-rate guard: a list that suddenly lists nearly everyone trips it, a usual wave does not",
          "[dnsbl][guard]") {
  auto ip = [](int i) {
    return *net::IpAddress::parse("10.0." + std::to_string(i / 256) + "." + std::to_string(i % 256));
  };
  dnsbl::ListingRate rate;  // 200 recent, 1000 baseline, trips above 90% after under 50%, ends under 70%
  int i = 0;
  for (; i < 1200; ++i) CHECK_FALSE(rate.note(ip(i), i % 5 == 0).has_value());  // lists 20%
  CHECK(rate.baseline_share() == Approx(0.2));
  std::optional<int> tripped_at;
  for (int k = 0; k < 200; ++k, ++i)
    if (rate.note(ip(i), true) == std::optional<bool>(true)) tripped_at = k;
  REQUIRE(tripped_at);
  CHECK(*tripped_at > 170);  // the recent share passed 90% (20% of 200 were listed before)
  CHECK(rate.surging());
  CHECK(rate.describe().find("of the 1000 before") != std::string::npos);
  // The surge does not become its own baseline: still surging after many more listed clients.
  for (int k = 0; k < 2000; ++k, ++i) CHECK_FALSE(rate.note(ip(i), true).has_value());
  CHECK(rate.surging());
  CHECK(rate.baseline_share() == Approx(0.2));
  // Back to the usual share: it ends once the recent share is under 70%.
  std::optional<int> ended_at;
  for (int k = 0; k < 200; ++k, ++i)
    if (rate.note(ip(i), k % 5 == 0) == std::optional<bool>(false)) ended_at = k;
  REQUIRE(ended_at);
  CHECK_FALSE(rate.surging());

  SECTION("a client that retries counts once") {
    dnsbl::ListingRate r;
    for (int k = 0; k < 1200; ++k) r.note(ip(k), false);
    for (int k = 0; k < 500; ++k) r.note(ip(5000), true);  // one listed client, 500 times
    CHECK_FALSE(r.surging());
    CHECK(r.recent_share() == Approx(1.0 / 200));
  }
  SECTION("a wave of listed clients against a list that usually lists most of them does not trip it") {
    dnsbl::ListingRate r;
    for (int k = 0; k < 1200; ++k) r.note(ip(k), k % 10 < 6);  // a PBL listing 60% of what connects
    for (int k = 1200; k < 1600; ++k) CHECK_FALSE(r.note(ip(k), true).has_value());  // a botnet: 100%
    CHECK_FALSE(r.surging());
  }
  SECTION("without a baseline (a fresh start) it never trips") {
    dnsbl::ListingRate r;
    for (int k = 0; k < 390; ++k) CHECK_FALSE(r.note(ip(k), true).has_value());
    CHECK_FALSE(r.surging());
  }
}
