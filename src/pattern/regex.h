// The regex subset of filter patterns (`%...%`, filter-patterns.md §2.5).
//
// ParseRegex checks the source against the subset and produces a small IR (branches of pieces,
// each piece a character set or an anchor with a repeat count). The IR is what the RE2
// translation is printed from, exactly (§2.5 "Translation to RE2"), and what a later automaton
// construction for equality and coverage reads. Character sets are over ASCII plus one flag for
// "every non-ASCII character": the subset itself is ASCII-only, but subjects are UTF-8.
#ifndef VIGIL_PATTERN_REGEX_H_
#define VIGIL_PATTERN_REGEX_H_

#include <bitset>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace vigil::pattern {

struct CharSet {
  std::bitset<128> ascii;
  bool non_ascii = false;  // every code point >= 0x80
  bool operator==(const CharSet&) const = default;
};

struct RegexPiece {
  static constexpr uint32_t kUnbounded = UINT32_MAX;
  enum class Type { kSet, kBegin /* ^ */, kEnd /* $ */ };
  Type type = Type::kSet;
  CharSet set;  // kSet
  uint32_t min = 1, max = 1;
  bool operator==(const RegexPiece&) const = default;
};

struct Regex {
  std::string source;                            // as written between the '%'
  std::vector<std::vector<RegexPiece>> branches;  // alternatives, each a sequence
  std::string re2;                               // exact RE2 translation (UTF-8 mode)
  bool operator==(const Regex& o) const { return source == o.source; }
};

struct RegexParse {
  std::optional<Regex> regex;
  size_t error_offset = 0;  // byte offset into the source, when !regex
  std::string error;        // what is wrong and what was expected
};

// Largest repeat count accepted in {m,n} (RE2's own limit).
inline constexpr uint32_t kMaxRegexRepeat = 1000;

RegexParse ParseRegex(std::string_view source);

}  // namespace vigil::pattern

#endif  // VIGIL_PATTERN_REGEX_H_
