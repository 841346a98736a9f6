// A small mutable JSON tree with ordered object members, for documents vigil builds (the
// collector's inventory) and for API responses it reshapes. Numbers keep their text, so that
// large integers (epoch milliseconds, account ids) survive exactly. Reading is done with simdjson.
#ifndef VIGIL_BASE_JSON_VALUE_H_
#define VIGIL_BASE_JSON_VALUE_H_

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace vigil {

class Json {
 public:
  enum class Kind { kNull, kBool, kNumber, kString, kArray, kObject };
  using Member = std::pair<std::string, Json>;

  Json() = default;  // null
  Json(bool b) : kind_(Kind::kBool), bool_(b) {}  // NOLINT: implicit by design
  Json(int v) : Json(static_cast<int64_t>(v)) {}  // NOLINT
  Json(int64_t v) : kind_(Kind::kNumber), text_(std::to_string(v)) {}  // NOLINT
  Json(double v);  // NOLINT
  Json(std::string s) : kind_(Kind::kString), text_(std::move(s)) {}  // NOLINT
  Json(std::string_view s) : Json(std::string(s)) {}  // NOLINT
  Json(const char* s) : Json(std::string(s)) {}  // NOLINT
  static Json Array() { Json j; j.kind_ = Kind::kArray; return j; }
  static Json Object() { Json j; j.kind_ = Kind::kObject; return j; }
  // A number from its JSON text, kept verbatim (the caller guarantees it is a JSON number).
  static Json NumberText(std::string text);

  Kind kind() const { return kind_; }
  bool is_null() const { return kind_ == Kind::kNull; }
  bool is_bool() const { return kind_ == Kind::kBool; }
  bool is_number() const { return kind_ == Kind::kNumber; }
  bool is_string() const { return kind_ == Kind::kString; }
  bool is_array() const { return kind_ == Kind::kArray; }
  bool is_object() const { return kind_ == Kind::kObject; }

  bool as_bool() const { return bool_; }
  double as_double() const;
  const std::string& text() const { return text_; }  // a string's value or a number's text

  const std::vector<Json>& items() const { return items_; }
  std::vector<Json>& items() { return items_; }
  const std::vector<Member>& members() const { return members_; }
  std::vector<Member>& members() { return members_; }

  // Object access. Get returns nullptr when the member is absent (or this is not an object).
  const Json* Get(std::string_view key) const;
  Json* Get(std::string_view key);
  // The member's string value, or `fallback` when absent or not a string.
  std::string GetString(std::string_view key, std::string_view fallback = "") const;
  // Sets a member, replacing one of the same name (keeps its position) or appending.
  Json& Set(std::string key, Json value);
  bool Erase(std::string_view key);
  // Appends to an array.
  Json& Push(Json value);

  // JSON text. indent < 0: compact; otherwise pretty with that many spaces per level.
  std::string Dump(int indent = -1) const;
  void DumpTo(std::string& out, int indent = -1, int depth = 0) const;

  // Parses a whole document; errors name `what` and the simdjson error.
  static StatusOr<Json> Parse(std::string_view text, std::string_view what);

  friend bool operator==(const Json& a, const Json& b);

 private:
  Kind kind_ = Kind::kNull;
  bool bool_ = false;
  std::string text_;
  std::vector<Json> items_;
  std::vector<Member> members_;
};

}  // namespace vigil

#endif  // VIGIL_BASE_JSON_VALUE_H_
