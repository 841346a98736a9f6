// JsonProgram: JSON patterns compiled for matching (internal to src/pattern).
//
// One program can hold several patterns: their selectors share one trie of paths, so a single
// walk over an event resolves every selector of every pattern. The walk (json_kernel.inc, built
// once per simdjson kernel) fills an EventState: for every atom, whether some node reached by
// its selector satisfies it, and for every trie node, whether any node was reached at all.
// Each pattern's formula is then evaluated over those bits. Immutable after Build().
#ifndef VIGIL_PATTERN_JSON_PROGRAM_H_
#define VIGIL_PATTERN_JSON_PROGRAM_H_

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <functional>
#include <unordered_map>
#include <utility>
#include <vector>

#include <re2/re2.h>

#include "pattern/ast.h"

namespace vigil::pattern {

enum class NumberPolicy { kTyped, kTextual };

struct JsonAtomProgram {
  Op op = Op::kEq;
  Value::Type vtype = Value::Type::kString;
  std::string text;  // string/glob text
  bool star_start = false, star_end = false;
  double number = 0;
  const RE2* re = nullptr;  // kRegex, owned by JsonProgram::regexes
  int node = -1;            // trie node of the selector
};

// Hashes std::string and std::string_view alike, so lookups need no copy.
struct TextHash {
  using is_transparent = void;
  size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
};

struct TrieNode {
  std::vector<std::pair<std::string, int>> members;
  // members' positions by key, when there are more than a few (filled by Finish()).
  std::unordered_map<std::string, int, TextHash, std::equal_to<>> member_index;
  int any_member = -1;
  std::vector<std::pair<uint32_t, int>> indices;
  int any_index = -1;
  std::vector<int> atoms;  // value atoms tested one by one on each node reached here
  // `= "literal"` atoms by literal: one lookup per string instead of one comparison per atom
  // (the CIS patterns compare eventName with dozens of names).
  std::unordered_map<std::string, std::vector<int>, TextHash, std::equal_to<>> eq_strings;
  bool HasObjectChildren() const { return !members.empty() || any_member >= 0; }
  bool HasArrayChildren() const { return !indices.empty() || any_index >= 0; }
};

struct FormulaNode {
  enum class Type { kAtom, kAnd, kOr };
  Type type = Type::kAtom;
  int atom = -1;
  std::vector<int> children;
};

struct JsonProgram {
  NumberPolicy numbers = NumberPolicy::kTyped;
  std::vector<TrieNode> trie;  // trie[0] is the root ($)
  std::vector<JsonAtomProgram> atoms;
  std::vector<FormulaNode> formula;
  std::vector<int> roots;  // formula root per pattern
  std::vector<std::unique_ptr<RE2>> regexes;

  // Adds one pattern's condition; returns its index among the program's patterns.
  int AddPattern(const Expr& expr, int64_t regex_max_mem);
  bool Eval(int pattern, const uint8_t* atom_true) const;
  // Builds the lookup indexes; call after the last AddPattern.
  void Finish();

 private:
  int AddNode(const Expr& e, int64_t regex_max_mem);
  int NodeFor(const Selector& sel);
};

// Per-event state of a walk.
struct EventState {
  std::vector<uint8_t> atom_true;
  std::vector<uint8_t> node_found;
  std::vector<int> scratch;          // node lists during the walk
  std::vector<uint8_t> seen;         // first-occurrence marks during the walk
  std::vector<std::string> seen_keys;  // for .* over objects with duplicate keys
  void Reset(const JsonProgram& p) {
    atom_true.assign(p.atoms.size(), 0);
    node_found.assign(p.trie.size(), 0);
    scratch.clear();
    seen.clear();
  }
};

enum class WalkResult { kOk, kNotJson };

// One simdjson On-Demand kernel (icelake, haswell, westmere or fallback), with its parser.
// Not thread-safe: one per thread.
class JsonKernel {
 public:
  virtual ~JsonKernel() = default;
  // `msg` must be followed by at least 64 readable bytes. On kOk, state holds the atom bits
  // (NOT EXISTS atoms included). kOk does not mean the whole message is valid JSON: the walk
  // stops early once every selector is resolved; callers validate events that match.
  virtual WalkResult Walk(const JsonProgram& program, std::string_view msg,
                          EventState& state) = 0;
  virtual const char* name() const = 0;
};

// The fastest kernel this CPU supports (or the one named by the VIGIL_JSON_KERNEL environment
// variable: icelake, haswell, westmere, fallback, when this CPU supports it).
std::unique_ptr<JsonKernel> MakeJsonKernel(size_t max_depth);
const char* BestJsonKernelName();

}  // namespace vigil::pattern

#endif  // VIGIL_PATTERN_JSON_PROGRAM_H_
