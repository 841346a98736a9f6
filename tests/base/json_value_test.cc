#include "base/json_value.h"

#include <gtest/gtest.h>

namespace vigil {
namespace {

// What Dump() prints, Parse() reads back as the same value (found by fuzz_aws_response: an
// integral double beyond 64 bits printed as a run of digits that no JSON reader takes).
TEST(Json, PrintedNumbersReadBack) {
  for (const char* text : {R"({"n":844070737095516E5})", R"({"n":-1.7e308})", R"({"n":1e300})",
                           R"({"n":18446744073709551615})", R"({"n":-9223372036854775808})",
                           R"({"n":9.3e18})", R"({"n":2185e3})", R"({"n":0.1})", R"({"n":-0.0})",
                           R"({"n":-9.3e18})", R"({"n":-1e19})", R"({"n":18446744073709551616.0})"}) {
    StatusOr<Json> j = Json::Parse(text, "test");
    ASSERT_TRUE(j.ok()) << text << ": " << j.status().message();
    std::string printed = j->Dump();
    StatusOr<Json> again = Json::Parse(printed, "printed");
    ASSERT_TRUE(again.ok()) << text << " printed as " << printed;
    EXPECT_TRUE(*again == *j) << text << " printed as " << printed;
  }
  EXPECT_EQ(Json(8.44070737095516e19).Dump(), "8.44070737095516e+19");
  EXPECT_EQ(Json(2185000.0).Dump(), "2185000");
}

}  // namespace
}  // namespace vigil
