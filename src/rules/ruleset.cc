#include "rules/ruleset.h"

#include <openssl/sha.h>

#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <simdjson.h>

#include "rules/embedded.h"

namespace vigil::rules {

namespace {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A string field, or "" when absent; an error when present with another type.
Status StringField(simdjson::dom::object obj, const char* key, const std::string& where,
                   std::string* out) {
  simdjson::dom::element e;
  if (obj[key].get(e)) return Status::Ok();
  if (e.is_null()) return Status::Ok();
  std::string_view s;
  if (e.get_string().get(s)) {
    return InvalidArgument(fmt::format("{}.{}: expected a string", where, key));
  }
  *out = std::string(s);
  return Status::Ok();
}

}  // namespace

const char* SeverityName(Severity s) {
  switch (s) {
    case Severity::kInformational: return "Informational";
    case Severity::kLow: return "Low";
    case Severity::kMedium: return "Medium";
    case Severity::kHigh: return "High";
    case Severity::kCritical: return "Critical";
  }
  return "Low";
}

bool ParseSeverity(std::string_view text, Severity* out) {
  std::string l = Lower(text);
  if (l == "informational" || l == "info") {
    *out = Severity::kInformational;
  } else if (l == "low") {
    *out = Severity::kLow;
  } else if (l == "medium") {
    *out = Severity::kMedium;
  } else if (l == "high") {
    *out = Severity::kHigh;
  } else if (l == "critical") {
    *out = Severity::kCritical;
  } else {
    return false;
  }
  return true;
}

std::string LogicHash(std::string_view logic) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(logic.data()), logic.size(), digest);
  static const char* kAlphabet =
      "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
  std::string out;
  const unsigned char* b = digest;
  size_t n = 16, i = 0;
  for (; i + 3 <= n; i += 3) {
    uint32_t v = (b[i] << 16) | (b[i + 1] << 8) | b[i + 2];
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (n - i == 1) {
    uint32_t v = b[i] << 16;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
  } else if (n - i == 2) {
    uint32_t v = (b[i] << 16) | (b[i + 1] << 8);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

StatusOr<Ruleset> ParseRuleset(std::string_view json, const std::string& source) {
  simdjson::dom::parser parser;
  simdjson::padded_string padded(json);
  simdjson::dom::element root;
  if (auto err = parser.parse(padded).get(root)) {
    return InvalidArgument(fmt::format("{}: not a valid JSON document: {}", source,
                                       simdjson::error_message(err)));
  }
  simdjson::dom::object obj;
  if (root.get_object().get(obj)) {
    return InvalidArgument(fmt::format("{}: expected a ruleset object with \"rules\"", source));
  }
  Ruleset rs;
  rs.source = source;
  VIGIL_RETURN_IF_ERROR(StringField(obj, "name", source, &rs.name));
  VIGIL_RETURN_IF_ERROR(StringField(obj, "description", source, &rs.description));
  VIGIL_RETURN_IF_ERROR(StringField(obj, "cloudVendor", source, &rs.cloud_vendor));
  simdjson::dom::array rules;
  if (obj["rules"].get_array().get(rules)) {
    return InvalidArgument(fmt::format("{}: rules: expected a list of rules", source));
  }
  size_t i = 0;
  for (simdjson::dom::element e : rules) {
    std::string where = fmt::format("{}: rules[{}]", source, i++);
    simdjson::dom::object r;
    if (e.get_object().get(r)) return InvalidArgument(where + ": expected a rule object");
    Rule rule;
    rule.raw = simdjson::minify(e);
    VIGIL_RETURN_IF_ERROR(StringField(r, "name", where, &rule.name));
    VIGIL_RETURN_IF_ERROR(StringField(r, "ruleId", where, &rule.rule_id));
    VIGIL_RETURN_IF_ERROR(StringField(r, "logic", where, &rule.logic));
    VIGIL_RETURN_IF_ERROR(StringField(r, "description", where, &rule.description));
    VIGIL_RETURN_IF_ERROR(StringField(r, "remediation", where, &rule.remediation));
    VIGIL_RETURN_IF_ERROR(StringField(r, "complianceTag", where, &rule.compliance_tag));
    VIGIL_RETURN_IF_ERROR(StringField(r, "category", where, &rule.category));
    VIGIL_RETURN_IF_ERROR(StringField(r, "logicHash", where, &rule.logic_hash));
    std::string severity;
    VIGIL_RETURN_IF_ERROR(StringField(r, "severity", where, &severity));
    if (!severity.empty() && !ParseSeverity(severity, &rule.severity)) {
      return InvalidArgument(fmt::format("{}.severity: '{}' is not one of Informational, Low, "
                                         "Medium, High, Critical",
                                         where, severity));
    }
    if (rule.name.empty()) return InvalidArgument(where + ": a rule needs a \"name\"");
    if (rule.logic.empty()) {
      return InvalidArgument(fmt::format("{} ({}): a rule needs its GSL \"logic\"", where,
                                         rule.name));
    }
    if (rule.logic_hash.empty()) rule.logic_hash = LogicHash(rule.logic);
    simdjson::dom::array fws;
    if (!r["frameworks"].get_array().get(fws)) {
      size_t k = 0;
      for (simdjson::dom::element f : fws) {
        std::string fw = fmt::format("{}.frameworks[{}]", where, k++);
        simdjson::dom::object fo;
        if (f.get_object().get(fo)) return InvalidArgument(fw + ": expected an object");
        Framework x;
        VIGIL_RETURN_IF_ERROR(StringField(fo, "framework", fw, &x.framework));
        VIGIL_RETURN_IF_ERROR(StringField(fo, "control", fw, &x.control));
        if (x.framework.empty()) return InvalidArgument(fw + ": a framework needs its name");
        rule.frameworks.push_back(std::move(x));
      }
    }
    rs.rules.push_back(std::move(rule));
  }
  return rs;
}

std::vector<std::string> BundledRulesetNames() {
  std::vector<std::string> out;
  for (const embedded::File& f : embedded::All()) {
    std::string n = f.name;
    if (n.size() > 5 && n.substr(n.size() - 5) == ".json" && n != "account.json") {
      out.push_back(n.substr(0, n.size() - 5));
    }
  }
  return out;
}

StatusOr<Ruleset> LoadRuleset(const std::string& name_or_path) {
  if (const embedded::File* f = embedded::Find(name_or_path + ".json");
      f && name_or_path != "account") {
    return ParseRuleset(f->text(), "bundled:" + name_or_path);
  }
  std::ifstream in(name_or_path, std::ios::binary);
  if (!in) {
    std::string names;
    for (const auto& n : BundledRulesetNames()) names += (names.empty() ? "" : ", ") + n;
    return NotFound(fmt::format("ruleset '{}': no such file, and no bundled ruleset of that name "
                                "(bundled: {})",
                                name_or_path, names));
  }
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseRuleset(ss.str(), name_or_path);
}

}  // namespace vigil::rules
