// AWS configuration as the SDKs read it (aws-api.md §8): the shared config and credentials
// files, the selected profile, the region, endpoint overrides and retry settings. The process
// environment is read through an injectable lookup so that tests need not change it.
#ifndef VIGIL_AWS_CONFIG_H_
#define VIGIL_AWS_CONFIG_H_

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil::aws {

using EnvLookup = std::function<std::optional<std::string>(std::string_view)>;
// Reads the real process environment; an empty value counts as unset.
EnvLookup ProcessEnv();

// One INI section: key -> value. Sub-settings (indented lines under "key =") are stored as
// "key.subkey".
using IniSection = std::map<std::string, std::string>;

struct IniFile {
  std::map<std::string, IniSection> sections;  // by the name inside [ ]
};
// Parses an AWS-style INI file. `what` names the file in errors ("~/.aws/config:12: ...").
StatusOr<IniFile> ParseIni(std::string_view text, std::string_view what);

// The services vigil calls, with their wire facts (aws-api.md §1).
enum class Protocol { kJson, kQuery, kEc2 };
struct ServiceInfo {
  std::string_view signing_name;  // the endpoint prefix, e.g. "monitoring"
  std::string_view sdk_id;        // for AWS_ENDPOINT_URL_<ID>, e.g. "CLOUDWATCH"
  std::string_view api_version;
  Protocol protocol;
  std::string_view target_or_namespace;  // JSON target prefix, or the query XML namespace
  bool global;  // one endpoint per partition, signed for its region (organizations, iam)
};
// By signing name; nullptr for an unknown service.
const ServiceInfo* FindService(std::string_view signing_name);

struct ConfigOptions {
  std::string profile;       // --profile; empty = AWS_PROFILE or "default"
  std::string region;        // --region
  std::string endpoint_url;  // --endpoint-url: applies to every service
};

class AwsConfig {
 public:
  // Reads the environment and the shared files. A profile named with --profile or AWS_PROFILE
  // that exists in neither file is an error; so is FIPS or dual-stack (not implemented).
  static StatusOr<AwsConfig> Load(const ConfigOptions& options, const EnvLookup& env);

  const std::string& profile_name() const { return profile_name_; }
  bool profile_from_option() const { return profile_from_option_; }
  // The region from --region, AWS_REGION, AWS_DEFAULT_REGION or the profile; empty if none.
  const std::string& region() const { return region_; }
  int max_attempts() const { return max_attempts_; }
  const std::string& ca_bundle() const { return ca_bundle_; }

  // A setting of a profile: the credentials file first for credential keys, then the config
  // file. nullopt when absent.
  std::optional<std::string> ProfileValue(std::string_view profile, std::string_view key) const;
  // The same, from one file only (the chain ranks the two files' static keys differently).
  std::optional<std::string> CredentialsFileValue(std::string_view profile,
                                                  std::string_view key) const;
  std::optional<std::string> ConfigFileValue(std::string_view profile,
                                             std::string_view key) const;
  bool HasProfile(std::string_view profile) const;
  // A section of the config file, e.g. "sso-session NAME".
  const IniSection* ConfigSection(std::string_view name) const;

  // The endpoint for a service in a region (scheme://host[:port]), per §8.4 and §6.
  std::string Endpoint(const ServiceInfo& service, std::string_view region) const;
  // The region a request to `service` in `region` is signed for (global services: the
  // partition's home region).
  static std::string SigningRegion(const ServiceInfo& service, std::string_view region);

  const EnvLookup& env() const { return env_; }

 private:
  std::optional<std::string> Env(std::string_view name) const { return env_(name); }

  EnvLookup env_;
  IniFile config_;
  IniFile credentials_;
  std::string profile_name_;
  bool profile_from_option_ = false;
  std::string region_;
  int max_attempts_ = 3;
  std::string ca_bundle_;
  std::string endpoint_option_;
  bool ignore_configured_endpoints_ = false;
};

// The partition's DNS suffix for a region: amazonaws.com, or amazonaws.com.cn in China.
std::string_view DnsSuffix(std::string_view region);
// The ARN partition: aws, aws-cn or aws-us-gov.
std::string_view Partition(std::string_view region);

}  // namespace vigil::aws

#endif  // VIGIL_AWS_CONFIG_H_
