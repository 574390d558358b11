// IpAddress: an IPv4 or IPv6 address as a value. IPv4-mapped IPv6 (::ffff:a.b.c.d) is
// normalised to IPv4 at parse time, so every later check sees one spelling of a v4 client.
#pragma once

#include <array>
#include <compare>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

struct sockaddr;

namespace dyn::net {

enum class Family { V4, V6 };

// Dotted-quad text of four network-order bytes, without printf (inet_ntop formats IPv4 through
// vfprintf, several times the cost of this).
void format_ipv4(const std::uint8_t* bytes, std::string& out);

class IpAddress {
 public:
  // Parses dotted-quad IPv4 or any RFC 4291 text form of IPv6 (brackets are not accepted).
  static std::optional<IpAddress> parse(std::string_view text);
  // From a socket address as the MTA hands it over; nullopt for AF_UNIX or a null pointer.
  static std::optional<IpAddress> from_sockaddr(const sockaddr* sa);
  static IpAddress v4(std::uint8_t a, std::uint8_t b, std::uint8_t c, std::uint8_t d);
  static IpAddress v6(const std::array<std::uint8_t, 16>& bytes);

  Family family() const { return family_; }
  bool is_v4() const { return family_ == Family::V4; }
  // Network-order bytes: 4 significant for IPv4, 16 for IPv6.
  const std::array<std::uint8_t, 16>& bytes() const { return bytes_; }
  std::size_t size() const { return is_v4() ? 4 : 16; }
  std::string to_string() const;

  auto operator<=>(const IpAddress&) const = default;

 private:
  Family family_ = Family::V4;
  std::array<std::uint8_t, 16> bytes_{};
};

}  // namespace dyn::net
