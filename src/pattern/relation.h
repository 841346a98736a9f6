// Equality and coverage of filter patterns, decided by meaning (filter-patterns.md §9-§10).
//
// Every question reduces to one search: find an event that all of `match` match and none of
// `miss` match. P covers Q when no event matches Q but not P; P equals Q when each covers the
// other; two patterns overlap when some event matches both. The search is exact for JSON patterns
// (a DPLL-style walk over the condition tree, with a per-path theory of JSON values: kinds,
// string languages as automata, number intervals, and the structure between paths), term patterns
// (a product automaton over the message) and delimited patterns of the same shape (per field).
// Wildcard selectors are expanded over a bounded model that is complete when a collection is
// constrained by no more wildcard conditions than the bound. What cannot be decided within the
// limits is Unknown, with the reason; it is never guessed.
//
// Every event reported as a witness has been run through the matcher and does what is claimed.
#ifndef VIGIL_PATTERN_RELATION_H_
#define VIGIL_PATTERN_RELATION_H_

#include <optional>
#include <string>
#include <vector>

#include "pattern/ast.h"
#include "pattern/matcher.h"

namespace vigil::pattern {

struct DecideOptions {
  // The matching semantics the answer holds for (decisions 1-3 of filter-patterns.md §12).
  MatchOptions match;
  // Most conjunctions (leaves of the condition tree) examined for one question. Default 20000.
  size_t max_conjunctions = 20000;
  // Most states of one automaton, and of one product search. Default 20000.
  size_t max_states = 20000;
  // Elements per array (and fresh members per object) in the bounded model for wildcard
  // selectors. The answer is exact when no collection has more wildcard conditions than this.
  size_t max_collection = 3;
};

enum class Truth { kFalse, kTrue, kUnknown };

// The outcome of one search for an event.
struct Found {
  Truth exists = Truth::kUnknown;
  std::string event;   // when exists == kTrue: the event, checked with the matcher
  std::string reason;  // when kUnknown: why
};

// An event that every pattern in `match` matches and no pattern in `miss` matches.
Found FindEvent(const std::vector<const Pattern*>& match, const std::vector<const Pattern*>& miss,
                const DecideOptions& options = {});

enum class Relation { kEqual, kCovers, kCoveredBy, kOverlapping, kDisjoint, kUnknown };
const char* RelationName(Relation r);  // "equal", "covers", "covered-by", ...

struct Comparison {
  Relation relation = Relation::kUnknown;
  Found a_not_b;  // an event A matches and B does not (exists == kFalse: B covers A)
  Found b_not_a;  // an event B matches and A does not (exists == kFalse: A covers B)
  Found both;     // an event both match (computed when neither covers the other)
  std::string reason;  // when kUnknown
};

Comparison Compare(const Pattern& a, const Pattern& b, const DecideOptions& options = {});

// Does A cover B? kTrue, kFalse (with `witness`: B matches, A does not), or kUnknown.
Found Covers(const Pattern& a, const Pattern& b, const DecideOptions& options = {});

// Sentences in CloudTrail words on how A differs from B, for patterns over $.eventSource,
// $.eventName and other CloudTrail fields: "does not match PutDeliveryChannel from
// config.amazonaws.com", "also matches every other config.amazonaws.com call", "only when
// userIdentity.type is Root", "can never match: eventName cannot equal two names at once".
// `a` is the pattern under test, `b` the reference. Empty when there is nothing to say.
std::vector<std::string> Explain(const Pattern& a, const Pattern& b,
                                 const DecideOptions& options = {});

}  // namespace vigil::pattern

#endif  // VIGIL_PATTERN_RELATION_H_
