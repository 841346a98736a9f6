#include "gsl/value.h"

#include <charconv>

#include "base/json_writer.h"
#include "base/text.h"

namespace vigil::gsl {

std::string PathString(const PathNode* p) {
  // The chain from the root, without an allocation for the usual few levels.
  const PathNode* fixed[16];
  std::vector<const PathNode*> more;
  size_t n = 0;
  for (; p; p = p->parent) {
    if (n < std::size(fixed)) {
      fixed[n++] = p;
    } else {
      more.push_back(p);
    }
  }
  std::string out;
  auto append = [&](const PathNode* node) {
    if (node->index >= 0) {
      char buf[24];
      char* end = std::to_chars(buf, buf + sizeof buf, node->index).ptr;
      out += '[';
      out.append(buf, end);
      out += ']';
    } else {
      if (!out.empty()) out += '.';
      out += node->key;
    }
  };
  for (auto it = more.rbegin(); it != more.rend(); ++it) append(*it);
  while (n > 0) append(fixed[--n]);
  return out;
}

Val FromDom(simdjson::dom::element e, const PathNode* path, bool unreadable) {
  Val v;
  v.path = path;
  v.unreadable = unreadable;
  v.from_dom = true;
  v.el = e;
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: v.kind = Val::Kind::kList; break;
    case simdjson::dom::element_type::OBJECT: v.kind = Val::Kind::kObject; break;
    case simdjson::dom::element_type::INT64:
      v.kind = Val::Kind::kNumber;
      v.is_int = true;
      v.integer = e.get_int64().value_unsafe();
      break;
    case simdjson::dom::element_type::UINT64:
      v.kind = Val::Kind::kNumber;
      v.number = static_cast<double>(e.get_uint64().value_unsafe());
      break;
    case simdjson::dom::element_type::DOUBLE:
      v.kind = Val::Kind::kNumber;
      v.number = e.get_double().value_unsafe();
      break;
    case simdjson::dom::element_type::STRING:
      v.kind = Val::Kind::kString;
      v.str = e.get_string().value_unsafe();
      break;
    case simdjson::dom::element_type::BOOL:
      v.kind = Val::Kind::kBool;
      v.boolean = e.get_bool().value_unsafe();
      break;
    case simdjson::dom::element_type::NULL_VALUE:
      v.kind = Val::Kind::kNull;
      break;
  }
  return v;
}

namespace {
// Member names are short: a loop beats a call to memcmp.
inline bool SameBytes(const char* a, const char* b, size_t n) {
  for (size_t i = 0; i < n; ++i) {
    if (a[i] != b[i]) return false;
  }
  return true;
}
}  // namespace

Val Member(const Val& v, std::string_view key, Arena& arena) {
  if (v.kind == Val::Kind::kObject) {
    if (v.from_dom) {
      simdjson::dom::object obj = v.el.get_object().value_unsafe();
      const size_t n = key.size();
      for (auto it = obj.begin(), end = obj.end(); it != end; ++it) {
        // Lengths first, then the first byte: most keys differ in one or the other.
        if (it.key_length() != n) continue;
        const char* k = it.key_c_str();
        if (n == 0 || (k[0] == key[0] && SameBytes(k + 1, key.data() + 1, n - 1))) {
          return FromDom(it.value(), arena.Path(v.path, std::string_view(k, n)), v.unreadable);
        }
      }
    } else {
      for (const auto& [k, val] : v.object->members) {
        if (k == key) return val;
      }
    }
  }
  Val missing;
  missing.unreadable = v.unreadable;
  return missing;
}

std::vector<Val> AsList(const Val& v, Arena& arena) {
  std::vector<Val> out;
  switch (v.kind) {
    case Val::Kind::kMissing:
    case Val::Kind::kNull:
      return out;
    case Val::Kind::kList:
      if (v.from_dom) {
        int64_t i = 0;
        simdjson::dom::array arr = v.el.get_array().value_unsafe();
        for (auto e : arr) {
          out.push_back(FromDom(e, arena.Path(v.path, {}, i++), v.unreadable));
        }
      } else {
        out = v.list->items;
      }
      return out;
    default:
      out.push_back(v);
      return out;
  }
}

std::string ScalarText(const Val& v) {
  switch (v.kind) {
    case Val::Kind::kString: return std::string(v.str);
    case Val::Kind::kNumber: return v.is_int ? std::to_string(v.integer) : FormatNumber(v.number);
    case Val::Kind::kBool: return v.boolean ? "true" : "false";
    default: return "";
  }
}

namespace {

// Appends the compact JSON text of `e` (as simdjson::minify writes it) until `out` is longer than
// `max`: evidence shows 200 bytes of a value, and a value can be a whole entity.
void AppendDom(std::string& out, simdjson::dom::element e, size_t max) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      out += '[';
      bool first = true;
      simdjson::dom::array arr = e.get_array().value_unsafe();
      for (simdjson::dom::element x : arr) {
        if (out.size() > max) return;
        if (!first) out += ',';
        first = false;
        AppendDom(out, x, max);
      }
      out += ']';
      return;
    }
    case simdjson::dom::element_type::OBJECT: {
      out += '{';
      bool first = true;
      simdjson::dom::object obj = e.get_object().value_unsafe();
      for (auto it = obj.begin(), end = obj.end(); it != end; ++it) {
        if (out.size() > max) return;
        if (!first) out += ',';
        first = false;
        AppendValidUtf8JsonString(out, it.key());
        out += ':';
        AppendDom(out, it.value(), max);
      }
      out += '}';
      return;
    }
    case simdjson::dom::element_type::INT64:
    case simdjson::dom::element_type::UINT64: {
      char buf[24];
      char* end = e.is_int64() ? std::to_chars(buf, buf + sizeof buf, e.get_int64().value_unsafe()).ptr
                               : std::to_chars(buf, buf + sizeof buf, e.get_uint64().value_unsafe()).ptr;
      out.append(buf, end);
      return;
    }
    case simdjson::dom::element_type::STRING:
      // The document's strings are valid UTF-8; the escapes are simdjson's.
      AppendValidUtf8JsonString(out, e.get_string().value_unsafe());
      return;
    case simdjson::dom::element_type::BOOL:
      out += e.get_bool().value_unsafe() ? "true" : "false";
      return;
    case simdjson::dom::element_type::NULL_VALUE:
      out += "null";
      return;
    case simdjson::dom::element_type::DOUBLE:
      out += simdjson::minify(e);  // simdjson's shortest form, as before
      return;
  }
}

}  // namespace

namespace {

// Appends the compact JSON text of `v` until `out` is longer than `max`.
void AppendJson(std::string& out, const Val& v, size_t max) {
  switch (v.kind) {
    case Val::Kind::kMissing: out += "(missing)"; return;
    case Val::Kind::kNull: out += "null"; return;
    case Val::Kind::kBool: out += v.boolean ? "true" : "false"; return;
    case Val::Kind::kNumber: out += ScalarText(v); return;
    case Val::Kind::kString: AppendJsonString(out, v.str); return;
    case Val::Kind::kList:
    case Val::Kind::kObject:
      if (v.from_dom) {
        AppendDom(out, v.el, max);
      } else if (v.kind == Val::Kind::kList) {
        out += '[';
        for (size_t i = 0; i < v.list->items.size() && out.size() <= max; ++i) {
          if (i) out += ',';
          AppendJson(out, v.list->items[i], max);
        }
        out += ']';
      } else {
        out += '{';
        for (size_t i = 0; i < v.object->members.size() && out.size() <= max; ++i) {
          if (i) out += ',';
          AppendJsonString(out, v.object->members[i].first);
          out += ':';
          AppendJson(out, v.object->members[i].second, max);
        }
        out += '}';
      }
      return;
  }
}

}  // namespace

std::string ToJson(const Val& v, size_t max) {
  std::string out;
  if (v.kind == Val::Kind::kList || v.kind == Val::Kind::kObject) out.reserve(std::min<size_t>(max, 1024) + 16);
  AppendJson(out, v, max);
  if (out.size() > max) {
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "\xE2\x80\xA6";
  }
  return out;
}

}  // namespace vigil::gsl
