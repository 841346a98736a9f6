// Small text helpers shared by every module: UTF-8 checks, number printing, quoting for
// messages, and caret lines for diagnostics.
#ifndef VIGIL_BASE_TEXT_H_
#define VIGIL_BASE_TEXT_H_

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

namespace vigil {

// True when `s` is well-formed UTF-8 (no overlongs, no surrogates, nothing above U+10FFFF).
bool IsValidUtf8(std::string_view s);

// Byte offset of the first character that is not valid UTF-8, or npos.
size_t FirstInvalidUtf8(std::string_view s);

// Shortest text that parses back to exactly `v`, without an exponent where that is at most 21
// digits long: 1000 -> "1000", 0.001 -> "0.001", 1e300 -> "1e+300". -0 prints as "0".
std::string FormatNumber(double v);

// Parses the number grammar of filter patterns: [+-]digits[.digits][(e|E)[+-]digits].
// Returns nullopt for anything else (including "", "1.", ".5", "inf", "0x10").
std::optional<double> ParsePatternNumber(std::string_view s);

// Renders `s` for an error message: in double quotes, non-printable bytes as \xHH, and cut to
// `max` bytes with an ellipsis.
std::string QuoteForMessage(std::string_view s, size_t max = 80);

// Whitespace of filter patterns and JSON: space, tab, CR, LF.
inline bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; }
std::string_view TrimSpace(std::string_view s);

// ASCII lower case (other bytes unchanged), and equality ignoring ASCII case: for protocol
// names such as HTTP headers and INI keys, never for user text.
std::string AsciiLower(std::string_view s);
bool EqualsIgnoreAsciiCase(std::string_view a, std::string_view b);

// Field `index` of an ARN split on ':' (2 = service, 3 = region, 4 = account, 5 and on = the
// resource), or "" when it has fewer.
std::string ArnField(std::string_view arn, int index);

}  // namespace vigil

#endif  // VIGIL_BASE_TEXT_H_
