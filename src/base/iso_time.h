// Calendar arithmetic (proleptic Gregorian, UTC) and ISO-8601 timestamps as AWS writes them and
// people type them. One parser for the rules' dates (gsl), credential expiry times (aws) and the
// pieces of the replay's strict CloudTrail `eventTime` reader.
#ifndef VIGIL_BASE_ISO_TIME_H_
#define VIGIL_BASE_ISO_TIME_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

// Days since 1970-01-01 of year y, month m (1-12), day d (Howard Hinnant's algorithm).
int64_t DaysFromCivil(int64_t y, unsigned m, unsigned d);
// The date of a day number (the inverse).
void CivilFromDays(int64_t days, int64_t* y, unsigned* m, unsigned* d);
// 28 to 31.
unsigned DaysInMonth(int64_t y, unsigned m);
// The `n` decimal digits of `s` at `at`, as a number; false when they are not all digits.
bool ParseDigits(std::string_view s, size_t at, size_t n, int* out);

struct IsoTime {
  int64_t seconds = 0;  // since the epoch, UTC
  double fraction = 0;  // of a second, [0, 1)
};

// `YYYY-MM-DD` (midnight UTC), optionally followed by `T` (or `t`, or a space) and
// `HH:MM[:SS[.digits]]` (`,` also marks the fraction; second 60 is a leap second) and a zone:
// `Z`, `z`, `UTC`, `±HH`, `±HH:MM` or `±HHMM`, or none for UTC. Anything else, and fields out of
// range (month 13, day 31 in April, hour 24), give nullopt.
std::optional<IsoTime> ParseIsoTime(std::string_view s);

// `2026-11-27T10:00:00Z` for seconds since the epoch (the form inventories and reports write);
// with `millis` (0-999) not 0, `2026-11-27T10:00:00.250Z`.
std::string FormatIsoSeconds(int64_t seconds, int millis = 0);

// Seconds since the epoch, now (with the fraction).
double CurrentTime();

}  // namespace vigil

#endif  // VIGIL_BASE_ISO_TIME_H_
