#include "replay/time_util.h"

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
  int64_t secs = FloorTo(ms, 1000) / 1000;
  return FormatIsoSeconds(secs, static_cast<int>(ms - secs * 1000));
}

}  // namespace vigil::replay
