#include "base/iso_time.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

int64_t Secs(std::string_view s) {
  std::optional<IsoTime> t = ParseIsoTime(s);
  EXPECT_TRUE(t.has_value()) << s;
  return t ? t->seconds : -1;
}

TEST(IsoTime, FormsPeopleAndAwsWrite) {
  EXPECT_EQ(Secs("2015-08-30T12:36:00Z"), 1440938160);
  EXPECT_EQ(Secs("2015-08-30t12:36:00z"), 1440938160);
  EXPECT_EQ(Secs("2015-08-30 12:36:00"), 1440938160);  // no zone: UTC
  EXPECT_EQ(Secs("2015-08-30T12:36Z"), 1440938160);    // no seconds
  EXPECT_EQ(Secs("2015-08-30T12:36:00UTC"), 1440938160);
  EXPECT_EQ(Secs("2015-08-30T14:36:00+02:00"), 1440938160);
  EXPECT_EQ(Secs("2015-08-30T14:36:00+0200"), 1440938160);
  EXPECT_EQ(Secs("2015-08-30T14:36:00+02"), 1440938160);
  EXPECT_EQ(Secs("2015-08-30T07:06:00-05:30"), 1440938160);
  EXPECT_EQ(Secs("2015-08-30"), 1440892800);  // midnight
  EXPECT_EQ(Secs("1969-12-31T23:59:59Z"), -1);
  EXPECT_EQ(Secs("2016-12-31T23:59:60Z"), 1483228800);  // a leap second: the next second
  std::optional<IsoTime> t = ParseIsoTime("2015-08-30T12:36:00.25Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_EQ(t->seconds, 1440938160);
  EXPECT_DOUBLE_EQ(t->fraction, 0.25);
  t = ParseIsoTime("2015-08-30T12:36:00,5Z");
  ASSERT_TRUE(t.has_value());
  EXPECT_DOUBLE_EQ(t->fraction, 0.5);
}

TEST(IsoTime, RejectsWhatIsNotATime) {
  for (const char* s : {"", "2015", "2015-8-30", "2015-08-30T", "2015-08-30T12", "2015-08-30T12:3",
                        "2015-13-01", "2015-02-29", "2015-04-31", "2015-08-30T24:00:00Z",
                        "2015-08-30T12:60:00Z", "2015-08-30T12:36:61Z", "2015-08-30T12:36:00.Z",
                        "2015-08-30T12:36:00+24:00", "2015-08-30T12:36:00Zjunk",
                        "2015-08-30X12:36:00Z", "2015-08-30T12:36:00 UTC"}) {
    EXPECT_FALSE(ParseIsoTime(s).has_value()) << s;
  }
  EXPECT_TRUE(ParseIsoTime("2016-02-29").has_value());
  EXPECT_TRUE(ParseIsoTime("2000-02-29").has_value());
  EXPECT_FALSE(ParseIsoTime("1900-02-29").has_value());
}

TEST(IsoTime, CalendarRoundTrip) {
  for (int64_t day = -800000; day <= 800000; day += 997) {
    int64_t y;
    unsigned m, d;
    CivilFromDays(day, &y, &m, &d);
    ASSERT_GE(d, 1u);
    ASSERT_LE(d, DaysInMonth(y, m));
    ASSERT_EQ(DaysFromCivil(y, m, d), day);
  }
}

TEST(IsoTime, Formats) {
  EXPECT_EQ(FormatIsoSeconds(1440938160), "2015-08-30T12:36:00Z");
  EXPECT_EQ(FormatIsoSeconds(1440938160, 250), "2015-08-30T12:36:00.250Z");
  EXPECT_EQ(FormatIsoSeconds(-1), "1969-12-31T23:59:59Z");
  EXPECT_EQ(FormatIsoSeconds(0, 7), "1970-01-01T00:00:00.007Z");
  EXPECT_EQ(FormatIsoSeconds(253402300800), "10000-01-01T00:00:00Z");  // past 9999: wider
  for (int64_t s : {int64_t{0}, int64_t{-86401}, int64_t{951782400}, int64_t{4102444799}}) {
    std::optional<IsoTime> back = ParseIsoTime(FormatIsoSeconds(s));
    ASSERT_TRUE(back.has_value()) << s;
    EXPECT_EQ(back->seconds, s);
  }
}

}  // namespace
}  // namespace vigil
