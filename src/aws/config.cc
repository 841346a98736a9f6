#include "aws/config.h"

#include <array>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "base/text.h"

namespace vigil::aws {
namespace {

constexpr std::array<ServiceInfo, 9> kServices = {{
    {"cloudtrail", "CLOUDTRAIL", "2013-11-01", Protocol::kJson,
     "com.amazonaws.cloudtrail.v20131101.CloudTrail_20131101", false},
    {"logs", "CLOUDWATCH_LOGS", "2014-03-28", Protocol::kJson, "Logs_20140328", false},
    {"monitoring", "CLOUDWATCH", "2010-08-01", Protocol::kQuery,
     "http://monitoring.amazonaws.com/doc/2010-08-01/", false},
    {"sns", "SNS", "2010-03-31", Protocol::kQuery, "http://sns.amazonaws.com/doc/2010-03-31/",
     false},
    {"config", "CONFIG_SERVICE", "2014-11-12", Protocol::kJson, "StarlingDoveService", false},
    {"sts", "STS", "2011-06-15", Protocol::kQuery, "https://sts.amazonaws.com/doc/2011-06-15/",
     false},
    {"organizations", "ORGANIZATIONS", "2016-11-28", Protocol::kJson,
     "AWSOrganizationsV20161128", true},
    {"ec2", "EC2", "2016-11-15", Protocol::kEc2, "http://ec2.amazonaws.com/doc/2016-11-15/",
     false},
    {"iam", "IAM", "2010-05-08", Protocol::kQuery, "https://iam.amazonaws.com/doc/2010-05-08/",
     true},
}};

std::string Trim(std::string_view s) {
  size_t a = 0, b = s.size();
  while (a < b && std::isspace(static_cast<unsigned char>(s[a]))) ++a;
  while (b > a && std::isspace(static_cast<unsigned char>(s[b - 1]))) --b;
  return std::string(s.substr(a, b - a));
}

bool IsTrue(const std::optional<std::string>& v) { return v && AsciiLower(Trim(*v)) == "true"; }

// Reads a file; a missing file is an empty one (the SDKs treat it so).
StatusOr<std::optional<std::string>> ReadOptional(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return std::optional<std::string>();
  std::ostringstream ss;
  ss << in.rdbuf();
  if (in.bad()) return IoError(path + ": cannot read");
  return std::optional<std::string>(ss.str());
}

std::string ExpandHome(const std::string& path, const EnvLookup& env) {
  if (!path.starts_with("~/")) return path;
  std::optional<std::string> home = env("HOME");
  return (home ? *home : std::string()) + path.substr(1);
}

}  // namespace

EnvLookup ProcessEnv() {
  return [](std::string_view name) -> std::optional<std::string> {
    const char* v = std::getenv(std::string(name).c_str());
    if (v == nullptr || *v == '\0') return std::nullopt;
    return std::string(v);
  };
}

const ServiceInfo* FindService(std::string_view signing_name) {
  for (const ServiceInfo& s : kServices) {
    if (s.signing_name == signing_name) return &s;
  }
  return nullptr;
}

StatusOr<IniFile> ParseIni(std::string_view text, std::string_view what) {
  IniFile file;
  IniSection* section = nullptr;
  std::string parent_key;  // the key whose sub-settings follow ("key =" with no value)
  size_t line_no = 0;
  size_t pos = 0;
  while (pos <= text.size()) {
    size_t end = text.find('\n', pos);
    if (end == std::string_view::npos) end = text.size();
    std::string_view raw = text.substr(pos, end - pos);
    pos = end + 1;
    ++line_no;
    if (!raw.empty() && raw.back() == '\r') raw.remove_suffix(1);
    std::string line = Trim(raw);
    if (line.empty() || line[0] == '#' || line[0] == ';') {
      if (pos > text.size()) break;
      continue;
    }
    auto where = [&] { return std::string(what) + ":" + std::to_string(line_no) + ": "; };
    bool indented = raw[0] == ' ' || raw[0] == '\t';
    if (line[0] == '[') {
      if (line.back() != ']') return InvalidArgument(where() + "a section header needs a ']'");
      std::string name = Trim(std::string_view(line).substr(1, line.size() - 2));
      // Collapse inner whitespace runs ("profile   x" -> "profile x").
      std::string collapsed;
      for (char c : name) {
        if (std::isspace(static_cast<unsigned char>(c))) {
          if (!collapsed.empty() && collapsed.back() != ' ') collapsed.push_back(' ');
        } else {
          collapsed.push_back(c);
        }
      }
      section = &file.sections[collapsed];
      parent_key.clear();
      continue;
    }
    if (section == nullptr) {
      return InvalidArgument(where() + "a setting before any [section]");
    }
    size_t eq = line.find('=');
    if (eq == std::string::npos) {
      return InvalidArgument(where() + "expected 'key = value'");
    }
    std::string key = AsciiLower(Trim(std::string_view(line).substr(0, eq)));
    std::string value = Trim(std::string_view(line).substr(eq + 1));
    // Inline comments: " #" or " ;" after the value.
    for (size_t i = 1; i < value.size(); ++i) {
      if ((value[i] == '#' || value[i] == ';') && std::isspace(static_cast<unsigned char>(value[i - 1]))) {
        value = Trim(std::string_view(value).substr(0, i));
        break;
      }
    }
    if (key.empty()) return InvalidArgument(where() + "a setting with no name");
    if (indented && !parent_key.empty()) {
      (*section)[parent_key + "." + key] = value;
      continue;
    }
    (*section)[key] = value;
    parent_key = value.empty() ? key : std::string();
    if (pos > text.size()) break;
  }
  return file;
}

std::string_view DnsSuffix(std::string_view region) {
  return region.starts_with("cn-") ? "amazonaws.com.cn" : "amazonaws.com";
}

std::string_view Partition(std::string_view region) {
  if (region.starts_with("cn-")) return "aws-cn";
  if (region.starts_with("us-gov-")) return "aws-us-gov";
  return "aws";
}

StatusOr<AwsConfig> AwsConfig::Load(const ConfigOptions& options, const EnvLookup& env) {
  AwsConfig c;
  c.env_ = env;
  std::string config_path =
      ExpandHome(env("AWS_CONFIG_FILE").value_or("~/.aws/config"), env);
  std::string credentials_path =
      ExpandHome(env("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials"), env);
  for (auto [path, target] : {std::pair{&config_path, &c.config_},
                              std::pair{&credentials_path, &c.credentials_}}) {
    StatusOr<std::optional<std::string>> text = ReadOptional(*path);
    if (!text.ok()) return text.status();
    if (!text->has_value()) continue;
    StatusOr<IniFile> ini = ParseIni(**text, *path);
    if (!ini.ok()) return ini.status();
    *target = std::move(ini).value();
  }

  if (!options.profile.empty()) {
    c.profile_name_ = options.profile;
    c.profile_from_option_ = true;
  } else {
    c.profile_name_ = env("AWS_PROFILE").value_or("default");
  }
  bool named = !options.profile.empty() || env("AWS_PROFILE").has_value();
  if (named && !c.HasProfile(c.profile_name_)) {
    return NotFound("the profile '" + c.profile_name_ + "' is in neither " + config_path +
                    " nor " + credentials_path);
  }

  c.region_ = options.region;
  if (c.region_.empty()) c.region_ = env("AWS_REGION").value_or("");
  if (c.region_.empty()) c.region_ = env("AWS_DEFAULT_REGION").value_or("");
  if (c.region_.empty()) c.region_ = c.ProfileValue(c.profile_name_, "region").value_or("");

  std::optional<std::string> attempts = env("AWS_MAX_ATTEMPTS");
  if (!attempts) attempts = c.ProfileValue(c.profile_name_, "max_attempts");
  if (attempts) {
    char* end = nullptr;
    long n = std::strtol(attempts->c_str(), &end, 10);  // NOLINT(runtime/int)
    if (end == attempts->c_str() || *end != '\0' || n < 1 || n > 20) {
      return InvalidArgument("max_attempts / AWS_MAX_ATTEMPTS must be an integer from 1 to 20, not '" +
                             *attempts + "'");
    }
    c.max_attempts_ = static_cast<int>(n);
  }
  c.ca_bundle_ = env("AWS_CA_BUNDLE").value_or(c.ProfileValue(c.profile_name_, "ca_bundle").value_or(""));
  c.endpoint_option_ = options.endpoint_url;
  c.ignore_configured_endpoints_ =
      IsTrue(env("AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")) ||
      IsTrue(c.ProfileValue(c.profile_name_, "ignore_configured_endpoint_urls"));
  for (auto [var, key] : {std::pair{"AWS_USE_FIPS_ENDPOINT", "use_fips_endpoint"},
                          std::pair{"AWS_USE_DUALSTACK_ENDPOINT", "use_dualstack_endpoint"}}) {
    if (IsTrue(env(var)) || IsTrue(c.ProfileValue(c.profile_name_, key))) {
      return InvalidArgument(std::string(var) + " / " + key +
                             " is set, but vigil does not implement FIPS or dual-stack "
                             "endpoints yet; unset it or give --endpoint-url");
    }
  }
  return c;
}

bool AwsConfig::HasProfile(std::string_view profile) const {
  std::string p(profile);
  return credentials_.sections.count(p) > 0 || config_.sections.count("profile " + p) > 0 ||
         (p == "default" && config_.sections.count("default") > 0);
}

std::optional<std::string> AwsConfig::CredentialsFileValue(std::string_view profile,
                                                           std::string_view key) const {
  auto it = credentials_.sections.find(std::string(profile));
  if (it == credentials_.sections.end()) return std::nullopt;
  auto kv = it->second.find(std::string(key));
  if (kv == it->second.end()) return std::nullopt;
  return kv->second;
}

std::optional<std::string> AwsConfig::ConfigFileValue(std::string_view profile,
                                                      std::string_view key) const {
  // [default] and [profile default] both name the default profile; [profile x] wins.
  std::string p(profile);
  for (const std::string& name : {"profile " + p, p == "default" ? p : std::string()}) {
    if (name.empty()) continue;
    auto it = config_.sections.find(name);
    if (it == config_.sections.end()) continue;
    auto kv = it->second.find(std::string(key));
    if (kv != it->second.end()) return kv->second;
  }
  return std::nullopt;
}

std::optional<std::string> AwsConfig::ProfileValue(std::string_view profile,
                                                   std::string_view key) const {
  if (auto v = CredentialsFileValue(profile, key)) return v;
  return ConfigFileValue(profile, key);
}

const IniSection* AwsConfig::ConfigSection(std::string_view name) const {
  auto it = config_.sections.find(std::string(name));
  return it == config_.sections.end() ? nullptr : &it->second;
}

std::string AwsConfig::SigningRegion(const ServiceInfo& service, std::string_view region) {
  if (!service.global) return std::string(region);
  std::string_view p = Partition(region);
  if (p == "aws-cn") return "cn-northwest-1";
  if (p == "aws-us-gov") return "us-gov-west-1";
  return "us-east-1";
}

std::string AwsConfig::Endpoint(const ServiceInfo& service, std::string_view region) const {
  auto strip = [](std::string url) {
    while (!url.empty() && url.back() == '/') url.pop_back();
    return url;
  };
  if (!endpoint_option_.empty()) return strip(endpoint_option_);
  if (!ignore_configured_endpoints_) {
    if (auto v = Env("AWS_ENDPOINT_URL_" + std::string(service.sdk_id))) return strip(*v);
    if (auto v = Env("AWS_ENDPOINT_URL")) return strip(*v);
    if (auto services = ProfileValue(profile_name_, "services")) {
      if (const IniSection* s = ConfigSection("services " + *services)) {
        auto it = s->find(AsciiLower(service.sdk_id) + ".endpoint_url");
        if (it != s->end()) return strip(it->second);
      }
    }
    if (auto v = ProfileValue(profile_name_, "endpoint_url")) return strip(*v);
  }
  std::string signing_region = SigningRegion(service, region);
  if (service.signing_name == "iam") {
    return Partition(region) == "aws" ? "https://iam.amazonaws.com"
                                      : "https://iam." + signing_region + "." +
                                            std::string(DnsSuffix(region));
  }
  return "https://" + std::string(service.signing_name) + "." + signing_region + "." +
         std::string(DnsSuffix(signing_region));
}

}  // namespace vigil::aws
