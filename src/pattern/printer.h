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

// Prints a pattern as it stands, in the house style: `{ A && (B || C) }`, `[a, b = "x", ...]`,
// terms separated by one space. Parse(Print(p)) == p for every p that Canonicalize returned.
std::string Print(const Pattern& p);

// The normal form of filter-patterns.md §8: the same events match, and it is idempotent.
// Flattens, deduplicates and sorts &&/|| operands, drops redundant parentheses and ignored `?`
// terms, sorts and deduplicates terms, and turns match-all spellings into the empty pattern.
Pattern Canonicalize(const Pattern& p);

// Print(Canonicalize(p)).
std::string Normalize(const Pattern& p);

}  // namespace vigil::pattern

#endif  // VIGIL_PATTERN_PRINTER_H_
