// Live collection shared by `vigil collect`, `vigil scan --live` and `vigil fix --live`: the
// AWS options every one of them takes, and one function that turns them into an inventory.
#ifndef VIGIL_CLI_LIVE_H_
#define VIGIL_CLI_LIVE_H_

#include <memory>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "aws/client.h"
#include "aws/config.h"
#include "base/json_value.h"

namespace vigil::cli {

struct LiveOptions {
  std::string profile, region, regions, endpoint_url, raw_dir, mfa_code;
  int concurrency = 8;
  double connect_timeout = 5, timeout = 60;
  std::string progress = "auto";  // auto | always | never
};

// Adds --profile, --region, --regions, --endpoint-url, --raw-dir, --concurrency,
// --connect-timeout, --timeout, --mfa-code and --progress to a subcommand.
void AddLiveOptions(CLI::App* cmd, LiveOptions* o);

// An AWS session built from the options: the configuration, the credentials and a client.
struct AwsSession {
  aws::AwsConfig config;
  std::shared_ptr<aws::CredentialCache> credentials;
  std::unique_ptr<aws::Client> client;
  std::string home_region;
  std::vector<std::string> regions;  // empty = every enabled region
};

// Builds the session; on bad options or configuration prints the error and returns nullptr.
std::unique_ptr<AwsSession> OpenSession(const LiveOptions& o);

// Collects the account. Returns the exit code: 0 when complete, kExitUnknown (3) when the
// collection is incomplete (the inventory is still filled, and says so) or failed outright
// (`inventory` left null). Errors and a summary go to stderr.
int CollectLive(const LiveOptions& o, AwsSession& session, Json* inventory);

}  // namespace vigil::cli

#endif  // VIGIL_CLI_LIVE_H_
