// A slow, deliberately simple interpreter of filter patterns, for differential tests of the
// compiled matcher (matcher.h) in the style of RE2's tests against its backtracker.
//
// It reads the parsed AST (ast.h) and follows filter-patterns.md §3 line by line, sharing no code
// with src/pattern beyond the AST types: JSON events are parsed with simdjson's validating DOM
// into a plain tree (duplicate keys dropped after their first occurrence, numbers keeping their
// raw text), selectors are evaluated as node sets one step at a time, regexes run on std::wregex
// built from the regex IR (not from the RE2 translation), and delimited events are tokenised
// afresh. Nothing is cached except compiled regexes; speed is not a goal.
//
// Options honoured: numbers (TYPED/TEXTUAL), terms (substring/word start), arity,
// json_from_first_brace and max_json_depth. The others (prefilter, regex_max_mem) cannot change a
// result and are ignored.
#ifndef VIGIL_TESTS_PATTERN_REFERENCE_MATCHER_H_
#define VIGIL_TESTS_PATTERN_REFERENCE_MATCHER_H_

#include <optional>
#include <string_view>

#include "pattern/ast.h"
#include "pattern/matcher.h"

namespace vigil::pattern::testing {

// True when `pattern` matches the event message `msg` under `options`, per filter-patterns.md.
// Thread-compatible (a thread-local regex cache); never throws for a valid pattern.
bool ReferenceMatches(const Pattern& pattern, std::string_view msg, const MatchOptions& options);

// The Number grammar of §2.3 ([+-]digits[.digits][(e|E)[+-]digits], whole text), valued with
// strtod (so out-of-range exponents give +-inf or 0). Exposed for the tests' own checks.
std::optional<double> ReferenceNumber(std::string_view text);

}  // namespace vigil::pattern::testing

#endif  // VIGIL_TESTS_PATTERN_REFERENCE_MATCHER_H_
