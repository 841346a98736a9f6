#include "replay/time_util.h"

#include <fmt/format.h>

#include "base/iso_time.h"

namespace vigil::replay {

// CloudTrail writes one form; this reader takes that form only (base's ParseIsoTime takes what
// people type), and millisecond integers, which the replay's windows count in.
std::optional<int64_t> ParseIsoTime(std::string_view s) {
  int y, mo, d;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1) return std::nullopt;
  if (d > static_cast<int>(DaysInMonth(y, static_cast<unsigned>(mo)))) return std::nullopt;
  int64_t ms = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400000;
  if (s.size() == 10) return ms;
  int h, mi, sec;
  if (s[10] != 'T' || !ParseDigits(s, 11, 2, &h) || s.size() < 19 || s[13] != ':' ||
      !ParseDigits(s, 14, 2, &mi) || s[16] != ':' || !ParseDigits(s, 17, 2, &sec)) {
    return std::nullopt;
  }
  if (h > 23 || mi > 59 || sec > 59) return std::nullopt;
  ms += (h * 3600 + mi * 60 + sec) * int64_t{1000};
  size_t i = 19;
  if (i < s.size() && s[i] == '.') {
    ++i;
    int frac = 0, digits = 0;
    while (i < s.size() && s[i] >= '0' && s[i] <= '9') {
      if (digits < 3) frac = frac * 10 + (s[i] - '0');
      ++digits;
      ++i;
    }
    if (digits == 0) return std::nullopt;
    for (int k = digits; k < 3; ++k) frac *= 10;
    ms += frac;
  }
  std::string_view zone = s.substr(i);
  if (zone != "Z" && zone != "+00:00") return std::nullopt;
  return ms;
}

std::string FormatIsoTime(int64_t ms) {
  int64_t days = ms / 86400000;
  int64_t rem = ms % 86400000;
  if (rem < 0) {
    rem += 86400000;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  int64_t secs = rem / 1000, milli = rem % 1000;
  if (y < 0 || y > 9999) {  // not a CloudTrail time; printed as before, with fmt
    std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, secs / 3600,
                                  (secs / 60) % 60, secs % 60);
    if (milli != 0) out += fmt::format(".{:03}", milli);
    out += 'Z';
    return out;
  }
  // By hand: reports print several times per event, and fmt's parsing of the format string
  // dominated rendering.
  char buf[24] = "0000-00-00T00:00:00.000";
  auto put = [&](int at, int64_t v, int width) {
    for (int k = width - 1; k >= 0; --k, v /= 10) buf[at + k] = static_cast<char>('0' + v % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, secs / 3600, 2);
  put(14, (secs / 60) % 60, 2);
  put(17, secs % 60, 2);
  size_t len = 19;
  if (milli != 0) {
    put(20, milli, 3);
    len = 23;
  }
  std::string out(buf, len);
  out += 'Z';
  return out;
}

}  // namespace vigil::replay
