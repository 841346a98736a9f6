// The registry of GSL functions: declarations apart from implementations (builtins.cc). A new
// function is one entry in kBuiltins and one implementation.
#ifndef VIGIL_GSL_BUILTINS_H_
#define VIGIL_GSL_BUILTINS_H_

#include <string>
#include <string_view>

namespace vigil::gsl {

enum class BuiltinId {
  kIsEmpty,
  kLength,
  kIsPublic,
  kNumberOfHosts,
  kAllowedHostsForPort,
  kIsFilterPatternEqual,
  kCoversFilterPattern,
};

struct Builtin {
  BuiltinId id;
  const char* name;       // as documented; matched case-insensitively
  bool yields_number;     // true: must be followed by a comparison; false: a boolean test
  int args;               // number of arguments
  enum class Arg { kNone, kNumber, kString } arg;
  const char* summary;
};

// nullptr when `name` (any case) is not a GSL function.
const Builtin* FindBuiltin(std::string_view name);
// "isEmpty, length, isPublic, ..." for diagnostics.
std::string BuiltinNames();

}  // namespace vigil::gsl

#endif  // VIGIL_GSL_BUILTINS_H_
