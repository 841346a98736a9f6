#include <string>
#include <string_view>

#include "base/text.h"
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

}  // namespace

const Builtin* FindBuiltin(std::string_view name) {
  for (const Builtin& b : kBuiltins) {
    if (EqualsIgnoreAsciiCase(name, b.name)) return &b;
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
