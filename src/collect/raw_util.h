// Small helpers over the raw collection document, shared by the collector and the builder.
#ifndef VIGIL_COLLECT_RAW_UTIL_H_
#define VIGIL_COLLECT_RAW_UTIL_H_

#include <string>
#include <string_view>
#include <vector>

#include "base/json_value.h"

namespace vigil::collect {

// The items of a list member; a missing member or an empty XML element ("") is an empty list.
inline std::vector<Json> Items(const Json* v) {
  if (v == nullptr || !v->is_array()) return {};
  return v->items();
}
inline std::vector<Json> Items(const Json& obj, std::string_view key) {
  return Items(obj.Get(key));
}

inline Json ArrayOf(std::vector<Json> items) {
  Json a = Json::Array();
  a.items() = std::move(items);
  return a;
}

}  // namespace vigil::collect

#endif  // VIGIL_COLLECT_RAW_UTIL_H_
