// Parses filter-pattern text into a Pattern (ast.h), enforcing every validation rule and limit
// of filter-patterns.md §6-§7. A successful parse is a valid pattern.
//
// Errors are diagnostics on the user's text: the byte offset and the 1-based character column
// of the offending text, and a message that says what is wrong and what was expected.
// Parsing is linear in the pattern's length and never recurses deeper than the parenthesis
// nesting, which the 1024-character limit bounds.
#ifndef VIGIL_PATTERN_PARSER_H_
#define VIGIL_PATTERN_PARSER_H_

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pattern/ast.h"

namespace vigil::pattern {

struct ParseOptions {
  // Longest pattern accepted, in characters. AWS: 1024.
  size_t max_length = 1024;
  // Most `%regex%` values or terms in one pattern. AWS: 2.
  size_t max_regexes = 2;
  // Most atoms with a wildcard selector ([*] or .*) in one JSON pattern. AWS: 3.
  size_t max_wildcard_selectors = 3;
  // Decision 7: unquoted terms may use only [A-Za-z0-9_]. When true, '.', ':' and '-' are
  // accepted too, with a warning.
  bool lenient_terms = false;
};

struct Diagnostic {
  size_t offset = 0;  // byte offset into the pattern text
  size_t column = 1;  // 1-based, in characters
  std::string message;
};

struct ParseResult {
  std::optional<Pattern> pattern;  // set on success
  Diagnostic error;                // when !pattern
  std::vector<Diagnostic> warnings;
  bool ok() const { return pattern.has_value(); }
};

ParseResult Parse(std::string_view text, const ParseOptions& options = {});

// Renders a diagnostic as the CLI prints it:
//   error: <message> (column N)
//     <pattern>
//     <caret>
std::string FormatDiagnostic(std::string_view text, const Diagnostic& d,
                             std::string_view severity = "error");

}  // namespace vigil::pattern

#endif  // VIGIL_PATTERN_PARSER_H_
