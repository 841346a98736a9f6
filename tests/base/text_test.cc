#include "base/text.h"

#include <gtest/gtest.h>

#include "base/json_writer.h"

namespace vigil {
namespace {

TEST(FormatNumber, ShortestRoundTrip) {
  EXPECT_EQ(FormatNumber(1000), "1000");
  EXPECT_EQ(FormatNumber(1e3), "1000");
  EXPECT_EQ(FormatNumber(0.001), "0.001");
  EXPECT_EQ(FormatNumber(-0.0), "0");
  EXPECT_EQ(FormatNumber(1.5), "1.5");
  EXPECT_EQ(FormatNumber(1e300), "1e+300");
}

TEST(ParsePatternNumber, Grammar) {
  EXPECT_EQ(ParsePatternNumber("+1000"), 1000);
  EXPECT_EQ(ParsePatternNumber("1e3"), 1000);
  EXPECT_EQ(ParsePatternNumber("10e2"), 1000);
  EXPECT_EQ(ParsePatternNumber("-1.5E-1"), -0.15);
  EXPECT_FALSE(ParsePatternNumber(""));
  EXPECT_FALSE(ParsePatternNumber("1."));
  EXPECT_FALSE(ParsePatternNumber(".5"));
  EXPECT_FALSE(ParsePatternNumber("0x10"));
  EXPECT_FALSE(ParsePatternNumber("1e"));
  EXPECT_FALSE(ParsePatternNumber("inf"));
  EXPECT_FALSE(ParsePatternNumber("1 "));
  EXPECT_TRUE(ParsePatternNumber("1e999"));  // overflows to infinity, still a number
}

TEST(Utf8, Validation) {
  EXPECT_TRUE(IsValidUtf8("plain"));
  EXPECT_TRUE(IsValidUtf8("caf\xC3\xA9"));
  EXPECT_FALSE(IsValidUtf8("\xC3"));
  EXPECT_FALSE(IsValidUtf8("\xC0\xAF"));          // overlong
  EXPECT_FALSE(IsValidUtf8("\xED\xA0\x80"));      // surrogate
  EXPECT_FALSE(IsValidUtf8("\xF4\x90\x80\x80"));  // above U+10FFFF
  EXPECT_EQ(FirstInvalidUtf8("ab\xFF"), 2u);
}

TEST(JsonWriter, EscapesAndReplacesInvalidUtf8) {
  EXPECT_EQ(JsonString("a\"b\\c\n\x01"), "\"a\\\"b\\\\c\\n\\u0001\"");
  EXPECT_EQ(JsonString("x\xFFy"), "\"x\xEF\xBF\xBDy\"");
  EXPECT_EQ(JsonString("caf\xC3\xA9"), "\"caf\xC3\xA9\"");
}

}  // namespace
}  // namespace vigil
