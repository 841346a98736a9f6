#include "base/iso_time.h"

#include <chrono>

#include <fmt/format.h>

namespace vigil {

int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<int64_t>(doe) - 719468;
}

void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d) {
  days += 719468;
  const int64_t era = (days >= 0 ? days : days - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(days - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const int64_t yy = static_cast<int64_t>(yoe) + era * 400;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  *d = doy - (153 * mp + 2) / 5 + 1;
  *m = mp < 10 ? mp + 3 : mp - 9;
  *y = yy + (*m <= 2);
}

unsigned DaysInMonth(int64_t y, unsigned m) {
  static const unsigned kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : kDays[m - 1];
}

bool ParseDigits(std::string_view s, size_t at, size_t n, int* out) {
  if (at + n > s.size()) return false;
  int v = 0;
  for (size_t i = at; i < at + n; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    v = v * 10 + (s[i] - '0');
  }
  *out = v;
  return true;
}

std::optional<IsoTime> ParseIsoTime(std::string_view s) {
  int y, mo, d, h = 0, mi = 0, se = 0;
  if (!ParseDigits(s, 0, 4, &y) || s.size() < 10 || s[4] != '-' || !ParseDigits(s, 5, 2, &mo) ||
      s[7] != '-' || !ParseDigits(s, 8, 2, &d)) {
    return std::nullopt;
  }
  if (mo < 1 || mo > 12 || d < 1 || d > static_cast<int>(DaysInMonth(y, static_cast<unsigned>(mo)))) {
    return std::nullopt;
  }
  size_t i = 10;
  double fraction = 0;
  int64_t offset = 0;
  if (i < s.size()) {
    if (s[i] != 'T' && s[i] != 't' && s[i] != ' ') return std::nullopt;
    if (!ParseDigits(s, i + 1, 2, &h) || s.size() < i + 6 || s[i + 3] != ':' ||
        !ParseDigits(s, i + 4, 2, &mi)) {
      return std::nullopt;
    }
    i += 6;
    if (i < s.size() && s[i] == ':') {
      if (!ParseDigits(s, i + 1, 2, &se)) return std::nullopt;
      i += 3;
      if (i < s.size() && (s[i] == '.' || s[i] == ',')) {
        size_t j = i + 1;
        double scale = 0.1;
        while (j < s.size() && s[j] >= '0' && s[j] <= '9') {
          fraction += (s[j] - '0') * scale;
          scale /= 10;
          ++j;
        }
        if (j == i + 1) return std::nullopt;
        i = j;
      }
    }
    if (h > 23 || mi > 59 || se > 60) return std::nullopt;
    std::string_view zone = s.substr(i);
    if (zone == "Z" || zone == "z" || zone == "UTC") {
      i = s.size();
    } else if (!zone.empty() && (zone[0] == '+' || zone[0] == '-')) {
      int oh, om = 0;
      if (!ParseDigits(s, i + 1, 2, &oh)) return std::nullopt;
      size_t j = i + 3;
      if (j < s.size() && s[j] == ':') ++j;
      if (j < s.size()) {
        if (!ParseDigits(s, j, 2, &om)) return std::nullopt;
        j += 2;
      }
      if (oh > 23 || om > 59) return std::nullopt;
      offset = (zone[0] == '+' ? 1 : -1) * (oh * 3600 + om * 60);
      i = j;
    }
    if (i != s.size()) return std::nullopt;
  }
  IsoTime t;
  t.seconds = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d)) * 86400 +
              h * 3600 + mi * 60 + se - offset;
  t.fraction = fraction;
  return t;
}

std::string FormatIsoSeconds(int64_t seconds, int millis) {
  int64_t days = seconds / 86400, rest = seconds % 86400;
  if (rest < 0) {
    rest += 86400;
    --days;
  }
  int64_t y;
  unsigned m, d;
  CivilFromDays(days, &y, &m, &d);
  if (y < 0 || y > 9999) {
    std::string out = fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}", y, m, d, rest / 3600,
                                  rest / 60 % 60, rest % 60);
    if (millis != 0) out += fmt::format(".{:03}", millis);
    return out + 'Z';
  }
  // By hand: the replay's reports print several times per event, and fmt's parsing of the
  // format string dominated their rendering.
  char buf[25] = "0000-00-00T00:00:00.000Z";
  auto put = [&](int at, int64_t v, int width) {
    for (int k = width - 1; k >= 0; --k, v /= 10) buf[at + k] = static_cast<char>('0' + v % 10);
  };
  put(0, y, 4);
  put(5, m, 2);
  put(8, d, 2);
  put(11, rest / 3600, 2);
  put(14, rest / 60 % 60, 2);
  put(17, rest % 60, 2);
  if (millis == 0) return std::string(buf, 19) + 'Z';
  put(20, millis, 3);
  return std::string(buf, 24);
}

double CurrentTime() {
  return std::chrono::duration<double>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace vigil
