// The replay's fast paths for event times (src/replay/replay.h): ScanEventTime finds the first
// `"eventTime"` by its 'T' and ParseEventTime reuses the previous event's day. Both must give
// exactly what ParseIsoTime over the first `"eventTime"` member gives, whatever came before.
#include <random>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "replay/replay.h"
#include "replay/time_util.h"

namespace vigil::replay {
namespace {

TEST(ScanEventTime, FirstEventTimeMemberWhateverComesBefore) {
  EXPECT_EQ(ScanEventTime(R"({"eventTime":"2024-03-12T09:14:05Z"})"), 1710234845000);
  EXPECT_EQ(ScanEventTime(R"({"eventTime" : "2024-03-12T09:14:05Z"})"), 1710234845000);
  // Capital Ts before it (ids, timestamps, a key that ends like it) are skipped.
  EXPECT_EQ(ScanEventTime(R"({"id":"ATTT","d":"2014-09-26T18:08:20Z","xeventTime":1,)"
                          R"("eventTime":"2024-03-12T09:14:05.250Z"})"),
            1710234845250);
  EXPECT_EQ(ScanEventTime(R"({"userIdentity":{"eventTime":"2020-01-01T00:00:00Z"},)"
                          R"("eventTime":"2024-03-12T09:14:05Z"})"),
            1577836800000);  // the first member, as documented
  for (const char* bad :
       {"", "T", R"({"eventTime")", R"({"eventTime":)", R"({"eventTime":"2024-03-12T09:14:05Z)",
        R"({"eventTime":1710234845})", R"({"eventTime":"2024-03-12T09:14:05"})",
        R"({"eventTime":"bad","eventTime":"2024-03-12T09:14:05Z"})", R"({"eventtime":"x"})"}) {
    EXPECT_FALSE(ScanEventTime(bad).has_value()) << bad;
  }
}

TEST(ParseEventTime, SameAsParseIsoTimeWithAWarmCache) {
  std::vector<std::string> times = {
      "2024-03-12T09:14:05Z",     "2024-03-12T23:59:59Z",     "2024-03-12T24:00:00Z",
      "2024-03-12T09:60:00Z",     "2024-03-12T09:14:60Z",     "2024-03-12T09:14:05.5Z",
      "2024-03-12T09:14:05+00:00", "2024-03-12T09:14:05",     "2024-03-12T9:14:05Z",
      "2024-03-12T09:1a:05Z",     "2024-03-12T09:14:05z",     "2024-03-12",
      "2024-03-13T00:00:00Z",     "2024-02-29T12:00:00Z",     "2023-02-29T12:00:00Z",
      "2024-03-12X09:14:05Z",     "2024-03-12T09-14:05Z",     ""};
  std::mt19937 rng(8);
  for (int round = 0; round < 2000; ++round) {
    EventTimeCache cache;
    // Warm the cache with one day, then parse a random time: the cached path must not differ.
    ASSERT_TRUE(ParseEventTime("2024-03-12T00:00:00Z", cache).has_value());
    const std::string& s = times[rng() % times.size()];
    EXPECT_EQ(ParseEventTime(s, cache), ParseIsoTime(s)) << s;
    EXPECT_EQ(ParseEventTime(s, cache), ParseIsoTime(s)) << s << " (second time)";
  }
  EventTimeCache cache;
  EXPECT_FALSE(ParseEventTime("2024-03-12T24:00:00Z", cache).has_value());
  EXPECT_FALSE(cache.valid);  // an invalid time does not set the day
}

}  // namespace
}  // namespace vigil::replay
