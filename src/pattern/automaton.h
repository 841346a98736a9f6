// Finite automata over text, for deciding equality and coverage of filter patterns
// (filter-patterns.md §10).
//
// Every text predicate of the pattern language (string equality, globs, regex searches, term
// containment, number syntax) is a regular language. A Lang is a union of branches, each a
// sequence of pieces (a symbol set with a repeat count) with optional start/end anchors: exactly
// the shape of the regex IR, so regexes translate one to one. Compile() builds a complete DFA by
// subset construction over symbol classes; FindWord() searches the product of several DFAs,
// breadth first, for the shortest word whose membership vector satisfies a boolean condition:
// that is emptiness of any boolean combination, with a witness. Every construction stops at a
// state limit and says so, never runs away.
//
// Symbols: each ASCII character is one symbol; each non-ASCII code point that occurs in some
// literal of the problem is one symbol; one more symbol stands for every other code point.
#ifndef VIGIL_PATTERN_AUTOMATON_H_
#define VIGIL_PATTERN_AUTOMATON_H_

#include <bitset>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "pattern/regex.h"

namespace vigil::pattern::fa {

inline constexpr int kMaxSymbols = 256;
using SymSet = std::bitset<kMaxSymbols>;

class Alphabet {
 public:
  // Adds the non-ASCII code points of `utf8` as symbols of their own. Call before Freeze().
  void NoteText(std::string_view utf8);
  // Fixes the alphabet. Returns false when there are too many distinct non-ASCII code points.
  bool Freeze();
  int size() const { return static_cast<int>(points_.size()) + 129; }
  int Other() const { return 128 + static_cast<int>(points_.size()); }
  // Symbols of a UTF-8 string (invalid bytes map to Other()).
  std::vector<int> Symbols(std::string_view utf8) const;
  SymSet All() const;
  SymSet NonAscii() const;
  SymSet FromCharSet(const CharSet& cs) const;
  std::string Spell(const std::vector<int>& word) const;
  char32_t Representative(int sym) const;

 private:
  std::vector<char32_t> points_;  // sorted, distinct, >= 0x80
  bool frozen_ = false;
};

struct Piece {
  static constexpr uint32_t kUnbounded = UINT32_MAX;
  SymSet set;
  uint32_t min = 1, max = 1;
};

struct Branch {
  bool anchor_start = true;  // false: any text may come first
  bool anchor_end = true;    // false: any text may follow
  std::vector<Piece> pieces;
};

// A regular language: the union of its branches (empty union = the empty language).
struct Lang {
  std::vector<Branch> branches;
};

Lang Exactly(const Alphabet& a, std::string_view text);                // {text}
Lang Glob(const Alphabet& a, std::string_view text, bool star_start, bool star_end);
Lang Containing(const Alphabet& a, std::string_view text);             // Σ* text Σ*
Lang WordStartContaining(const Alphabet& a, std::string_view text);    // (ε | Σ*[^alnum]) text Σ*
Lang RegexSearch(const Alphabet& a, const Regex& re);                  // search semantics
Lang AnyText(const Alphabet& a);                                       // Σ*
Lang JsonNumberText(const Alphabet& a);        // RFC 8259 number syntax
Lang PatternNumberText(const Alphabet& a);     // [+-]digits[.digits][(e|E)[+-]digits]

struct Dfa {
  int nclass = 0;
  std::vector<int> cls;     // symbol -> class
  std::vector<int> trans;   // state * nclass + class -> state; complete
  std::vector<uint8_t> accept;
  int start = 0;
};

// nullopt when the DFA would need more than max_states states.
std::optional<Dfa> Compile(const Lang& lang, const Alphabet& a, size_t max_states);

struct Search {
  enum class Outcome { kFound, kEmpty, kLimit };
  Outcome outcome = Outcome::kEmpty;
  std::vector<int> word;
};

// The shortest word w with |w| >= min_len such that `want(member)` holds, where member[i] says
// whether dfas[i] accepts w. Explores at most max_states product states.
Search FindWord(const std::vector<const Dfa*>& dfas,
                const std::function<bool(const std::vector<bool>&)>& want, const Alphabet& a,
                size_t min_len, size_t max_states);

// Up to `n` distinct words satisfying `want`, shortest first (for candidate generation).
std::vector<std::vector<int>> FindWords(const std::vector<const Dfa*>& dfas,
                                        const std::function<bool(const std::vector<bool>&)>& want,
                                        const Alphabet& a, size_t min_len, size_t n,
                                        size_t max_states);

}  // namespace vigil::pattern::fa

#endif  // VIGIL_PATTERN_AUTOMATON_H_
