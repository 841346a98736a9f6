// Prints patterns and their parts as text.
#ifndef VIGIL_PATTERN_PRINTER_H_
#define VIGIL_PATTERN_PRINTER_H_

#include <string>

#include "pattern/ast.h"

namespace vigil::pattern {

// $.a.b, $.a[0], $.a[*], $.*, $.['dotted.key']: ['k'] only where k is not a plain name.
std::string PrintSelector(const Selector& sel);

// A value as the normal form prints it: strings and globs in double quotes (with \" and \\),
// numbers in shortest form, regexes between '%'.
std::string PrintValue(const Value& v);

}  // namespace vigil::pattern

#endif  // VIGIL_PATTERN_PRINTER_H_
