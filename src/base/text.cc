#include "base/text.h"

#include <charconv>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <system_error>

namespace vigil {

size_t FirstInvalidUtf8(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size(), i = 0;
  while (i < n) {
    unsigned c = p[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    size_t len;
    unsigned cp;
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
      cp = c & 0x1F;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      cp = c & 0x0F;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      cp = c & 0x07;
    } else {
      return i;
    }
    if (i + len > n) return i;
    for (size_t k = 1; k < len; ++k) {
      if ((p[i + k] & 0xC0) != 0x80) return i;
      cp = (cp << 6) | (p[i + k] & 0x3F);
    }
    if ((len == 3 && (cp < 0x800 || (cp >= 0xD800 && cp <= 0xDFFF))) ||
        (len == 4 && (cp < 0x10000 || cp > 0x10FFFF))) {
      return i;
    }
    i += len;
  }
  return std::string_view::npos;
}

bool IsValidUtf8(std::string_view s) { return FirstInvalidUtf8(s) == std::string_view::npos; }

std::string FormatNumber(double v) {
  if (v == 0) return "0";
  if (std::isnan(v)) return "nan";
  if (std::isinf(v)) return v > 0 ? "inf" : "-inf";
  char buf[64];
  // Shortest round-trip in fixed notation when it is reasonably short, else scientific.
  auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::fixed);
  std::string fixed = (r.ec == std::errc()) ? std::string(buf, r.ptr) : std::string();
  auto g = std::to_chars(buf, buf + sizeof buf, v);  // shortest of fixed/scientific
  std::string shortest(buf, g.ptr);
  if (!fixed.empty() && fixed.size() <= 21) return fixed;
  return shortest;
}

std::optional<double> ParsePatternNumber(std::string_view s) {
  size_t i = 0, n = s.size();
  if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
  size_t d0 = i;
  while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
  if (i == d0) return std::nullopt;
  if (i < n && s[i] == '.') {
    ++i;
    size_t f0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == f0) return std::nullopt;
  }
  if (i < n && (s[i] == 'e' || s[i] == 'E')) {
    ++i;
    if (i < n && (s[i] == '+' || s[i] == '-')) ++i;
    size_t e0 = i;
    while (i < n && s[i] >= '0' && s[i] <= '9') ++i;
    if (i == e0) return std::nullopt;
  }
  if (i != n) return std::nullopt;
  std::string_view body = s;
  if (!body.empty() && body[0] == '+') body.remove_prefix(1);
  double v = 0;
  auto r = std::from_chars(body.data(), body.data() + body.size(), v);
  if (r.ec == std::errc::result_out_of_range) {
    // Overflow to +-inf, underflow to 0: keep a value so that comparisons still work.
    bool neg = !body.empty() && body[0] == '-';
    size_t epos = body.find_first_of("eE");
    bool big = epos != std::string_view::npos && body.size() > epos + 1 && body[epos + 1] != '-';
    if (epos == std::string_view::npos) big = true;
    v = big ? (neg ? -HUGE_VAL : HUGE_VAL) : (neg ? -0.0 : 0.0);
  } else if (r.ec != std::errc() || r.ptr != body.data() + body.size()) {
    return std::nullopt;
  }
  return v;
}

std::string QuoteForMessage(std::string_view s, size_t max) {
  std::string out = "\"";
  size_t shown = 0;
  for (char ch : s) {
    if (shown >= max) {
      out += "...";
      break;
    }
    auto c = static_cast<unsigned char>(ch);
    if (c < 0x20 || c == 0x7F) {
      char b[8];
      std::snprintf(b, sizeof b, "\\x%02X", c);
      out += b;
    } else if (c == '"' || c == '\\') {
      out += '\\';
      out += ch;
    } else {
      out += ch;
    }
    ++shown;
  }
  out += '"';
  return out;
}

std::string_view TrimSpace(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

std::string ArnField(std::string_view arn, int index) {
  size_t start = 0;
  for (int i = 0; i < index; ++i) {
    start = arn.find(':', start);
    if (start == std::string_view::npos) return "";
    ++start;
  }
  size_t end = arn.find(':', start);
  return std::string(
      arn.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
}

}  // namespace vigil
