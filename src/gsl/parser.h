// Lexer and recursive-descent parser for GSL (shared/docs/gsl.md §2-§3, §12).
//
// Parsing is strict: every problem is a Diagnostic with the byte offset, line and column, and a
// message that names what was found and what was expected. Recursion depth is bounded
// (ParseOptions::max_depth) so that deeply nested input fails cleanly instead of overflowing.
#ifndef VIGIL_GSL_PARSER_H_
#define VIGIL_GSL_PARSER_H_

#include <optional>
#include <string>
#include <string_view>

#include "gsl/ast.h"

namespace vigil::gsl {

struct ParseOptions {
  // Deepest nesting of parentheses and brackets. Default 256.
  size_t max_depth = 256;
};

struct Diagnostic {
  size_t offset = 0;
  size_t line = 1, column = 1;  // 1-based; column in characters
  std::string message;
};

struct ParseResult {
  std::optional<Rule> rule;
  Diagnostic error;
  bool ok() const { return rule.has_value(); }
};

ParseResult ParseRule(std::string_view text, const ParseOptions& options = {});

// "where:line:col: error: message", then the source line and a caret.
std::string FormatDiagnostic(std::string_view where, std::string_view text, const Diagnostic& d);

// Fills line and column for an offset.
Diagnostic At(std::string_view text, size_t offset, std::string message);

}  // namespace vigil::gsl

#endif  // VIGIL_GSL_PARSER_H_
