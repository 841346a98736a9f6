// Timestamps as the inventory writes them: ISO-8601 UTC with a 'Z'.
#ifndef VIGIL_COLLECT_TIME_UTIL_H_
#define VIGIL_COLLECT_TIME_UTIL_H_

#include <ctime>
#include <string>

namespace vigil::collect {

inline std::string IsoTime(std::time_t t) {
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

}  // namespace vigil::collect

#endif  // VIGIL_COLLECT_TIME_UTIL_H_
