// IpAddress, Cidr and reverse/DNSBL query names (RFC 5782 section 2.1 and 2.4).
#include "net/cidr.hpp"
#include "net/reverse.hpp"

#include <catch2/catch.hpp>

#include <netinet/in.h>
#include <sys/un.h>

#include <cstring>

using namespace dyn::net;

TEST_CASE("IpAddress parses both families and normalises v4-mapped IPv6", "[net]") {
  struct Case {
    const char* in;
    const char* want;
    bool v4;
  };
  const Case cases[] = {
      {"192.0.2.1", "192.0.2.1", true},
      {"2001:db8::1", "2001:db8::1", false},
      {"2001:DB8:0:0:0:0:0:1", "2001:db8::1", false},
      {"::ffff:192.0.2.1", "192.0.2.1", true},  // v4-mapped: one spelling for every check
      {"::FFFF:C000:0201", "192.0.2.1", true},
      {"::1", "::1", false},
  };
  for (const auto& c : cases) {
    INFO("input: " << c.in);
    auto ip = IpAddress::parse(c.in);
    REQUIRE(ip);
    CHECK(ip->to_string() == c.want);
    CHECK(ip->is_v4() == c.v4);
  }
}

TEST_CASE("IpAddress refuses what is not an address", "[net]") {
  for (const char* bad : {"", "192.0.2", "192.0.2.256", "192.0.2.1 ", "[::1]", "host.example", "1.2.3.4.5",
                          "::ffff:1.2.3", "01234567890123456789012345678901234567890123456789"}) {
    INFO("input: '" << bad << "'");
    CHECK_FALSE(IpAddress::parse(bad));
  }
}

TEST_CASE("IpAddress from a socket address: inet, inet6 (mapped) and the rest", "[net]") {
  sockaddr_in sin{};
  sin.sin_family = AF_INET;
  sin.sin_addr.s_addr = htonl(0xCB007107);  // 203.0.113.7
  CHECK(IpAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&sin))->to_string() == "203.0.113.7");

  sockaddr_in6 sin6{};
  sin6.sin6_family = AF_INET6;
  const unsigned char mapped[16] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 198, 51, 100, 9};
  std::memcpy(&sin6.sin6_addr, mapped, 16);
  auto ip = IpAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&sin6));
  REQUIRE(ip);
  CHECK(ip->is_v4());
  CHECK(ip->to_string() == "198.51.100.9");

  sockaddr_un sun{};
  sun.sun_family = AF_UNIX;
  CHECK_FALSE(IpAddress::from_sockaddr(reinterpret_cast<sockaddr*>(&sun)));
  CHECK_FALSE(IpAddress::from_sockaddr(nullptr));
}

TEST_CASE("DNSBL query names: reversed octets and 32 reversed nibbles", "[net]") {
  // RFC 5782 section 2.1 and 2.4 examples.
  CHECK(dnsbl_query_name(*IpAddress::parse("192.168.42.23"), "dnsbl.example.net") == "23.42.168.192.dnsbl.example.net");
  CHECK(dnsbl_query_name(*IpAddress::parse("2001:db8:1:2:3:4:567:89ab"), "ugly.example.com") ==
        "b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.8.b.d.0.1.0.0.2.ugly.example.com");
  CHECK(dnsbl_query_name(*IpAddress::parse("::ffff:127.0.0.2"), "bl.test") == "2.0.0.127.bl.test");
  CHECK(ptr_name(*IpAddress::parse("203.0.113.7")) == "7.113.0.203.in-addr.arpa");
  // Octets of one, two and three digits, with zeros inside and at the ends.
  CHECK(reversed_label(*IpAddress::parse("100.5.10.255")) == "255.10.5.100");
  CHECK(reversed_label(*IpAddress::parse("0.0.0.0")) == "0.0.0.0");
  CHECK(ptr_name(*IpAddress::parse("201.90.109.9")) == "9.109.90.201.in-addr.arpa");
  CHECK(ptr_name(*IpAddress::parse("2001:db8::1")) ==
        "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa");
}

TEST_CASE("Cidr contains, and refuses host bits and bad lengths", "[net]") {
  auto net = Cidr::parse("192.168.0.0/16");
  REQUIRE(net);
  CHECK(net->contains(*IpAddress::parse("192.168.255.1")));
  CHECK_FALSE(net->contains(*IpAddress::parse("192.169.0.1")));
  CHECK_FALSE(net->contains(*IpAddress::parse("::ffff:10.0.0.1")));
  CHECK(net->contains(*IpAddress::parse("::ffff:192.168.1.1")));  // mapped client, v4 prefix

  auto v6 = Cidr::parse("fc00::/7");
  REQUIRE(v6);
  CHECK(v6->contains(*IpAddress::parse("fd12:3456::1")));
  CHECK_FALSE(v6->contains(*IpAddress::parse("fe80::1")));
  CHECK_FALSE(v6->contains(*IpAddress::parse("10.0.0.1")));

  CHECK(Cidr::parse("172.16.0.0/12")->contains(*IpAddress::parse("172.31.255.255")));
  CHECK_FALSE(Cidr::parse("172.16.0.0/12")->contains(*IpAddress::parse("172.32.0.0")));
  CHECK(Cidr::parse("0.0.0.0/0")->contains(*IpAddress::parse("203.0.113.1")));
  CHECK(Cidr::parse("192.0.2.1")->to_string() == "192.0.2.1/32");
  CHECK(Cidr::parse("::ffff:192.0.2.0/120")->to_string() == "192.0.2.0/24");

  std::string why;
  CHECK_FALSE(Cidr::parse("192.0.2.1/24", &why));
  CHECK(why.find("host bits") != std::string::npos);
  for (const char* bad :
       {"192.0.2.0/33", "192.0.2.0/", "192.0.2.0/x", "2001:db8::/129", "nonsense/8", "::ffff:1.2.3.0/90"}) {
    INFO(bad);
    CHECK_FALSE(Cidr::parse(bad));
  }
}
