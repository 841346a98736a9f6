#include <string>
#include <string_view>

#include "gsl/builtins.h"

namespace vigil::gsl {

namespace {

constexpr Builtin kBuiltins[] = {
    {BuiltinId::kIsEmpty, "isEmpty", false, 0, Builtin::Arg::kNone,
     "true for missing, null, '', [] and {}"},
    {BuiltinId::kLength, "length", true, 0, Builtin::Arg::kNone,
     "elements of a list, characters of a string, members of an object; 0 for missing"},
    {BuiltinId::kIsPublic, "isPublic", false, 0, Builtin::Arg::kNone,
     "an address or CIDR reaches outside private and reserved ranges"},
    {BuiltinId::kNumberOfHosts, "numberOfHosts", true, 0, Builtin::Arg::kNone,
     "addresses in a CIDR"},
    {BuiltinId::kAllowedHostsForPort, "allowedHostsForPort", true, 1, Builtin::Arg::kNumber,
     "IPv4 source addresses that rules allow to reach a port"},
    {BuiltinId::kIsFilterPatternEqual, "isFilterPatternEqual", false, 1, Builtin::Arg::kString,
     "a CloudWatch Logs filter pattern that matches exactly the same events"},
    {BuiltinId::kCoversFilterPattern, "coversFilterPattern", false, 1, Builtin::Arg::kString,
     "a CloudWatch Logs filter pattern that matches every event the argument matches"},
};

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (size_t i = 0; i < a.size(); ++i) {
    char x = a[i], y = b[i];
    if (x >= 'A' && x <= 'Z') x = static_cast<char>(x - 'A' + 'a');
    if (y >= 'A' && y <= 'Z') y = static_cast<char>(y - 'A' + 'a');
    if (x != y) return false;
  }
  return true;
}

}  // namespace

const Builtin* FindBuiltin(std::string_view name) {
  for (const Builtin& b : kBuiltins) {
    if (EqualsIgnoreCase(name, b.name)) return &b;
  }
  return nullptr;
}

std::string BuiltinNames() {
  std::string out;
  for (const Builtin& b : kBuiltins) {
    if (!out.empty()) out += ", ";
    out += b.name;
  }
  return out;
}

}  // namespace vigil::gsl
