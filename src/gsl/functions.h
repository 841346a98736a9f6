// Helpers behind GSL's tests and functions (gsl.md §6): network arithmetic, dates, `like`.
// Pure functions of their arguments; thread-safe.
#ifndef VIGIL_GSL_FUNCTIONS_H_
#define VIGIL_GSL_FUNCTIONS_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::gsl {

// An IPv4 or IPv6 block. IPv4 addresses use the low 32 bits.
struct Cidr {
  bool v6 = false;
  unsigned __int128 base = 0;
  int prefix = 0;  // 0..32 or 0..128
  int bits() const { return v6 ? 128 : 32; }
};

// "10.0.0.0/8", "10.1.2.3", "::1", "2001:db8::/32". nullopt for anything else.
std::optional<Cidr> ParseCidr(std::string_view s);
// "*", "Any", "Internet" (any case) mean 0.0.0.0/0.
std::optional<Cidr> ParseSource(std::string_view s);
// Some address of the block lies outside the private and reserved ranges of gsl.md §6.12.
bool CidrIsPublic(const Cidr& c);
double CidrHosts(const Cidr& c);

struct FirewallRule {
  uint64_t port_from = 0, port_to = 0;  // inclusive
  bool all_ports = false;
  std::string source;
  bool allow = true;
  double priority = 0;
  size_t order = 0;
};
// IPv4 source addresses allowed to reach `port`; `notes` receives what was not counted.
double AllowedHostsForPort(std::vector<FirewallRule> rules, uint64_t port,
                           std::vector<std::string>* notes);

// `like`: '%' matches any sequence; case-insensitive; the whole value.
bool LikeMatch(std::string_view value, std::string_view pattern);

// Seconds since the epoch (UTC) of an ISO-8601 text ("2024-01-02", "2024-01-02T03:04:05Z",
// "...05.123+02:00"), or of an epoch number (milliseconds when |n| >= 1e11).
std::optional<double> ParseTime(std::string_view iso);
double EpochToSeconds(double n);
// now + amount * unit, with calendar arithmetic for months and years (day clamped).
double AddUnits(double now_seconds, int64_t amount, std::string_view unit);
std::string FormatTime(double seconds);

// A numeric string of gsl.md §6.3: sign, digits, optional fraction and exponent, no spaces.
std::optional<double> NumericString(std::string_view s);

}  // namespace vigil::gsl

#endif  // VIGIL_GSL_FUNCTIONS_H_
