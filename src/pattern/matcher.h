// Matching log events against compiled filter patterns (filter-patterns.md §3-§4).
//
// Compile once, match many: CompiledPattern and PatternSet are immutable after Compile() and
// may be shared between threads; all per-event scratch (simdjson parsers, buffers) lives in a
// MatchContext, one per thread. Regexes are translated to RE2 at compile time and never
// backtrack. JSON events are read with simdjson On-Demand, with the kernel chosen for this CPU
// at run time (json_program.h).
//
// JSON events: a walk resolves the pattern's selectors and stops as soon as all are resolved;
// when the pattern then holds, the whole message is validated as JSON (an event that is not
// valid JSON matches no JSON pattern). A literal prefilter rejects, without parsing, events
// that cannot contain a string the pattern requires.
#ifndef VIGIL_PATTERN_MATCHER_H_
#define VIGIL_PATTERN_MATCHER_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"
#include "pattern/ast.h"
#include "pattern/json_program.h"

namespace vigil::pattern {

struct MatchOptions {
  // Decision 2: a number literal matches only JSON numbers and a string literal only JSON
  // strings (kTyped, the default); kTextual makes `= 400` and `= "400"` interchangeable.
  NumberPolicy numbers = NumberPolicy::kTyped;
  // Decision 1: terms match as substrings (default), or only where they start a word (at the
  // start of the message or after a character that is not a letter or digit).
  enum class TermMatch { kSubstring, kWordStart };
  TermMatch terms = TermMatch::kSubstring;
  // Decision 3: with more tokens than fields, the last field takes the rest of the line
  // (default); kExact requires as many tokens as fields; kIgnoreExtra drops the extra tokens.
  enum class Arity { kLastFieldAbsorbs, kExact, kIgnoreExtra };
  Arity arity = Arity::kLastFieldAbsorbs;
  // Decision 20 option: when the whole message is not JSON, parse from its first '{'.
  bool json_from_first_brace = false;
  // Deepest JSON nesting read; deeper events count as not JSON. Every value on the way down
  // counts, the innermost scalar included: `[[1]]` has depth 3, `[[]]` depth 2. Default 256.
  size_t max_json_depth = 256;
  // Memory budget of each compiled regex (RE2 max_mem). Default 8 MiB.
  int64_t regex_max_mem = 8 << 20;
  // Reject JSON events that cannot contain a string the pattern requires, without parsing
  // them. Never changes a result; off only for measurements.
  bool prefilter = true;
};

// Extracted values in output order: ("$.eventName", "PutDeliveryChannel"), ("$ip", "10.0.0.1").
using ExtractedValues = std::vector<std::pair<std::string, std::string>>;

// Per-thread scratch space for matching. Cheap to keep, not cheap to create.
class MatchContext {
 public:
  explicit MatchContext(const MatchOptions& options = {});
  ~MatchContext();
  MatchContext(const MatchContext&) = delete;
  MatchContext& operator=(const MatchContext&) = delete;
  const char* json_kernel() const;  // "icelake", "haswell", "westmere" or "fallback"

  struct Impl;
  Impl& impl() { return *impl_; }

 private:
  std::unique_ptr<Impl> impl_;
};

class Engine;

// One compiled pattern.
class CompiledPattern {
 public:
  // Compiles a parsed pattern. Fails only when a resource limit is exceeded (a regex over its
  // memory budget).
  static StatusOr<std::shared_ptr<const CompiledPattern>> Compile(const Pattern& pattern,
                                                                  const MatchOptions& options = {});
  ~CompiledPattern();

  Kind kind() const;
  const Pattern& pattern() const;

  // True when the pattern matches the event message `msg`. Thread-safe with one context per
  // thread.
  bool Matches(std::string_view msg, MatchContext& ctx) const;
  // The same, without a copy: the caller guarantees at least 64 readable bytes after `msg`
  // (LineReader's lines have them).
  bool MatchesPadded(std::string_view msg, MatchContext& ctx) const;
  // The values a matching event yields (§4): none for term patterns; `$name`/`$n` for
  // delimited fields; each selector's first scalar for JSON patterns.
  ExtractedValues Extract(std::string_view msg, MatchContext& ctx) const;

 private:
  CompiledPattern();
  std::unique_ptr<Engine> engine_;
  Pattern pattern_;
};

// Several patterns matched in one pass over each event: JSON patterns share one walk.
class PatternSet {
 public:
  static StatusOr<std::shared_ptr<const PatternSet>> Compile(const std::vector<Pattern>& patterns,
                                                             const MatchOptions& options = {});
  ~PatternSet();
  size_t size() const;
  // out[i] = 1 when pattern i matches. `msg` padded as for MatchesPadded.
  void MatchPadded(std::string_view msg, MatchContext& ctx, std::vector<uint8_t>& out) const;
  void Match(std::string_view msg, MatchContext& ctx, std::vector<uint8_t>& out) const;

 private:
  PatternSet();
  std::unique_ptr<Engine> engine_;
};

}  // namespace vigil::pattern

#endif  // VIGIL_PATTERN_MATCHER_H_
