#include "base/json_value.h"

#include <simdjson.h>

#include <charconv>
#include <cmath>
#include <cstdlib>

#include "base/json_writer.h"
#include "base/text.h"

namespace vigil {
namespace {

Json FromDom(simdjson::dom::element e) {
  switch (e.type()) {
    case simdjson::dom::element_type::ARRAY: {
      Json a = Json::Array();
      simdjson::dom::array arr;
      if (e.get(arr) == simdjson::SUCCESS) {
        for (simdjson::dom::element x : arr) a.Push(FromDom(x));
      }
      return a;
    }
    case simdjson::dom::element_type::OBJECT: {
      Json o = Json::Object();
      simdjson::dom::object obj;
      if (e.get(obj) != simdjson::SUCCESS) return o;
      for (auto field : obj) {
        // Duplicate keys: the last one wins, as in most JSON readers.
        o.Set(std::string(field.key), FromDom(field.value));
      }
      return o;
    }
    case simdjson::dom::element_type::STRING:
      return Json(std::string(e.get_string().value_unsafe()));
    case simdjson::dom::element_type::INT64:
      return Json(e.get_int64().value_unsafe());
    case simdjson::dom::element_type::UINT64:
      return Json::NumberText(std::to_string(e.get_uint64().value_unsafe()));
    case simdjson::dom::element_type::DOUBLE:
      return Json(e.get_double().value_unsafe());
    case simdjson::dom::element_type::BOOL:
      return Json(e.get_bool().value_unsafe());
    case simdjson::dom::element_type::NULL_VALUE:
      return Json();
  }
  return Json();
}

void Indent(std::string& out, int indent, int depth) {
  out.push_back('\n');
  out.append(static_cast<size_t>(indent * depth), ' ');
}

}  // namespace

Json::Json(double v) : kind_(Kind::kNumber) {
  if (!std::isfinite(v)) {
    kind_ = Kind::kNull;  // JSON has no NaN or infinity
    return;
  }
  text_ = FormatNumber(v);
  // An integral double outside the 64-bit integers (uint64 above, int64 below) would print as a
  // long run of digits, which JSON readers (simdjson among them) take for an integer too big to
  // hold: print it with an exponent.
  if ((v >= 0x1p64 || v < -0x1p63) && text_.find_first_of(".eE") == std::string::npos) {
    char buf[32];
    auto r = std::to_chars(buf, buf + sizeof buf, v, std::chars_format::scientific);
    text_.assign(buf, r.ptr);
  }
}

Json Json::NumberText(std::string text) {
  Json j;
  j.kind_ = Kind::kNumber;
  j.text_ = std::move(text);
  return j;
}

double Json::as_double() const {
  return kind_ == Kind::kNumber ? std::strtod(text_.c_str(), nullptr) : 0.0;
}

const Json* Json::Get(std::string_view key) const {
  for (const auto& [k, v] : members_) {
    if (k == key) return &v;
  }
  return nullptr;
}

Json* Json::Get(std::string_view key) {
  for (auto& [k, v] : members_) {
    if (k == key) return &v;
  }
  return nullptr;
}

std::string Json::GetString(std::string_view key, std::string_view fallback) const {
  const Json* v = Get(key);
  return v && v->is_string() ? v->text_ : std::string(fallback);
}

Json& Json::Set(std::string key, Json value) {
  if (kind_ != Kind::kObject) *this = Object();
  for (auto& [k, v] : members_) {
    if (k == key) {
      v = std::move(value);
      return v;
    }
  }
  members_.emplace_back(std::move(key), std::move(value));
  return members_.back().second;
}

bool Json::Erase(std::string_view key) {
  return std::erase_if(members_, [&](const Member& m) { return m.first == key; }) > 0;
}

Json& Json::Push(Json value) {
  if (kind_ != Kind::kArray) *this = Array();
  items_.push_back(std::move(value));
  return items_.back();
}

std::string Json::Dump(int indent) const {
  std::string out;
  DumpTo(out, indent, 0);
  return out;
}

void Json::DumpTo(std::string& out, int indent, int depth) const {
  switch (kind_) {
    case Kind::kNull: out += "null"; return;
    case Kind::kBool: out += bool_ ? "true" : "false"; return;
    case Kind::kNumber: out += text_; return;
    case Kind::kString: AppendJsonString(out, text_); return;
    case Kind::kArray: {
      if (items_.empty()) {
        out += "[]";
        return;
      }
      out.push_back('[');
      for (size_t i = 0; i < items_.size(); ++i) {
        if (i) out.push_back(',');
        if (indent >= 0) Indent(out, indent, depth + 1);
        items_[i].DumpTo(out, indent, depth + 1);
      }
      if (indent >= 0) Indent(out, indent, depth);
      out.push_back(']');
      return;
    }
    case Kind::kObject: {
      if (members_.empty()) {
        out += "{}";
        return;
      }
      out.push_back('{');
      for (size_t i = 0; i < members_.size(); ++i) {
        if (i) out.push_back(',');
        if (indent >= 0) Indent(out, indent, depth + 1);
        AppendJsonString(out, members_[i].first);
        out += indent >= 0 ? ": " : ":";
        members_[i].second.DumpTo(out, indent, depth + 1);
      }
      if (indent >= 0) Indent(out, indent, depth);
      out.push_back('}');
      return;
    }
  }
}

StatusOr<Json> Json::Parse(std::string_view text, std::string_view what) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(text);
  simdjson::dom::element root;
  auto error = parser.parse(padded).get(root);
  if (error) {
    return InvalidArgument(std::string(what) + ": not valid JSON (" +
                           simdjson::error_message(error) + ")");
  }
  return FromDom(root);
}

bool operator==(const Json& a, const Json& b) {
  if (a.kind_ != b.kind_) return false;
  switch (a.kind_) {
    case Json::Kind::kNull: return true;
    case Json::Kind::kBool: return a.bool_ == b.bool_;
    case Json::Kind::kNumber: return a.text_ == b.text_ || a.as_double() == b.as_double();
    case Json::Kind::kString: return a.text_ == b.text_;
    case Json::Kind::kArray: return a.items_ == b.items_;
    case Json::Kind::kObject: return a.members_ == b.members_;
  }
  return false;
}

}  // namespace vigil
