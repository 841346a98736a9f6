#include "pattern/json_program.h"

#include "base/text.h"

namespace vigil::pattern {

int JsonProgram::NodeFor(const Selector& sel) {
  if (trie.empty()) trie.emplace_back();
  int cur = 0;
  for (const Step& st : sel.steps) {
    int next = -1;
    TrieNode& n = trie[cur];
    switch (st.type) {
      case Step::Type::kMember:
        for (auto& [k, c] : n.members) {
          if (k == st.key) next = c;
        }
        if (next < 0) {
          next = static_cast<int>(trie.size());
          trie[cur].members.emplace_back(st.key, next);
          trie.emplace_back();
        }
        break;
      case Step::Type::kIndex:
        for (auto& [k, c] : n.indices) {
          if (k == st.index) next = c;
        }
        if (next < 0) {
          next = static_cast<int>(trie.size());
          trie[cur].indices.emplace_back(st.index, next);
          trie.emplace_back();
        }
        break;
      case Step::Type::kAnyMember:
        if (n.any_member < 0) {
          next = static_cast<int>(trie.size());
          trie[cur].any_member = next;
          trie.emplace_back();
        } else {
          next = n.any_member;
        }
        break;
      case Step::Type::kAnyIndex:
        if (n.any_index < 0) {
          next = static_cast<int>(trie.size());
          trie[cur].any_index = next;
          trie.emplace_back();
        } else {
          next = n.any_index;
        }
        break;
    }
    cur = next;
  }
  return cur;
}

int JsonProgram::AddNode(const Expr& e, int64_t regex_max_mem) {
  FormulaNode fn;
  if (e.type == Expr::Type::kAtom) {
    fn.type = FormulaNode::Type::kAtom;
    JsonAtomProgram a;
    a.op = e.atom.op;
    a.node = NodeFor(e.atom.selector);
    const Value& v = e.atom.value;
    a.vtype = v.type;
    a.text = v.text;
    a.star_start = v.star_start;
    a.star_end = v.star_end;
    a.number = v.number;
    if (HasValue(a.op) && v.type == Value::Type::kRegex) {
      RE2::Options o;
      o.set_log_errors(false);
      o.set_max_mem(regex_max_mem);
      auto re = std::make_unique<RE2>(v.regex.re2, o);
      a.re = re.get();
      regexes.push_back(std::move(re));
    }
    fn.atom = static_cast<int>(atoms.size());
    if (a.op == Op::kEq && a.vtype == Value::Type::kString) {
      trie[a.node].eq_strings[a.text].push_back(fn.atom);
    } else if (a.op != Op::kNotExists) {
      trie[a.node].atoms.push_back(fn.atom);
    }
    atoms.push_back(std::move(a));
  } else {
    fn.type = e.type == Expr::Type::kAnd ? FormulaNode::Type::kAnd : FormulaNode::Type::kOr;
    for (const Expr& c : e.children) fn.children.push_back(AddNode(c, regex_max_mem));
  }
  formula.push_back(std::move(fn));
  return static_cast<int>(formula.size() - 1);
}

int JsonProgram::AddPattern(const Expr& expr, int64_t regex_max_mem) {
  if (trie.empty()) trie.emplace_back();
  roots.push_back(AddNode(expr, regex_max_mem));
  return static_cast<int>(roots.size() - 1);
}

namespace {
bool EvalNode(const JsonProgram& p, int idx, const uint8_t* atom_true) {
  const FormulaNode& n = p.formula[idx];
  switch (n.type) {
    case FormulaNode::Type::kAtom:
      return atom_true[n.atom] != 0;
    case FormulaNode::Type::kAnd:
      for (int c : n.children) {
        if (!EvalNode(p, c, atom_true)) return false;
      }
      return true;
    case FormulaNode::Type::kOr:
      for (int c : n.children) {
        if (EvalNode(p, c, atom_true)) return true;
      }
      return false;
  }
  return false;
}
}  // namespace

void JsonProgram::Finish() {
  for (TrieNode& n : trie) {
    n.member_index.clear();
    if (n.members.size() <= 4) continue;
    for (size_t i = 0; i < n.members.size(); ++i) {
      n.member_index.emplace(n.members[i].first, static_cast<int>(i));
    }
  }
}

bool JsonProgram::Eval(int pattern, const uint8_t* atom_true) const {
  return EvalNode(*this, roots[pattern], atom_true);
}

}  // namespace vigil::pattern
