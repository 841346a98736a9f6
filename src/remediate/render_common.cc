// Quoting, names and the header shared by the renderers.
#include <fmt/format.h>

#include "base/json_writer.h"
#include "base/text.h"
#include "remediate/render.h"

namespace vigil::remediate {

bool ParseFormat(std::string_view name, Format* out) {
  if (name == "cli" || name == "sh" || name == "shell") {
    *out = Format::kCli;
  } else if (name == "cloudformation" || name == "cfn") {
    *out = Format::kCloudFormation;
  } else if (name == "terraform" || name == "tf") {
    *out = Format::kTerraform;
  } else if (name == "json") {
    *out = Format::kJson;
  } else {
    return false;
  }
  return true;
}

std::string Render(const Plan& plan, Format format) {
  switch (format) {
    case Format::kCli: return RenderCli(plan);
    case Format::kCloudFormation: return RenderCloudFormation(plan);
    case Format::kTerraform: return RenderTerraform(plan);
    case Format::kJson: return RenderJson(plan);
  }
  return "";
}

std::string ShellQuote(std::string_view s) {
  bool bare = !s.empty();
  for (char c : s) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("_./:=@%+,-").find(c) != std::string_view::npos;
    if (!ok) {
      bare = false;
      break;
    }
  }
  // '=' is only special in a shell's first word (an assignment); ours never come first.
  if (bare) return std::string(s);
  std::string out = "'";
  for (char c : s) {
    if (c == '\'') {
      out += "'\\''";
    } else {
      out += c;
    }
  }
  return out + "'";
}

namespace {

// Valid UTF-8 sequence length at s[i], or 0.
size_t Utf8Len(std::string_view s, size_t i) {
  size_t n = 0;
  unsigned char c = static_cast<unsigned char>(s[i]);
  if (c < 0x80) return 1;
  if ((c & 0xE0) == 0xC0) n = 2;
  else if ((c & 0xF0) == 0xE0) n = 3;
  else if ((c & 0xF8) == 0xF0) n = 4;
  else return 0;
  if (i + n > s.size() || !IsValidUtf8(s.substr(i, n))) return 0;
  return n;
}

// Escapes for YAML and HCL double-quoted strings: \" \\ \n \r \t, other control characters as
// \uXXXX, invalid UTF-8 bytes as U+FFFD.
std::string QuoteCommon(std::string_view s, bool hcl) {
  std::string out = "\"";
  for (size_t i = 0; i < s.size();) {
    char c = s[i];
    unsigned char u = static_cast<unsigned char>(c);
    if (c == '"') {
      out += "\\\"";
    } else if (c == '\\') {
      out += "\\\\";
    } else if (c == '\n') {
      out += "\\n";
    } else if (c == '\r') {
      out += "\\r";
    } else if (c == '\t') {
      out += "\\t";
    } else if (u < 0x20 || u == 0x7F) {
      out += fmt::format("\\u{:04X}", u);
    } else if (hcl && (c == '$' || c == '%') && i + 1 < s.size() && s[i + 1] == '{') {
      out += c;
      out += c;  // $${ and %%{ are the literal ${ and %{
    } else if (u >= 0x80) {
      size_t n = Utf8Len(s, i);
      if (n == 0) {
        out += "\\uFFFD";
        ++i;
        continue;
      }
      // C1 controls and the line separators YAML treats as breaks are escaped too.
      std::string_view seq = s.substr(i, n);
      if (seq == "\xC2\x85" || seq == "\xE2\x80\xA8" || seq == "\xE2\x80\xA9" ||
          (n == 2 && u == 0xC2 && static_cast<unsigned char>(s[i + 1]) < 0xA0) ||
          seq == "\xEF\xBB\xBF") {
        uint32_t cp = n == 2 ? ((u & 0x1F) << 6) | (s[i + 1] & 0x3F)
                             : ((u & 0x0F) << 12) | ((s[i + 1] & 0x3F) << 6) | (s[i + 2] & 0x3F);
        out += fmt::format("\\u{:04X}", cp);
      } else {
        out += seq;
      }
      i += n;
      continue;
    } else {
      out += c;
    }
    ++i;
  }
  return out + "\"";
}

}  // namespace

std::string YamlQuote(std::string_view s) { return QuoteCommon(s, false); }
std::string HclQuote(std::string_view s) { return QuoteCommon(s, true); }

std::string CommentSafe(std::string_view s) {
  std::string q = QuoteCommon(s, false);
  // Keep the escapes but drop the quotes and the quote escaping: comments need no quoting.
  std::string out;
  std::string_view body(q.data() + 1, q.size() - 2);
  for (size_t i = 0; i < body.size(); ++i) {
    if (body[i] == '\\' && i + 1 < body.size() && (body[i + 1] == '"' || body[i + 1] == '\\')) {
      out += body[++i];
    } else {
      out += body[i];
    }
  }
  return out;
}

std::string CliService(std::string_view service) {
  if (service == "monitoring") return "cloudwatch";
  return std::string(service);
}

namespace {
std::string Kebab(std::string_view name) {
  std::string out;
  auto upper = [](char c) { return c >= 'A' && c <= 'Z'; };
  auto lower = [](char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); };
  for (size_t i = 0; i < name.size(); ++i) {
    char c = name[i];
    if (upper(c) && i > 0 &&
        (lower(name[i - 1]) || (i + 1 < name.size() && lower(name[i + 1]) && upper(name[i - 1])))) {
      out += '-';
    }
    out += upper(c) ? static_cast<char>(c - 'A' + 'a') : c;
  }
  return out;
}
}  // namespace

std::string CliOperation(std::string_view operation) { return Kebab(operation); }

std::string CliOption(const Step& step, std::string_view param) {
  if (step.service == "sns" && step.operation == "Subscribe" && param == "Endpoint") {
    return "--notification-endpoint";
  }
  return "--" + Kebab(param);
}

namespace {

void AppendJson(std::string& out, const Value& v) {
  switch (v.kind) {
    case Value::Kind::kString: AppendJsonString(out, v.text); break;
    case Value::Kind::kNumber: out += v.text; break;
    case Value::Kind::kBool: out += v.boolean ? "true" : "false"; break;
    case Value::Kind::kList:
      out += '[';
      for (size_t i = 0; i < v.items.size(); ++i) {
        if (i) out += ',';
        AppendJson(out, v.items[i]);
      }
      out += ']';
      break;
    case Value::Kind::kObject:
      out += '{';
      for (size_t i = 0; i < v.members.size(); ++i) {
        if (i) out += ',';
        AppendJsonString(out, v.members[i].first);
        out += ':';
        AppendJson(out, v.members[i].second);
      }
      out += '}';
      break;
    case Value::Kind::kRef:
      out += fmt::format("{{\"ref\":{{\"step\":{},\"field\":{}}}}}", v.step, JsonString(v.text));
      break;
    case Value::Kind::kParam: out += "{\"param\":" + JsonString(v.text) + "}"; break;
  }
}

bool ShorthandSafe(const Value& v) {
  if (v.kind == Value::Kind::kNumber) return true;
  if (v.kind != Value::Kind::kString || v.text.empty()) return false;
  for (char c : v.text) {
    bool ok = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              std::string_view("_./:#@+-").find(c) != std::string_view::npos;
    if (!ok) return false;
  }
  return true;
}

}  // namespace

std::string CliWords::Join(bool multiline) const {
  std::string out;
  for (size_t g = 0; g < groups.size(); ++g) {
    if (g) out += multiline ? " \\\n  " : " ";
    for (size_t i = 0; i < groups[g].size(); ++i) out += (i ? " " : "") + groups[g][i];
  }
  return out;
}

CliWords CliCommand(const Step& step, const std::function<std::string(const Value&)>& ref,
                    const std::function<std::string(const Value&)>& param) {
  CliWords w;
  w.groups.push_back({"aws", CliService(step.service), CliOperation(step.operation)});
  // IAM is global, but awscli still wants a region to sign for: the step names the partition's.
  w.groups.push_back({"--region", ShellQuote(step.region)});
  auto scalar = [&](const Value& v) -> std::string {
    switch (v.kind) {
      case Value::Kind::kRef: return ref(v);
      case Value::Kind::kParam: return param(v);
      case Value::Kind::kString:
      case Value::Kind::kNumber: return ShellQuote(v.text);
      default: {
        std::string j;
        AppendJson(j, v);
        return ShellQuote(j);
      }
    }
  };
  for (const auto& [name, v] : step.params.members) {
    std::string opt = CliOption(step, name);
    if (v.kind == Value::Kind::kBool) {
      w.groups.push_back({v.boolean ? opt : "--no-" + opt.substr(2)});
      continue;
    }
    if (v.kind != Value::Kind::kList) {
      // A value that starts with '-' would read as an option: join it to its option with '='.
      if ((v.kind == Value::Kind::kString || v.kind == Value::Kind::kNumber) &&
          !v.text.empty() && v.text[0] == '-') {
        w.groups.push_back({opt + "=" + ShellQuote(v.text)});
      } else {
        w.groups.push_back({opt, scalar(v)});
      }
      continue;
    }
    std::vector<std::string> g = {opt};
    bool objects = !v.items.empty() && v.items[0].kind == Value::Kind::kObject;
    bool dash = false;
    for (const auto& item : v.items) dash |= !item.text.empty() && item.text[0] == '-';
    if (!objects && !dash) {
      for (const auto& item : v.items) g.push_back(scalar(item));
      w.groups.push_back(std::move(g));
      continue;
    }
    // Structures: the shorthand of the seed (metricName=...,metricNamespace=...) when every
    // value is plain, else JSON, which needs no escaping rules of its own.
    bool shorthand = objects;
    for (const auto& item : v.items) {
      for (const auto& [k, x] : item.members) shorthand &= ShorthandSafe(x);
    }
    if (shorthand) {
      for (const auto& item : v.items) {
        std::string s;
        for (const auto& [k, x] : item.members) s += (s.empty() ? "" : ",") + k + "=" + x.text;
        g.push_back(ShellQuote(s));
      }
    } else {
      std::string j;
      AppendJson(j, v);
      g.push_back(ShellQuote(j));
    }
    w.groups.push_back(std::move(g));
  }
  return w;
}

std::string CamelName(std::string_view key) {
  std::string out;
  bool up = true;
  for (char c : key) {
    bool alnum = (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (!alnum) {
      up = true;
      continue;
    }
    out += up && c >= 'a' && c <= 'z' ? static_cast<char>(c - 'a' + 'A') : c;
    up = false;
  }
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "R" + out;
  return out;
}

std::string SnakeName(std::string_view key) {
  std::string out;
  for (size_t i = 0; i < key.size(); ++i) {
    char c = key[i];
    bool alnum = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9');
    if (c >= 'A' && c <= 'Z') {
      // NotificationEmail -> notification_email
      char prev = i ? key[i - 1] : ' ';
      if (!out.empty() && out.back() != '_' &&
          ((prev >= 'a' && prev <= 'z') || (prev >= '0' && prev <= '9'))) {
        out += '_';
      }
      c = static_cast<char>(c - 'A' + 'a');
      alnum = true;
    }
    if (alnum) {
      out += c;
    } else if (!out.empty() && out.back() != '_') {
      out += '_';
    }
  }
  while (!out.empty() && out.back() == '_') out.pop_back();
  if (out.empty() || (out[0] >= '0' && out[0] <= '9')) out = "r_" + out;
  return out;
}

std::vector<std::string> HeaderLines(const Plan& plan) {
  std::vector<std::string> h;
  std::string account = plan.account_id;
  if (!plan.account_name.empty()) account += " (" + plan.account_name + ")";
  h.push_back("vigil fix for AWS account " + CommentSafe(account));
  if (!plan.trail_arn.empty()) {
    h.push_back(fmt::format("Trail: {} ({}), home region {}", CommentSafe(plan.trail_name),
                            CommentSafe(plan.trail_arn), CommentSafe(plan.trail_region)));
    h.push_back("  chosen as " + CommentSafe(plan.trail_choice));
    h.push_back("Log group: " + CommentSafe(plan.log_group));
  } else if (!plan.trail_choice.empty()) {
    h.push_back("Trail: none to fix: " + CommentSafe(plan.trail_choice));
  }
  h.push_back("Rules:");
  for (const auto& r : plan.rules) {
    std::string line = fmt::format("  {} ({}) {}", CommentSafe(r.rule_id),
                                   gsl::StatusName(r.status), CommentSafe(r.rule_name));
    h.push_back(line);
    if (!r.note.empty()) h.push_back("    " + CommentSafe(r.note));
  }
  if (plan.steps.empty()) {
    h.push_back("Nothing to do.");
  } else {
    h.push_back("Steps:");
  }
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    std::string rules;
    for (const auto& r : s.rules) rules += (rules.empty() ? "" : ", ") + r;
    h.push_back(fmt::format("  {}. {} {} {} [{}]", i + 1, s.service, s.operation,
                            CommentSafe(s.key), CommentSafe(rules)));
    h.push_back("     " + CommentSafe(s.reason));
  }
  for (const auto& n : plan.notes) h.push_back("Note: " + CommentSafe(n));
  return h;
}

std::string RenderJson(const Plan& plan) {
  std::string o = "{\n  \"account\": {\"id\": " + JsonString(plan.account_id) +
                  ", \"name\": " + JsonString(plan.account_name) + "},\n";
  o += "  \"trail\": {\"arn\": " + JsonString(plan.trail_arn) +
       ", \"name\": " + JsonString(plan.trail_name) +
       ", \"region\": " + JsonString(plan.trail_region) +
       ", \"logGroup\": " + JsonString(plan.log_group) +
       ", \"choice\": " + JsonString(plan.trail_choice) + "},\n";
  o += "  \"steps\": [";
  for (size_t i = 0; i < plan.steps.size(); ++i) {
    const Step& s = plan.steps[i];
    o += i ? ",\n    " : "\n    ";
    o += "{\"service\": " + JsonString(s.service) + ", \"region\": " + JsonString(s.region) +
         ", \"operation\": " + JsonString(s.operation) + ", \"key\": " + JsonString(s.key) +
         ", \"changes\": " + JsonString(s.changes) + ",\n     \"parameters\": ";
    AppendJson(o, s.params);
    o += ",\n     \"rules\": [";
    for (size_t j = 0; j < s.rules.size(); ++j) o += (j ? ", " : "") + JsonString(s.rules[j]);
    o += "], \"reason\": " + JsonString(s.reason) + "}";
  }
  o += plan.steps.empty() ? "],\n" : "\n  ],\n";
  o += "  \"rules\": [";
  for (size_t i = 0; i < plan.rules.size(); ++i) {
    const auto& r = plan.rules[i];
    o += i ? ",\n    " : "\n    ";
    o += fmt::format("{{\"ruleId\": {}, \"status\": \"{}\", \"planned\": {}, "
                     "\"needsConfirmation\": {}, \"note\": {}}}",
                     JsonString(r.rule_id), gsl::StatusName(r.status), r.planned,
                     r.needs_confirmation, JsonString(r.note));
  }
  o += plan.rules.empty() ? "],\n" : "\n  ],\n";
  o += "  \"parameters\": [";
  for (size_t i = 0; i < plan.parameters.size(); ++i) {
    o += (i ? ", " : "") + fmt::format("{{\"name\": {}, \"description\": {}}}",
                                       JsonString(plan.parameters[i].name),
                                       JsonString(plan.parameters[i].description));
  }
  o += "],\n  \"notes\": [";
  for (size_t i = 0; i < plan.notes.size(); ++i) o += (i ? ", " : "") + JsonString(plan.notes[i]);
  o += "]\n}\n";
  return o;
}

}  // namespace vigil::remediate

namespace vigil::remediate {

std::string Summary(const Plan& plan) {
  std::string o;
  for (const auto& line : HeaderLines(plan)) o += line + "\n";
  for (const auto& p : plan.parameters) {
    o += fmt::format("Parameter: {} ({})\n", p.name, CommentSafe(p.description));
  }
  return o;
}

bool DeclaredByTemplate(const Plan& plan, const Step& s) {
  if (!s.changes.empty()) return false;
  if (s.service != "iam" && s.region != plan.trail_region) return false;
  return s.operation == "CreateLogGroup" || s.operation == "CreateRole" ||
         s.operation == "PutRolePolicy" || s.operation == "CreateTopic" ||
         s.operation == "Subscribe" || s.operation == "PutMetricFilter" ||
         s.operation == "PutMetricAlarm";
}

}  // namespace vigil::remediate
