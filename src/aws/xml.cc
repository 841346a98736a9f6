#include "aws/xml.h"

#include <cstdint>

namespace vigil::aws {
namespace {

constexpr int kMaxDepth = 256;

class Reader {
 public:
  explicit Reader(std::string_view s) : s_(s) {}

  StatusOr<XmlNode> Document() {
    SkipProlog();
    if (!error_.empty()) return Fail();
    if (pos_ >= s_.size() || s_[pos_] != '<') return Error("expected the root element");
    XmlNode root;
    if (!Element(root, 0)) return Fail();
    SkipMisc();
    if (!error_.empty()) return Fail();
    if (pos_ != s_.size()) return Error("unexpected content after the root element");
    return root;
  }

 private:
  Status Error(std::string what) {
    error_ = std::move(what);
    return Fail();
  }
  Status Fail() const {
    return InvalidArgument("XML: " + error_ + " at byte " + std::to_string(pos_));
  }
  bool SetError(std::string what) {
    if (error_.empty()) error_ = std::move(what);
    return false;
  }

  static bool IsSpace(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
  static bool IsNameChar(char c) {
    return !(IsSpace(c) || c == '>' || c == '/' || c == '=' || c == '<' || c == '"' ||
             c == '\'');
  }
  void SkipSpace() {
    while (pos_ < s_.size() && IsSpace(s_[pos_])) ++pos_;
  }
  bool Consume(std::string_view lit) {
    if (s_.substr(pos_, lit.size()) != lit) return false;
    pos_ += lit.size();
    return true;
  }
  bool SkipUntil(std::string_view end) {
    size_t at = s_.find(end, pos_);
    if (at == std::string_view::npos) {
      pos_ = s_.size();
      return SetError("unterminated markup (missing \"" + std::string(end) + "\")");
    }
    pos_ = at + end.size();
    return true;
  }
  // Comments and processing instructions between elements.
  void SkipMisc() {
    for (;;) {
      SkipSpace();
      if (Consume("<?")) {
        if (!SkipUntil("?>")) return;
      } else if (Consume("<!--")) {
        if (!SkipUntil("-->")) return;
      } else {
        return;
      }
    }
  }
  void SkipProlog() {
    Consume("\xEF\xBB\xBF");  // a byte order mark
    SkipMisc();
    if (s_.substr(pos_, 9) == "<!DOCTYPE" || s_.substr(pos_, 9) == "<!doctype") {
      SetError("a DOCTYPE (an HTML or DTD document, not an AWS response)");
    }
  }

  std::string Name() {
    size_t start = pos_;
    while (pos_ < s_.size() && IsNameChar(s_[pos_])) ++pos_;
    std::string_view name = s_.substr(start, pos_ - start);
    size_t colon = name.rfind(':');
    if (colon != std::string_view::npos) name.remove_prefix(colon + 1);
    return std::string(name);
  }

  bool AppendUtf8(std::string& out, uint32_t cp) {
    if (cp == 0 || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) {
      return SetError("a character reference to an invalid code point");
    }
    if (cp < 0x80) {
      out.push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
      out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
      out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
      out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
      out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
    return true;
  }

  // At '&': appends the referenced text.
  bool Reference(std::string& out) {
    size_t semi = s_.find(';', pos_);
    if (semi == std::string_view::npos || semi - pos_ > 12) {
      return SetError("an '&' that does not start an entity reference");
    }
    std::string_view ref = s_.substr(pos_ + 1, semi - pos_ - 1);
    pos_ = semi + 1;
    if (ref == "lt") out.push_back('<');
    else if (ref == "gt") out.push_back('>');
    else if (ref == "amp") out.push_back('&');
    else if (ref == "quot") out.push_back('"');
    else if (ref == "apos") out.push_back('\'');
    else if (ref.size() > 1 && ref[0] == '#') {
      uint32_t cp = 0;
      bool hex = ref[1] == 'x' || ref[1] == 'X';
      std::string_view digits = ref.substr(hex ? 2 : 1);
      if (digits.empty()) return SetError("an empty character reference");
      for (char c : digits) {
        int d = -1;
        if (c >= '0' && c <= '9') d = c - '0';
        else if (hex && c >= 'a' && c <= 'f') d = c - 'a' + 10;
        else if (hex && c >= 'A' && c <= 'F') d = c - 'A' + 10;
        if (d < 0) return SetError("a malformed character reference");
        cp = cp * (hex ? 16 : 10) + static_cast<uint32_t>(d);
        if (cp > 0x10FFFF) return SetError("a character reference to an invalid code point");
      }
      return AppendUtf8(out, cp);
    } else {
      return SetError("an unknown entity &" + std::string(ref) + ";");
    }
    return true;
  }

  bool Attributes() {
    for (;;) {
      SkipSpace();
      if (pos_ >= s_.size()) return SetError("a truncated start tag");
      char c = s_[pos_];
      if (c == '>' || c == '/') return true;
      std::string name = Name();
      if (name.empty()) return SetError("a malformed attribute");
      SkipSpace();
      if (!Consume("=")) return SetError("an attribute without a value");
      SkipSpace();
      if (pos_ >= s_.size() || (s_[pos_] != '"' && s_[pos_] != '\'')) {
        return SetError("an unquoted attribute value");
      }
      char quote = s_[pos_++];
      size_t end = s_.find(quote, pos_);
      if (end == std::string_view::npos) return SetError("an unterminated attribute value");
      pos_ = end + 1;
    }
  }

  bool Element(XmlNode& node, int depth) {
    if (depth > kMaxDepth) return SetError("elements nested deeper than 256 levels");
    ++pos_;  // '<'
    size_t name_start = pos_;
    node.name = Name();
    std::string_view raw_name = s_.substr(name_start, pos_ - name_start);
    if (node.name.empty()) return SetError("a malformed start tag");
    if (!Attributes()) return false;
    if (Consume("/>")) return true;
    if (!Consume(">")) return SetError("a malformed start tag");
    for (;;) {
      if (pos_ >= s_.size()) {
        return SetError("the document ends inside <" + std::string(raw_name) + ">");
      }
      char c = s_[pos_];
      if (c == '<') {
        if (Consume("</")) {
          size_t close_start = pos_;
          Name();
          std::string_view close = s_.substr(close_start, pos_ - close_start);
          SkipSpace();
          if (close != raw_name) {
            return SetError("</" + std::string(close) + "> closes <" + std::string(raw_name) +
                            ">");
          }
          if (!Consume(">")) return SetError("a malformed end tag");
          return true;
        }
        if (Consume("<!--")) {
          if (!SkipUntil("-->")) return false;
          continue;
        }
        if (Consume("<![CDATA[")) {
          size_t end = s_.find("]]>", pos_);
          if (end == std::string_view::npos) return SetError("an unterminated CDATA section");
          node.text.append(s_.substr(pos_, end - pos_));
          pos_ = end + 3;
          continue;
        }
        if (Consume("<?")) {
          if (!SkipUntil("?>")) return false;
          continue;
        }
        node.children.emplace_back();
        if (!Element(node.children.back(), depth + 1)) return false;
        continue;
      }
      if (c == '&') {
        if (!Reference(node.text)) return false;
        continue;
      }
      size_t end = s_.find_first_of("<&", pos_);
      if (end == std::string_view::npos) end = s_.size();
      node.text.append(s_.substr(pos_, end - pos_));
      pos_ = end;
    }
  }

  std::string_view s_;
  size_t pos_ = 0;
  std::string error_;
};

bool AllNamed(const XmlNode& n, std::string_view name) {
  for (const XmlNode& c : n.children) {
    if (c.name != name) return false;
  }
  return !n.children.empty();
}

}  // namespace

const XmlNode* XmlNode::Child(std::string_view n) const {
  for (const XmlNode& c : children) {
    if (c.name == n) return &c;
  }
  return nullptr;
}

std::string XmlNode::ChildText(std::string_view n) const {
  const XmlNode* c = Child(n);
  return c ? c->text : std::string();
}

const XmlNode* XmlNode::Path(std::initializer_list<std::string_view> names) const {
  const XmlNode* at = this;
  for (std::string_view n : names) {
    at = at->Child(n);
    if (!at) return nullptr;
  }
  return at;
}

StatusOr<XmlNode> ParseXml(std::string_view text) { return Reader(text).Document(); }

Json XmlToJson(const XmlNode& node) {
  if (node.children.empty()) return Json(node.text);
  if (AllNamed(node, "member") || AllNamed(node, "item")) {
    Json a = Json::Array();
    for (const XmlNode& c : node.children) a.Push(XmlToJson(c));
    return a;
  }
  if (AllNamed(node, "entry")) {
    Json o = Json::Object();
    for (const XmlNode& c : node.children) {
      const XmlNode* v = c.Child("value");
      o.Set(c.ChildText("key"), v ? XmlToJson(*v) : Json(""));
    }
    return o;
  }
  Json o = Json::Object();
  for (const XmlNode& c : node.children) o.Set(c.name, XmlToJson(c));
  return o;
}

}  // namespace vigil::aws
