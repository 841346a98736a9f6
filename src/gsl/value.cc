#include "gsl/value.h"

#include <charconv>

#include "base/json_writer.h"
#include "base/text.h"

namespace vigil::gsl {

namespace {
// Appends an integer in decimal, without a temporary string.
template <typename Int>
void AppendInt(std::string& out, Int n) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof buf, n).ptr);
}
}  // namespace

void AppendPath(std::string& out, const PathNode* p) {
  // The chain from the root, without an allocation for the usual few levels; the text's length
  // is known before it is written.
  const PathNode* fixed[16];
  std::vector<const PathNode*> more;
  size_t n = 0, size = 0;
  for (; p; p = p->parent) {
    size += p->index >= 0 ? 22 : p->key.size() + 1;
    if (n < std::size(fixed)) {
      fixed[n++] = p;
    } else {
      more.push_back(p);
    }
  }
  const size_t start = out.size();
  out.reserve(start + size);
  auto append = [&](const PathNode* node) {
    if (node->index >= 0) {
      char buf[24];
      buf[0] = '[';
      char* end = std::to_chars(buf + 1, buf + sizeof buf, node->index).ptr;
      *end++ = ']';
      out.append(buf, end);
    } else {
      if (out.size() > start) out += '.';
      out.append(node->key);
    }
  };
  for (auto it = more.rbegin(); it != more.rend(); ++it) append(*it);
  while (n > 0) append(fixed[--n]);
}

Val FromDom(DomRef e, const PathNode* path, bool unreadable) {
  Val v;
  v.path = path;
  v.unreadable = unreadable;
  v.from_dom = true;
  v.dom = e;
  switch (e.type()) {
    case '[': v.kind = Val::Kind::kList; break;
    case '{': v.kind = Val::Kind::kObject; break;
    case 'l':
      v.kind = Val::Kind::kNumber;
      v.is_int = true;
      v.integer = e.int64();
      break;
    case 'u':
      v.kind = Val::Kind::kNumber;
      v.number = static_cast<double>(e.uint64());
      break;
    case 'd':
      v.kind = Val::Kind::kNumber;
      v.number = e.number();
      break;
    case '"':
      v.kind = Val::Kind::kString;
      v.str = e.string();
      break;
    case 't':
    case 'f':
      v.kind = Val::Kind::kBool;
      v.boolean = e.type() == 't';
      break;
    default:  // 'n'
      v.kind = Val::Kind::kNull;
      break;
  }
  return v;
}


Val Member(const Val& v, std::string_view key, Arena& arena) {
  if (v.kind == Val::Kind::kObject) {
    if (v.from_dom) {
      DomRef k = v.dom.Key(key);
      if (k.valid()) return FromDom(k.Value(), arena.Path(v.path, k.string()), v.unreadable);
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
        for (DomRef e = v.dom.First(); !e.is_end(); e = e.Next()) {
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

// Appends the compact JSON text of `e` (no spaces; numbers as ScalarText writes them) until `out`
// is longer than `max`: evidence shows 200 bytes of a value, and a value can be a whole entity.
void AppendDom(std::string& out, DomRef e, size_t max) {
  switch (e.type()) {
    case '[': {
      out += '[';
      bool first = true;
      for (DomRef x = e.First(); !x.is_end(); x = x.Next()) {
        if (out.size() > max) return;
        if (!first) out += ',';
        first = false;
        AppendDom(out, x, max);
      }
      out += ']';
      return;
    }
    case '{': {
      out += '{';
      bool first = true;
      for (DomRef k = e.First(); !k.is_end(); k = k.Value().Next()) {
        if (out.size() > max) return;
        if (!first) out += ',';
        first = false;
        AppendValidUtf8JsonString(out, k.string());
        out += ':';
        AppendDom(out, k.Value(), max);
      }
      out += '}';
      return;
    }
    case 'l': AppendInt(out, e.int64()); return;
    case 'u': AppendInt(out, e.uint64()); return;
    case '"':
      // The document's strings are valid UTF-8.
      AppendValidUtf8JsonString(out, e.string());
      return;
    case 't': out += "true"; return;
    case 'f': out += "false"; return;
    case 'd': out += FormatNumber(e.number()); return;  // as a number on its own is written
    default: out += "null"; return;
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
    case Val::Kind::kNumber:
      if (v.is_int) {
        AppendInt(out, v.integer);
      } else {
        out += FormatNumber(v.number);
      }
      return;
    case Val::Kind::kString: AppendJsonString(out, v.str); return;
    case Val::Kind::kList:
    case Val::Kind::kObject:
      if (v.from_dom) {
        AppendDom(out, v.dom, max);
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

void AppendToJson(std::string& out, const Val& v, size_t max) {
  const size_t start = out.size();
  if (v.kind == Val::Kind::kList || v.kind == Val::Kind::kObject) {
    out.reserve(start + std::min<size_t>(max, 1024) + 16);
  }
  AppendJson(out, v, start + max);
  if (out.size() - start > max) {
    size_t cut = start + max;
    while (cut > start && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "\xE2\x80\xA6";
  }
}

std::string ToJson(const Val& v, size_t max) {
  std::string out;
  AppendToJson(out, v, max);
  return out;
}

}  // namespace vigil::gsl
