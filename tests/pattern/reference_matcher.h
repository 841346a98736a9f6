// A slow, deliberately simple interpreter of filter patterns, for differential tests of the
// compiled matcher (matcher.h) in the style of RE2's tests against its backtracker.
//
// It reads the parsed AST (ast.h) and follows filter-patterns.md §3 line by line, sharing no code
// with src/pattern beyond the AST types: JSON events are parsed with simdjson's validating DOM
// into a plain tree (duplicate keys dropped after their first occurrence, numbers keeping their
// raw text), selectors are evaluated as node sets one step at a time, regexes run on std::wregex
// built from the regex IR (not from the RE2 translation), and delimited events are tokenised
// afresh. Only compiled regexes and the simdjson parser are kept between calls; speed is not a
// goal. Regex searches also
// run a second, linear interpretation of the IR (a set of reachable positions advanced piece by
// piece), which alone serves subjects too long for libstdc++'s recursive std::regex.
//
// ReferenceExtract does the same for extracted values (§4).
//
// Options honoured: numbers (TYPED/TEXTUAL), terms (substring/word start), arity,
// json_from_first_brace and max_json_depth. The others (prefilter, regex_max_mem) cannot change a
// result and are ignored.
#ifndef VIGIL_TESTS_PATTERN_REFERENCE_MATCHER_H_
#define VIGIL_TESTS_PATTERN_REFERENCE_MATCHER_H_

#include <optional>
#include <string>
#include <string_view>

#include "pattern/ast.h"
#include "pattern/matcher.h"

namespace vigil::pattern::testing {

// True when `pattern` matches the event message `msg` under `options`, per filter-patterns.md.
// Thread-compatible (thread-local parser and regex cache). Throws std::logic_error only when one
// of its own cross-checks fails (the two regex searches disagree, or the number scan is out of
// step with simdjson): a bug in the reference, not in the code under test.
bool ReferenceMatches(const Pattern& pattern, std::string_view msg, const MatchOptions& options);

// The values a matching event yields (§4): none for term patterns; for delimited patterns each
// named field as `$name`, each unnamed field and each token taken by `...` as `$n` (1-based
// position); for JSON patterns each distinct selector, printed by ReferenceSelectorText, with the
// text of the first string or number it resolves to (document order), selectors that resolve to
// no scalar left out. In the pattern's order; meaningful only for events the pattern matches.
ExtractedValues ReferenceExtract(const Pattern& pattern, std::string_view msg,
                                 const MatchOptions& options);

// A selector as `$.a.b[0][*].*.['k.d']`: `.['k']` for every key that is not a plain Name.
std::string ReferenceSelectorText(const Selector& sel);

// The Number grammar of §2.3 ([+-]digits[.digits][(e|E)[+-]digits], whole text), valued with
// strtod (so out-of-range exponents give +-inf or 0). Exposed for the tests' own checks.
std::optional<double> ReferenceNumber(std::string_view text);

}  // namespace vigil::pattern::testing

#endif  // VIGIL_TESTS_PATTERN_REFERENCE_MATCHER_H_
