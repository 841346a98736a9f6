// DomRef reads simdjson's tape directly; these tests walk documents with DomRef and with
// simdjson's own API side by side and require the same answers everywhere, so that a change of
// the tape format in another simdjson version fails here first.
#include "gsl/dom.h"

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

#include <gtest/gtest.h>

namespace vigil::gsl {
namespace {

// Compares the value `r` with the element `e`, recursively; counts the values compared.
void Same(DomRef r, simdjson::dom::element e, const std::string& where, size_t* seen) {
  ++*seen;
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      ASSERT_TRUE(r.is_array()) << where;
      simdjson::dom::array a = e.get_array().value_unsafe();
      EXPECT_EQ(r.Count(), a.size()) << where;
      EXPECT_EQ(r.empty(), a.size() == 0) << where;
      DomRef x = r.First();
      size_t i = 0;
      for (simdjson::dom::element y : a) {
        ASSERT_FALSE(x.is_end()) << where << "[" << i << "]";
        Same(x, y, where + "[" + std::to_string(i) + "]", seen);
        x = x.Next();
        ++i;
      }
      EXPECT_TRUE(x.is_end()) << where;
      return;
    }
    case simdjson::dom::element_type::OBJECT: {
      ASSERT_TRUE(r.is_object()) << where;
      simdjson::dom::object o = e.get_object().value_unsafe();
      EXPECT_EQ(r.Count(), o.size()) << where;
      EXPECT_EQ(r.empty(), o.size() == 0) << where;
      DomRef k = r.First();
      for (auto field : o) {
        ASSERT_FALSE(k.is_end()) << where << "." << field.key;
        ASSERT_EQ(k.type(), '"') << where;
        EXPECT_EQ(k.string(), field.key) << where;
        Same(k.Value(), field.value, where + "." + std::string(field.key), seen);
        // A lookup by name finds the first member of that name, as simdjson's does.
        DomRef m = r.Member(field.key);
        ASSERT_TRUE(m.valid()) << where << "." << field.key;
        size_t ignored = 0;
        Same(m, o[field.key].value_unsafe(), where + "/" + std::string(field.key), &ignored);
        k = k.Value().Next();
      }
      EXPECT_TRUE(k.is_end()) << where;
      EXPECT_FALSE(r.Member("no such member, surely").valid()) << where;
      return;
    }
    case simdjson::dom::element_type::STRING:
      ASSERT_EQ(r.type(), '"') << where;
      EXPECT_EQ(r.string(), e.get_string().value_unsafe()) << where;
      return;
    case simdjson::dom::element_type::INT64:
      ASSERT_EQ(r.type(), 'l') << where;
      EXPECT_EQ(r.int64(), e.get_int64().value_unsafe()) << where;
      return;
    case simdjson::dom::element_type::UINT64:
      ASSERT_EQ(r.type(), 'u') << where;
      EXPECT_EQ(r.uint64(), e.get_uint64().value_unsafe()) << where;
      return;
    case simdjson::dom::element_type::DOUBLE:
      ASSERT_EQ(r.type(), 'd') << where;
      EXPECT_EQ(r.number(), e.get_double().value_unsafe()) << where;
      return;
    case simdjson::dom::element_type::BOOL:
      EXPECT_EQ(r.type(), e.get_bool().value_unsafe() ? 't' : 'f') << where;
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      EXPECT_EQ(r.type(), 'n') << where;
      return;
  }
}

size_t CheckText(const std::string& text) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  EXPECT_FALSE(parser.parse(simdjson::padded_string(text)).get(root)) << text.substr(0, 80);
  size_t seen = 0;
  Same(DomRef::Root(parser.doc), root, "$", &seen);
  return seen;
}

TEST(DomRef, AgreesWithSimdjsonOnEveryShape) {
  EXPECT_EQ(CheckText(R"({})"), 1u);
  EXPECT_EQ(CheckText(R"([])"), 1u);
  EXPECT_EQ(CheckText(R"("just a string")"), 1u);
  EXPECT_EQ(CheckText(R"(-12)"), 1u);
  EXPECT_EQ(CheckText(R"(null)"), 1u);
  EXPECT_GT(CheckText(R"({"a":1,"b":-2,"c":18446744073709551615,"d":1.5e300,"e":-0.0,
      "f":true,"g":false,"h":null,"i":"","j":"\u00e9\ud83d\ude00 \"q\" \\ \n","k":[],"l":{},
      "m":[[],[[]],{"x":[1,{"y":null}]}],"n":{"o":{"p":{"q":[true,false,null,"s",2.25]}}},
      "dup":1,"dup":"second","":"empty key","k\u0065y":"escaped key"})"),
            30u);
}

TEST(DomRef, AgreesWithSimdjsonOnTheTestInventories) {
  size_t files = 0, values = 0;
  for (const auto& entry : std::filesystem::directory_iterator(
           std::string(VIGIL_SOURCE_DIR) + "/testdata/gsl/inventories")) {
    std::ifstream in(entry.path());
    std::stringstream text;
    text << in.rdbuf();
    values += CheckText(text.str());
    ++files;
  }
  EXPECT_GT(files, 20u);
  EXPECT_GT(values, 1000u);
}

TEST(DomRef, MemberFindsTheFirstOfRepeatedNames) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  ASSERT_FALSE(parser.parse(simdjson::padded_string(std::string(
                   R"({"a":{"id":"inner"},"id":"first","id":"second","ids":"longer"})")))
                   .get(root));
  DomRef r = DomRef::Root(parser.doc);
  ASSERT_TRUE(r.Member("id").valid());
  EXPECT_EQ(r.Member("id").string(), "first");
  EXPECT_EQ(r.Member("ids").string(), "longer");
  EXPECT_EQ(r.Key("ids").string(), "ids");
  EXPECT_FALSE(r.Member("i").valid());
  EXPECT_EQ(r.Member("a").Member("id").string(), "inner");
}

}  // namespace
}  // namespace vigil::gsl
