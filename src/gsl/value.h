// Values the GSL evaluator works on (gsl.md §5): JSON values from the inventory (read from the
// DOM's tape through DomRef, never copied) and synthetic ones (filtered lists, groupBy groups,
// the List<T> entity), plus *missing*. Every value knows the JSON path it came from, for evidence.
//
// Synthetic values and path nodes live in an Arena owned by the evaluation; a Val is a small
// handle, valid while its arena and the inventory document live.
#ifndef VIGIL_GSL_VALUE_H_
#define VIGIL_GSL_VALUE_H_

#include <cstdint>
#include <deque>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "gsl/dom.h"

namespace vigil::gsl {

struct PathNode {
  const PathNode* parent = nullptr;
  std::string_view key;  // member name, or empty for an index
  int64_t index = -1;
};

// Appends the path's text: "items[0].metricFilters[2].filterPattern".
void AppendPath(std::string& out, const PathNode* p);

struct Val;
struct SynthList {
  std::vector<Val> items;
};
struct SynthObject {
  std::vector<std::pair<std::string, Val>> members;
};

struct Val {
  enum class Kind : uint8_t { kMissing, kNull, kBool, kNumber, kString, kList, kObject };
  // The flags first, packed: values are copied at every step of an evaluation.
  Kind kind = Kind::kMissing;
  bool boolean = false;
  bool is_int = false;
  bool from_dom = false;
  bool unreadable = false;  // read from an entity whose monitoring chain was not readable
  union {
    int64_t integer = 0;  // kNumber when is_int
    double number;        // kNumber otherwise
  };
  std::string_view str;
  DomRef dom;                   // when from the document and kList/kObject
  union {
    const SynthList* list = nullptr;  // synthetic kList
    const SynthObject* object;        // synthetic kObject
  };
  const PathNode* path = nullptr;

  bool missing_or_null() const { return kind == Kind::kMissing || kind == Kind::kNull; }
};

// Bump allocation that keeps its memory across Clear(): one evaluation per entity would
// otherwise spend its time in malloc and free. A reused object is reset by Recycle(), which keeps
// the capacity of its vectors.
inline void Recycle(PathNode&) {}  // always assigned whole by Arena::Path
inline void Recycle(SynthList& l) { l.items.clear(); }
inline void Recycle(SynthObject& o) { o.members.clear(); }

template <typename T>
class Pool {
 public:
  T* New() {
    if (used_ == blocks_.size() * kBlock) blocks_.push_back(std::make_unique<T[]>(kBlock));
    T* p = &blocks_[used_ / kBlock][used_ % kBlock];
    ++used_;
    if (used_ <= dirty_) {
      Recycle(*p);
    } else {
      dirty_ = used_;
    }
    return p;
  }
  void Clear() { used_ = 0; }

 private:
  static constexpr size_t kBlock = 256;
  std::vector<std::unique_ptr<T[]>> blocks_;
  size_t used_ = 0;
  size_t dirty_ = 0;  // objects [0, dirty_) have been handed out before
};

class Arena {
 public:
  // A path node, or nullptr when paths are off (a pass that only decides needs no evidence).
  const PathNode* Path(const PathNode* parent, std::string_view key, int64_t index = -1) {
    if (!paths_) return nullptr;
    PathNode* n = nodes_.New();
    *n = PathNode{parent, key, index};
    return n;
  }
  SynthList* List() { return lists_.New(); }
  SynthObject* Object() { return objects_.New(); }
  std::string_view Keep(std::string s) { return strings_.emplace_back(std::move(s)); }
  void Clear() {
    nodes_.Clear();
    lists_.Clear();
    objects_.Clear();
    strings_.clear();
  }
  // Whether Path() records paths (on by default).
  void set_paths(bool on) { paths_ = on; }

 private:
  Pool<PathNode> nodes_;
  Pool<SynthList> lists_;
  Pool<SynthObject> objects_;
  std::deque<std::string> strings_;
  bool paths_ = true;
};

// A value for a value of a document.
Val FromDom(DomRef e, const PathNode* path, bool unreadable);
// The member `key` of `v` (missing unless v is an object that has it; first occurrence).
Val Member(const Val& v, std::string_view key, Arena& arena);
// `v` as a list (§5): lists as they are, missing and null as empty, anything else as one element.
std::vector<Val> AsList(const Val& v, Arena& arena);
// Calls f(element) for each element of `v` as a list (as AsList, without building one); stops
// early when f returns false.
template <typename F>
void ForEach(const Val& v, Arena& arena, F&& f) {
  switch (v.kind) {
    case Val::Kind::kMissing:
    case Val::Kind::kNull:
      return;
    case Val::Kind::kList:
      if (v.from_dom) {
        int64_t i = 0;
        for (DomRef e = v.dom.First(); !e.is_end(); e = e.Next()) {
          if (!f(FromDom(e, arena.Path(v.path, {}, i++), v.unreadable))) return;
        }
      } else {
        for (const Val& e : v.list->items) {
          if (!f(e)) return;
        }
      }
      return;
    default:
      f(v);
  }
}

// Compact JSON text of a value, cut to `max` bytes ("…" appended when cut).
std::string ToJson(const Val& v, size_t max = 200);
void AppendToJson(std::string& out, const Val& v, size_t max = 200);
// The text of a scalar: strings as they are, numbers in shortest form, booleans true/false.
std::string ScalarText(const Val& v);

}  // namespace vigil::gsl

#endif  // VIGIL_GSL_VALUE_H_
