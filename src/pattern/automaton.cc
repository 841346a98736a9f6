#include "pattern/automaton.h"

#include <algorithm>
#include <deque>
#include <map>
#include <unordered_map>

namespace vigil::pattern::fa {

namespace {

// Decodes UTF-8; invalid sequences yield U+FFFD per byte.
std::vector<char32_t> Decode(std::string_view s) {
  std::vector<char32_t> out;
  size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      out.push_back(c);
      ++i;
      continue;
    }
    int len = c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 0;
    char32_t cp = len == 4 ? (c & 0x07) : len == 3 ? (c & 0x0F) : (c & 0x1F);
    bool ok = len > 0 && i + len <= s.size();
    for (int k = 1; ok && k < len; ++k) {
      auto d = static_cast<unsigned char>(s[i + k]);
      if ((d & 0xC0) != 0x80) ok = false;
      cp = (cp << 6) | (d & 0x3F);
    }
    if (!ok) {
      out.push_back(0xFFFD);
      ++i;
    } else {
      out.push_back(cp);
      i += len;
    }
  }
  return out;
}

void AppendUtf8(std::string& out, char32_t cp) {
  if (cp < 0x80) {
    out += static_cast<char>(cp);
  } else if (cp < 0x800) {
    out += static_cast<char>(0xC0 | (cp >> 6));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += static_cast<char>(0xE0 | (cp >> 12));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (cp >> 18));
    out += static_cast<char>(0x80 | ((cp >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((cp >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (cp & 0x3F));
  }
}

// Lower is nicer as a witness character.
int Rank(const Alphabet& a, int sym) {
  if (sym >= 128) return sym == a.Other() ? 7 : 6;
  char c = static_cast<char>(sym);
  if (c >= 'a' && c <= 'z') return 0;
  if (c >= '0' && c <= '9') return 1;
  if (c >= 'A' && c <= 'Z') return 2;
  if (c == ' ') return 4;
  if (c == '"' || c == '\\') return 5;
  if (c > 0x20 && c < 0x7F) return 3;
  return 8;
}

Piece One(SymSet s) {
  Piece p;
  p.set = s;
  return p;
}

Piece Star(SymSet s) {
  Piece p;
  p.set = s;
  p.min = 0;
  p.max = Piece::kUnbounded;
  return p;
}

SymSet Chars(std::string_view chars) {
  SymSet s;
  for (char c : chars) s.set(static_cast<unsigned char>(c));
  return s;
}

SymSet Digits() { return Chars("0123456789"); }

struct Nfa {
  std::vector<std::vector<int>> eps;
  std::vector<std::vector<std::pair<int, int>>> edges;  // (set index, target)
  std::vector<SymSet> sets;
  int NewState() {
    eps.emplace_back();
    edges.emplace_back();
    return static_cast<int>(eps.size() - 1);
  }
  int SetIndex(const SymSet& s) {
    for (size_t i = 0; i < sets.size(); ++i) {
      if (sets[i] == s) return static_cast<int>(i);
    }
    sets.push_back(s);
    return static_cast<int>(sets.size() - 1);
  }
  void Edge(int from, const SymSet& s, int to) { edges[from].emplace_back(SetIndex(s), to); }
};

int AddPiece(Nfa& n, int cur, const Piece& p) {
  for (uint32_t i = 0; i < p.min; ++i) {
    int nx = n.NewState();
    n.Edge(cur, p.set, nx);
    cur = nx;
  }
  if (p.max == Piece::kUnbounded) {
    int loop = n.NewState();
    n.eps[cur].push_back(loop);
    n.Edge(loop, p.set, loop);
    return loop;
  }
  int end = n.NewState();
  for (uint32_t i = p.min; i < p.max; ++i) {
    n.eps[cur].push_back(end);
    int nx = n.NewState();
    n.Edge(cur, p.set, nx);
    cur = nx;
  }
  n.eps[cur].push_back(end);
  return end;
}

void Closure(const Nfa& n, std::vector<int>& set) {
  std::vector<uint8_t> in(n.eps.size(), 0);
  for (int s : set) in[s] = 1;
  for (size_t i = 0; i < set.size(); ++i) {
    for (int t : n.eps[set[i]]) {
      if (!in[t]) {
        in[t] = 1;
        set.push_back(t);
      }
    }
  }
  std::sort(set.begin(), set.end());
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// Alphabet

void Alphabet::NoteText(std::string_view utf8) {
  for (char32_t cp : Decode(utf8)) {
    if (cp >= 0x80) points_.push_back(cp);
  }
}

bool Alphabet::Freeze() {
  std::sort(points_.begin(), points_.end());
  points_.erase(std::unique(points_.begin(), points_.end()), points_.end());
  frozen_ = true;
  return size() <= kMaxSymbols;
}

std::vector<int> Alphabet::Symbols(std::string_view utf8) const {
  std::vector<int> out;
  for (char32_t cp : Decode(utf8)) {
    if (cp < 0x80) {
      out.push_back(static_cast<int>(cp));
      continue;
    }
    auto it = std::lower_bound(points_.begin(), points_.end(), cp);
    out.push_back(it != points_.end() && *it == cp ? 128 + static_cast<int>(it - points_.begin())
                                                   : Other());
  }
  return out;
}

SymSet Alphabet::All() const {
  SymSet s;
  for (int i = 0; i < size(); ++i) s.set(i);
  return s;
}

SymSet Alphabet::NonAscii() const {
  SymSet s;
  for (int i = 128; i < size(); ++i) s.set(i);
  return s;
}

SymSet Alphabet::FromCharSet(const CharSet& cs) const {
  SymSet s;
  for (int i = 0; i < 128; ++i) {
    if (cs.ascii.test(i)) s.set(i);
  }
  if (cs.non_ascii) s |= NonAscii();
  return s;
}

char32_t Alphabet::Representative(int sym) const {
  if (sym < 128) return static_cast<char32_t>(sym);
  if (sym < Other()) return points_[sym - 128];
  for (char32_t cp : {U'\u00E9', U'\u00FC', U'\u4E00', U'\u03A9'}) {
    if (!std::binary_search(points_.begin(), points_.end(), cp)) return cp;
  }
  char32_t cp = 0x4E01;
  while (std::binary_search(points_.begin(), points_.end(), cp)) ++cp;
  return cp;
}

std::string Alphabet::Spell(const std::vector<int>& word) const {
  std::string out;
  for (int s : word) AppendUtf8(out, Representative(s));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Languages

Lang Exactly(const Alphabet& a, std::string_view text) {
  Branch b;
  for (int s : a.Symbols(text)) {
    SymSet set;
    set.set(s);
    b.pieces.push_back(One(set));
  }
  return Lang{{b}};
}

Lang Glob(const Alphabet& a, std::string_view text, bool star_start, bool star_end) {
  Lang l = Exactly(a, text);
  l.branches[0].anchor_start = !star_start;
  l.branches[0].anchor_end = !star_end;
  return l;
}

Lang Containing(const Alphabet& a, std::string_view text) { return Glob(a, text, true, true); }

Lang WordStartContaining(const Alphabet& a, std::string_view text) {
  Lang at_start = Glob(a, text, false, true);
  Lang after = Glob(a, text, true, true);
  SymSet non_alnum = a.All();
  for (char c = '0'; c <= '9'; ++c) non_alnum.reset(static_cast<unsigned char>(c));
  for (char c = 'a'; c <= 'z'; ++c) non_alnum.reset(static_cast<unsigned char>(c));
  for (char c = 'A'; c <= 'Z'; ++c) non_alnum.reset(static_cast<unsigned char>(c));
  after.branches[0].pieces.insert(after.branches[0].pieces.begin(), One(non_alnum));
  at_start.branches.push_back(after.branches[0]);
  return at_start;
}

Lang AnyText(const Alphabet& a) {
  Branch b;
  b.pieces.push_back(Star(a.All()));
  return Lang{{b}};
}

Lang RegexSearch(const Alphabet& a, const Regex& re) {
  Lang out;
  for (const auto& pieces : re.branches) {
    // Anchors: '^' holds only at position 0, so whatever precedes it matched nothing; '$' only
    // at the end, so whatever follows matches nothing. A piece that cannot match nothing kills
    // the branch there.
    Branch b;
    b.anchor_start = false;
    b.anchor_end = false;
    bool dead = false;
    bool ended = false;  // a '$' was seen: the rest must match the empty string
    for (const RegexPiece& p : pieces) {
      if (p.type == RegexPiece::Type::kBegin) {
        // Everything so far must have matched the empty string at position 0.
        for (const Piece& q : b.pieces) {
          if (q.min > 0) dead = true;
        }
        b.pieces.clear();
        b.anchor_start = true;
        continue;
      }
      if (p.type == RegexPiece::Type::kEnd) {
        ended = true;
        b.anchor_end = true;
        continue;
      }
      if (ended) {
        if (p.min > 0) dead = true;
        continue;
      }
      Piece q;
      q.set = a.FromCharSet(p.set);
      q.min = p.min;
      q.max = p.max == RegexPiece::kUnbounded ? Piece::kUnbounded : p.max;
      b.pieces.push_back(q);
    }
    // "$^" ends up anchored at both ends with nothing in between: only the empty subject,
    // which is exactly when start and end coincide.
    if (!dead) out.branches.push_back(std::move(b));
  }
  return out;
}

Lang JsonNumberText(const Alphabet&) {
  Lang out;
  SymSet nz = Chars("123456789");
  for (int int_part = 0; int_part < 2; ++int_part) {
    for (int frac = 0; frac < 2; ++frac) {
      for (int exp = 0; exp < 2; ++exp) {
        Branch b;
        Piece minus = One(Chars("-"));
        minus.min = 0;
        b.pieces.push_back(minus);
        if (int_part == 0) {
          b.pieces.push_back(One(Chars("0")));
        } else {
          b.pieces.push_back(One(nz));
          b.pieces.push_back(Star(Digits()));
        }
        if (frac) {
          b.pieces.push_back(One(Chars(".")));
          Piece d = One(Digits());
          d.max = Piece::kUnbounded;
          b.pieces.push_back(d);
        }
        if (exp) {
          b.pieces.push_back(One(Chars("eE")));
          Piece sign = One(Chars("+-"));
          sign.min = 0;
          b.pieces.push_back(sign);
          Piece d = One(Digits());
          d.max = Piece::kUnbounded;
          b.pieces.push_back(d);
        }
        out.branches.push_back(std::move(b));
      }
    }
  }
  return out;
}

Lang PatternNumberText(const Alphabet&) {
  Lang out;
  for (int frac = 0; frac < 2; ++frac) {
    for (int exp = 0; exp < 2; ++exp) {
      Branch b;
      Piece sign = One(Chars("+-"));
      sign.min = 0;
      b.pieces.push_back(sign);
      Piece d = One(Digits());
      d.max = Piece::kUnbounded;
      b.pieces.push_back(d);
      if (frac) {
        b.pieces.push_back(One(Chars(".")));
        b.pieces.push_back(d);
      }
      if (exp) {
        b.pieces.push_back(One(Chars("eE")));
        b.pieces.push_back(sign);
        b.pieces.push_back(d);
      }
      out.branches.push_back(std::move(b));
    }
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// DFA construction

std::optional<Dfa> Compile(const Lang& lang, const Alphabet& a, size_t max_states) {
  Nfa n;
  int start = n.NewState();
  int accept = n.NewState();
  const SymSet all = a.All();
  size_t nfa_budget = max_states * 64 + 4096;
  for (const Branch& b : lang.branches) {
    int cur = n.NewState();
    n.eps[start].push_back(cur);
    if (!b.anchor_start) {
      int loop = n.NewState();
      n.eps[cur].push_back(loop);
      n.Edge(loop, all, loop);
      cur = loop;
    }
    for (const Piece& p : b.pieces) {
      cur = AddPiece(n, cur, p);
      if (n.eps.size() > nfa_budget) return std::nullopt;
    }
    if (!b.anchor_end) {
      int loop = n.NewState();
      n.eps[cur].push_back(loop);
      n.Edge(loop, all, loop);
      cur = loop;
    }
    n.eps[cur].push_back(accept);
  }
  // Symbol classes: symbols that belong to exactly the same sets behave alike.
  Dfa d;
  d.cls.assign(kMaxSymbols, 0);
  std::map<std::vector<bool>, int> sig_class;
  std::vector<int> class_rep;
  for (int s = 0; s < a.size(); ++s) {
    std::vector<bool> sig(n.sets.size());
    for (size_t k = 0; k < n.sets.size(); ++k) sig[k] = n.sets[k].test(s);
    auto [it, fresh] = sig_class.emplace(sig, static_cast<int>(class_rep.size()));
    if (fresh) class_rep.push_back(s);
    d.cls[s] = it->second;
  }
  d.nclass = static_cast<int>(class_rep.size());
  std::map<std::vector<int>, int> ids;
  std::vector<std::vector<int>> states;
  std::vector<int> s0{start};
  Closure(n, s0);
  ids[s0] = 0;
  states.push_back(s0);
  for (size_t i = 0; i < states.size(); ++i) {
    for (int c = 0; c < d.nclass; ++c) {
      int sym = class_rep[c];
      std::vector<int> next;
      std::vector<uint8_t> in(n.eps.size(), 0);
      for (int st : states[i]) {
        for (auto [set, to] : n.edges[st]) {
          if (n.sets[set].test(sym) && !in[to]) {
            in[to] = 1;
            next.push_back(to);
          }
        }
      }
      Closure(n, next);
      auto [it, fresh] = ids.emplace(next, static_cast<int>(states.size()));
      if (fresh) {
        if (states.size() >= max_states) return std::nullopt;
        states.push_back(std::move(next));
      }
      d.trans.push_back(it->second);
    }
  }
  d.accept.resize(states.size());
  for (size_t i = 0; i < states.size(); ++i) {
    d.accept[i] = std::binary_search(states[i].begin(), states[i].end(), accept);
  }
  d.start = 0;
  return d;
}

// ---------------------------------------------------------------------------------------------
// Product search

namespace {

struct JointClasses {
  std::vector<int> reps;                // a representative symbol per joint class
  std::vector<std::vector<int>> cls;    // per joint class: the class in each dfa
};

JointClasses Join(const std::vector<const Dfa*>& dfas, const Alphabet& a) {
  JointClasses j;
  std::map<std::vector<int>, int> ids;
  for (int s = 0; s < a.size(); ++s) {
    std::vector<int> key;
    for (const Dfa* d : dfas) key.push_back(d->cls[s]);
    auto [it, fresh] = ids.emplace(key, static_cast<int>(j.reps.size()));
    if (fresh) {
      j.reps.push_back(s);
      j.cls.push_back(key);
    } else if (Rank(a, s) < Rank(a, j.reps[it->second])) {
      j.reps[it->second] = s;
    }
  }
  return j;
}

struct KeyHash {
  size_t operator()(const std::vector<int>& v) const {
    size_t h = 1469598103934665603ull;
    for (int x : v) h = (h ^ static_cast<size_t>(x)) * 1099511628211ull;
    return h;
  }
};

}  // namespace

std::vector<std::vector<int>> FindWords(const std::vector<const Dfa*>& dfas,
                                        const std::function<bool(const std::vector<bool>&)>& want,
                                        const Alphabet& a, size_t min_len, size_t n,
                                        size_t max_states) {
  std::vector<std::vector<int>> found;
  // Enumerate by breadth-first search over (product state, layer), allowing each product
  // state to be reported through different words until n words are found.
  JointClasses j = Join(dfas, a);
  struct Node {
    std::vector<int> st;
    int parent;
    int sym;
    size_t depth;
  };
  std::vector<Node> nodes;
  std::deque<int> queue;
  std::vector<int> st0;
  for (const Dfa* d : dfas) st0.push_back(d->start);
  nodes.push_back(Node{st0, -1, -1, 0});
  queue.push_back(0);
  std::unordered_map<std::vector<int>, int, KeyHash> visits;
  std::vector<bool> member(dfas.size());
  while (!queue.empty() && found.size() < n && nodes.size() < max_states) {
    int cur = queue.front();
    queue.pop_front();
    const Node node = nodes[cur];
    for (size_t k = 0; k < dfas.size(); ++k) member[k] = dfas[k]->accept[node.st[k]];
    if (node.depth >= min_len && want(member)) {
      std::vector<int> w;
      for (int x = cur; nodes[x].parent >= 0; x = nodes[x].parent) w.push_back(nodes[x].sym);
      std::reverse(w.begin(), w.end());
      found.push_back(std::move(w));
    }
    for (size_t c = 0; c < j.reps.size(); ++c) {
      std::vector<int> next(dfas.size());
      for (size_t k = 0; k < dfas.size(); ++k) {
        next[k] = dfas[k]->trans[node.st[k] * dfas[k]->nclass + j.cls[c][k]];
      }
      // Each product state is expanded at most a few times, so that enumeration stays bounded.
      if (++visits[next] > 3) continue;
      nodes.push_back(Node{next, cur, j.reps[c], node.depth + 1});
      queue.push_back(static_cast<int>(nodes.size() - 1));
    }
  }
  return found;
}

Search FindWord(const std::vector<const Dfa*>& dfas,
                const std::function<bool(const std::vector<bool>&)>& want, const Alphabet& a,
                size_t min_len, size_t max_states) {
  Search out;
  JointClasses j = Join(dfas, a);
  std::vector<int> st0;
  for (const Dfa* d : dfas) st0.push_back(d->start);
  // Key: the product state plus min(depth, min_len), so that a state first seen too early to
  // count can be seen again once long enough.
  struct Node {
    std::vector<int> st;
    size_t layer;
    int parent;
    int sym;
  };
  std::vector<Node> nodes;
  std::unordered_map<std::vector<int>, int, KeyHash> seen;
  auto key_of = [](const std::vector<int>& st, size_t layer) {
    std::vector<int> k = st;
    k.push_back(static_cast<int>(layer));
    return k;
  };
  nodes.push_back(Node{st0, 0, -1, -1});
  seen.emplace(key_of(st0, 0), 0);
  std::vector<bool> member(dfas.size());
  for (size_t i = 0; i < nodes.size(); ++i) {
    const std::vector<int> st = nodes[i].st;
    size_t layer = nodes[i].layer;
    for (size_t k = 0; k < dfas.size(); ++k) member[k] = dfas[k]->accept[st[k]];
    if (layer >= min_len && want(member)) {
      for (int x = static_cast<int>(i); nodes[x].parent >= 0; x = nodes[x].parent) {
        out.word.push_back(nodes[x].sym);
      }
      std::reverse(out.word.begin(), out.word.end());
      out.outcome = Search::Outcome::kFound;
      return out;
    }
    for (size_t c = 0; c < j.reps.size(); ++c) {
      std::vector<int> next(dfas.size());
      for (size_t k = 0; k < dfas.size(); ++k) {
        next[k] = dfas[k]->trans[st[k] * dfas[k]->nclass + j.cls[c][k]];
      }
      size_t nl = std::min(layer + 1, min_len);
      auto [it, fresh] = seen.emplace(key_of(next, nl), static_cast<int>(nodes.size()));
      if (!fresh) continue;
      if (nodes.size() >= max_states) {
        out.outcome = Search::Outcome::kLimit;
        return out;
      }
      nodes.push_back(Node{next, nl, static_cast<int>(i), j.reps[c]});
    }
  }
  out.outcome = Search::Outcome::kEmpty;
  return out;
}

}  // namespace vigil::pattern::fa
