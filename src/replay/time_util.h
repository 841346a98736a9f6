// Times in the replay: milliseconds since the Unix epoch (UTC), parsed from CloudTrail's ISO-8601
// `eventTime` and printed back in the same form. No time zone other than UTC is accepted.
#ifndef VIGIL_REPLAY_TIME_UTIL_H_
#define VIGIL_REPLAY_TIME_UTIL_H_

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace vigil::replay {

// Parses `YYYY-MM-DDTHH:MM:SS[.fff...](Z|+00:00)` and the date alone `YYYY-MM-DD` (midnight).
// Returns nullopt for anything else, including out-of-range fields (month 13, second 61).
std::optional<int64_t> ParseIsoTime(std::string_view s);

// `2024-03-12T09:14:05Z`; milliseconds are printed only when not zero.
std::string FormatIsoTime(int64_t ms);

// Floors `ms` to a multiple of `period_ms` (also for times before 1970).
inline int64_t FloorTo(int64_t ms, int64_t period_ms) {
  int64_t q = ms / period_ms;
  if (ms % period_ms < 0) --q;
  return q * period_ms;
}

}  // namespace vigil::replay

#endif  // VIGIL_REPLAY_TIME_UTIL_H_
