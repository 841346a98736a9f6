// Reading a parsed simdjson DOM document from its tape, for the evaluator's hot paths.
//
// simdjson documents the tape format (doc/tape.md in its sources) and keeps the buffers in public
// members of dom::document (`tape`, `string_buf`): one 64-bit word per value with the type
// character in the top byte; a string's payload is an offset into the string buffer, where a
// 32-bit length precedes the (unescaped, valid UTF-8) bytes; an array or object start ('[', '{')
// holds in its low 32 bits the index just past its end, and its element count in bits 32-55
// (saturated at 0xFFFFFF); numbers ('l' int64, 'u' uint64, 'd' double) take a second word.
//
// simdjson's own element and iterator types read the same words, but every step is an
// out-of-line call and every member name is read twice; a member lookup in an evaluation cost
// some 220 instructions through them. DomRef is the same handle (a document and an index) with
// inline steps. Tests pin it against simdjson's API (DomRef.*), so a format change in a future
// simdjson shows at once.
#ifndef VIGIL_GSL_DOM_H_
#define VIGIL_GSL_DOM_H_

#include <cstdint>
#include <cstring>
#include <string_view>

#include <simdjson.h>

namespace vigil::gsl {

class DomRef {
 public:
  DomRef() = default;
  // The root value of a parsed document (index 0 is the root word).
  static DomRef Root(const simdjson::dom::document& doc) {
    return DomRef(&doc, doc.tape.get() + 1);
  }

  bool valid() const { return doc_ != nullptr; }
  // '{', '[', '"', 'l', 'u', 'd', 't', 'f', 'n'; '}' or ']' past the last member or element.
  char type() const { return Type(w_); }
  bool is_object() const { return type() == '{'; }
  bool is_array() const { return type() == '['; }
  bool is_end() const {
    char t = type();
    return t == '}' || t == ']';
  }

  std::string_view string() const { return String(doc_->string_buf.get(), w_); }  // '"'
  int64_t int64() const { return Second<int64_t>(); }                                // 'l'
  uint64_t uint64() const { return Second<uint64_t>(); }                             // 'u'
  double number() const { return Second<double>(); }                                 // 'd'

  // The value after this one at the same level (after a key: its value).
  DomRef Next() const { return DomRef(doc_, After(doc_->tape.get(), w_)); }
  // The first element of an array, or the first key of an object; is_end() when empty.
  DomRef First() const { return DomRef(doc_, w_ + 1); }
  // A key's value (is a key: the word after it).
  DomRef Value() const { return DomRef(doc_, w_ + 1); }
  bool empty() const { return First().is_end(); }
  // Elements of an array or members of an object.
  size_t Count() const {
    size_t n = static_cast<size_t>((*w_ >> 32) & 0xFFFFFF);
    if (n < 0xFFFFFF) return n;
    n = 0;  // saturated: count them
    for (DomRef e = First(); !e.is_end(); e = is_object() ? e.Value().Next() : e.Next()) ++n;
    return n;
  }
  // The value of the first member `key` of an object; !valid() when there is none.
  DomRef Member(std::string_view key) const {
    DomRef k = Key(key);
    return k.valid() ? k.Value() : k;
  }
  // The first key `key` of an object (its bytes are the document's); !valid() when there is
  // none. Lengths are compared first: most keys differ in length.
  DomRef Key(std::string_view key) const {
    const uint64_t* tape = doc_->tape.get();
    const uint8_t* strings = doc_->string_buf.get();
    for (const uint64_t* k = w_ + 1; Type(k) != '}'; k = After(tape, k + 1)) {
      const uint8_t* p = strings + (*k & kPayload);
      uint32_t n;
      std::memcpy(&n, p, sizeof n);
      if (n == key.size() && std::memcmp(p + sizeof n, key.data(), n) == 0) return DomRef(doc_, k);
    }
    return {};
  }

  const simdjson::dom::document* document() const { return doc_; }
  size_t index() const { return static_cast<size_t>(w_ - doc_->tape.get()); }

 private:
  static constexpr uint64_t kPayload = simdjson::internal::JSON_VALUE_MASK;
  DomRef(const simdjson::dom::document* doc, const uint64_t* w) : doc_(doc), w_(w) {}
  static char Type(const uint64_t* w) { return static_cast<char>(*w >> 56); }
  static std::string_view String(const uint8_t* strings, const uint64_t* w) {
    const uint8_t* p = strings + (*w & kPayload);
    uint32_t n;
    std::memcpy(&n, p, sizeof n);
    return {reinterpret_cast<const char*>(p + sizeof n), n};
  }
  // The word just past the value at w.
  [[gnu::always_inline]] static const uint64_t* After(const uint64_t* tape, const uint64_t* w) {
    switch (Type(w)) {
      case '[':
      case '{': return tape + static_cast<uint32_t>(*w);
      case 'l':
      case 'u':
      case 'd': return w + 2;
      default: return w + 1;
    }
  }
  template <typename T>
  T Second() const {
    T x;
    std::memcpy(&x, w_ + 1, sizeof x);
    return x;
  }

  const simdjson::dom::document* doc_ = nullptr;
  const uint64_t* w_ = nullptr;  // the value's word on the document's tape
};

}  // namespace vigil::gsl

#endif  // VIGIL_GSL_DOM_H_
