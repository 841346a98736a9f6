#include "gsl/functions.h"

#include <algorithm>
#include <charconv>
#include <cmath>
#include <ctime>

#include <fmt/format.h>

#include "base/iso_time.h"

namespace vigil::gsl {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

std::optional<uint32_t> ParseV4(std::string_view s) {
  uint32_t out = 0;
  int parts = 0;
  size_t i = 0;
  while (parts < 4) {
    size_t j = i;
    uint32_t v = 0;
    while (j < s.size() && s[j] >= '0' && s[j] <= '9' && j - i < 3) v = v * 10 + (s[j++] - '0');
    if (j == i || v > 255) return std::nullopt;
    out = (out << 8) | v;
    ++parts;
    i = j;
    if (parts < 4) {
      if (i >= s.size() || s[i] != '.') return std::nullopt;
      ++i;
    }
  }
  if (i != s.size()) return std::nullopt;
  return out;
}

std::optional<unsigned __int128> ParseV6(std::string_view s) {
  // Groups of up to 4 hex digits separated by ':', with at most one "::".
  std::vector<uint16_t> head, tail;
  bool gap = false;
  size_t i = 0;
  if (s.substr(0, 2) == "::") {
    gap = true;
    i = 2;
  }
  while (i < s.size()) {
    size_t j = i;
    uint32_t v = 0;
    while (j < s.size() && j - i < 4 && std::isxdigit(static_cast<unsigned char>(s[j]))) {
      char c = s[j];
      v = v * 16 + static_cast<uint32_t>(c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10);
      ++j;
    }
    if (j == i) return std::nullopt;
    (gap ? tail : head).push_back(static_cast<uint16_t>(v));
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return std::nullopt;
    if (i + 1 < s.size() && s[i + 1] == ':') {
      if (gap) return std::nullopt;
      gap = true;
      i += 2;
      continue;
    }
    ++i;
    if (i == s.size()) return std::nullopt;
  }
  size_t n = head.size() + tail.size();
  if ((!gap && n != 8) || n > 8 || (gap && n == 8)) return std::nullopt;
  unsigned __int128 out = 0;
  for (uint16_t g : head) out = (out << 16) | g;
  for (size_t k = 0; k < 8 - n; ++k) out <<= 16;
  for (uint16_t g : tail) out = (out << 16) | g;
  return out;
}

struct Block {
  bool v6;
  unsigned __int128 base;
  int prefix;
};

const std::vector<Block>& Reserved() {
  static const std::vector<Block> kBlocks = [] {
    std::vector<Block> b;
    for (const char* c : {"0.0.0.0/8", "10.0.0.0/8", "100.64.0.0/10", "127.0.0.0/8",
                          "169.254.0.0/16", "172.16.0.0/12", "192.0.0.0/24", "192.0.2.0/24",
                          "192.168.0.0/16", "198.18.0.0/15", "198.51.100.0/24", "203.0.113.0/24",
                          "224.0.0.0/4", "240.0.0.0/4", "::/128", "::1/128", "fc00::/7",
                          "fe80::/10", "ff00::/8", "2001:db8::/32"}) {
      Cidr x = *ParseCidr(c);
      b.push_back(Block{x.v6, x.base, x.prefix});
    }
    return b;
  }();
  return kBlocks;
}

unsigned __int128 Mask(int bits, int prefix) {
  if (prefix == 0) return 0;
  unsigned __int128 all = bits == 128 ? ~static_cast<unsigned __int128>(0)
                                      : ((static_cast<unsigned __int128>(1) << bits) - 1);
  return all ^ ((static_cast<unsigned __int128>(1) << (bits - prefix)) - 1);
}

bool Inside(const Cidr& c, const Block& b) {
  if (b.v6 != c.v6 || c.prefix < b.prefix) return false;
  return (c.base & Mask(c.bits(), b.prefix)) == b.base;
}

// Every address of c lies in some reserved block.
bool Covered(const Cidr& c) {
  for (const Block& b : Reserved()) {
    if (Inside(c, b)) return true;
  }
  if (c.prefix >= c.bits()) return false;
  // A reserved block strictly inside c: split c in two and look at both halves.
  bool any_inside = false;
  for (const Block& b : Reserved()) {
    if (b.v6 == c.v6 && b.prefix > c.prefix &&
        (b.base & Mask(c.bits(), c.prefix)) == c.base) {
      any_inside = true;
    }
  }
  if (!any_inside) return false;
  Cidr lo = c, hi = c;
  lo.prefix = hi.prefix = c.prefix + 1;
  hi.base = c.base | (static_cast<unsigned __int128>(1) << (c.bits() - c.prefix - 1));
  return Covered(lo) && Covered(hi);
}

}  // namespace

std::optional<Cidr> ParseCidr(std::string_view s) {
  Cidr c;
  std::string_view addr = s;
  int prefix = -1;
  if (auto slash = s.find('/'); slash != std::string_view::npos) {
    addr = s.substr(0, slash);
    std::string_view p = s.substr(slash + 1);
    int v = 0;
    auto r = std::from_chars(p.data(), p.data() + p.size(), v);
    if (r.ec != std::errc() || r.ptr != p.data() + p.size() || p.empty()) return std::nullopt;
    prefix = v;
  }
  if (auto v4 = ParseV4(addr)) {
    c.v6 = false;
    c.base = *v4;
  } else if (auto v6 = ParseV6(addr)) {
    c.v6 = true;
    c.base = *v6;
  } else {
    return std::nullopt;
  }
  if (prefix < 0) prefix = c.bits();
  if (prefix > c.bits()) return std::nullopt;
  c.prefix = prefix;
  c.base &= Mask(c.bits(), prefix);
  return c;
}

std::optional<Cidr> ParseSource(std::string_view s) {
  std::string l = Lower(s);
  if (l == "*" || l == "any" || l == "internet") return ParseCidr("0.0.0.0/0");
  return ParseCidr(s);
}

bool CidrIsPublic(const Cidr& c) { return !Covered(c); }

double CidrHosts(const Cidr& c) { return std::ldexp(1.0, c.bits() - c.prefix); }

double AllowedHostsForPort(std::vector<FirewallRule> rules, uint64_t port,
                           std::vector<std::string>* notes) {
  std::stable_sort(rules.begin(), rules.end(), [](const FirewallRule& a, const FirewallRule& b) {
    return a.priority != b.priority ? a.priority < b.priority : a.order < b.order;
  });
  // Decided IPv4 intervals [lo, hi), kept sorted and disjoint.
  std::vector<std::pair<uint64_t, uint64_t>> decided;
  double allowed = 0;
  for (const FirewallRule& r : rules) {
    if (!r.all_ports && (port < r.port_from || port > r.port_to)) continue;
    std::string l = Lower(r.source);
    std::optional<Cidr> c = ParseSource(r.source);
    if (!c || c->v6) {
      if (notes) notes->push_back("source '" + r.source + "' counts no IPv4 address");
      continue;
    }
    uint64_t lo = static_cast<uint64_t>(c->base);
    uint64_t hi = lo + (uint64_t{1} << (32 - c->prefix));
    // The part of [lo, hi) not yet decided by an earlier rule.
    uint64_t fresh = hi - lo;
    for (auto [a, b] : decided) {
      uint64_t x = std::max(a, lo), y = std::min(b, hi);
      if (x < y) fresh -= y - x;
    }
    if (r.allow) allowed += static_cast<double>(fresh);
    decided.emplace_back(lo, hi);
    std::sort(decided.begin(), decided.end());
    std::vector<std::pair<uint64_t, uint64_t>> merged;
    for (auto [a, b] : decided) {
      if (!merged.empty() && a <= merged.back().second) {
        merged.back().second = std::max(merged.back().second, b);
      } else {
        merged.emplace_back(a, b);
      }
    }
    decided = std::move(merged);
  }
  return allowed;
}

bool LikeMatch(std::string_view value, std::string_view pattern) {
  // Case-insensitive glob with '%' only; iterative with backtracking to the last '%'.
  auto low = [](char c) { return (c >= 'A' && c <= 'Z') ? static_cast<char>(c - 'A' + 'a') : c; };
  size_t v = 0, p = 0, star = std::string_view::npos, mark = 0;
  while (v < value.size()) {
    if (p < pattern.size() && pattern[p] == '%') {
      star = p++;
      mark = v;
    } else if (p < pattern.size() && low(pattern[p]) == low(value[v])) {
      ++p;
      ++v;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      v = ++mark;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '%') ++p;
  return p == pattern.size();
}

std::optional<double> ParseTime(std::string_view s) {
  std::optional<IsoTime> t = ParseIsoTime(s);
  if (!t) return std::nullopt;
  return static_cast<double>(t->seconds) + t->fraction;
}

double EpochToSeconds(double n) { return std::fabs(n) >= 1e11 ? n / 1000 : n; }

double AddUnits(double now, int64_t amount, std::string_view unit) {
  if (unit == "minute") return now + amount * 60.0;
  if (unit == "hour") return now + amount * 3600.0;
  if (unit == "day") return now + amount * 86400.0;
  if (unit == "week") return now + amount * 604800.0;
  // Months and years: calendar arithmetic in UTC, the day clamped to the month's length.
  int64_t months = unit == "year" ? amount * 12 : amount;
  double day_seconds = std::floor(now / 86400);
  double rest = now - day_seconds * 86400;
  int64_t y;
  unsigned m, d;
  CivilFromDays(static_cast<int64_t>(day_seconds), &y, &m, &d);
  int64_t total = y * 12 + (m - 1) + months;
  int64_t ny = total >= 0 ? total / 12 : (total - 11) / 12;
  unsigned nm = static_cast<unsigned>(total - ny * 12) + 1;
  unsigned nd = std::min(d, DaysInMonth(ny, nm));
  return static_cast<double>(DaysFromCivil(ny, nm, nd)) * 86400 + rest;
}

std::string FormatTime(double seconds) {
  return FormatIsoSeconds(static_cast<int64_t>(std::floor(seconds)));
}

std::optional<double> NumericString(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t d0 = i;
  while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
  bool int_digits = i > d0;
  bool frac_digits = false;
  if (i < n && s[i] == '.') {
    ++i;
    size_t f0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    frac_digits = i > f0;
  }
  if (!int_digits && !frac_digits) return std::nullopt;
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t e0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == e0) return std::nullopt;
  }
  if (i != n) return std::nullopt;
  std::string_view body = s[0] == '+' ? s.substr(1) : s;
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v);
  if (r.ec != std::errc()) return std::nullopt;
  return v;
}

}  // namespace vigil::gsl
