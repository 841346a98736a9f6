// vigil collect: a native AWS collection into the inventory format; and the live options that
// scan and fix share (live.h).
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>

#include "aws/credential_chain.h"
#include "base/file_util.h"
#include "cli/commands.h"
#include "cli/live.h"
#include "collect/collector.h"

namespace vigil::cli {

void AddLiveOptions(CLI::App* cmd, LiveOptions* o) {
  cmd->add_option("--profile", o->profile, "AWS profile (default: AWS_PROFILE, else default)");
  cmd->add_option("--region", o->region,
                  "home region for STS and the region list (default: AWS_REGION, "
                  "AWS_DEFAULT_REGION, the profile)");
  cmd->add_option("--regions", o->regions,
                  "regions to collect: all (every enabled region, the default) or r1,r2,...");
  cmd->add_option("--endpoint-url", o->endpoint_url,
                  "send every AWS call to this URL (a test server or a proxy)");
  cmd->add_option("--raw-dir", o->raw_dir,
                  "keep every raw API response under DIR, and raw-account.json for --from-raw");
  cmd->add_option("--concurrency", o->concurrency, "parallel requests (default 8)")
      ->check(CLI::Range(1, 64));
  cmd->add_option("--connect-timeout", o->connect_timeout, "seconds (default 5)")
      ->check(CLI::Range(0.1, 600.0));
  cmd->add_option("--timeout", o->timeout, "seconds per request (default 60)")
      ->check(CLI::Range(0.1, 3600.0));
  cmd->add_option("--mfa-code", o->mfa_code, "MFA code for a profile with mfa_serial");
  cmd->add_option("--progress", o->progress, "auto|always|never (default auto: on a terminal)")
      ->check(CLI::IsMember({"auto", "always", "never"}));
}

std::unique_ptr<AwsSession> OpenSession(const LiveOptions& o) {
  auto session = std::make_unique<AwsSession>();
  aws::ConfigOptions co{o.profile, o.region, o.endpoint_url};
  StatusOr<aws::AwsConfig> config = aws::AwsConfig::Load(co, aws::ProcessEnv());
  if (!config.ok()) {
    std::fprintf(stderr, "error: %s\n", config.status().message().c_str());
    return nullptr;
  }
  session->config = std::move(config).value();
  if (!o.regions.empty() && o.regions != "all") {
    std::stringstream ss(o.regions);
    for (std::string r; std::getline(ss, r, ',');) {
      if (r.empty()) continue;
      bool ok = r.size() <= 32;
      for (char c : r) ok &= std::islower(static_cast<unsigned char>(c)) || std::isdigit(static_cast<unsigned char>(c)) || c == '-';
      if (!ok) {
        std::fprintf(stderr, "error: --regions: '%s' is not a region name\n", r.c_str());
        return nullptr;
      }
      session->regions.push_back(r);
    }
  }
  session->home_region = session->config.region();
  if (session->home_region.empty() && !session->regions.empty()) {
    session->home_region = session->regions.front();
  }
  if (session->home_region.empty()) {
    std::fprintf(stderr,
                 "error: no AWS region: give --region, set AWS_REGION or AWS_DEFAULT_REGION, or "
                 "set region in the profile '%s'\n",
                 session->config.profile_name().c_str());
    return nullptr;
  }
  aws::TransportOptions t;
  t.connect_timeout_ms = static_cast<long>(o.connect_timeout * 1000);  // NOLINT
  t.total_timeout_ms = static_cast<long>(o.timeout * 1000);            // NOLINT
  t.ca_bundle = session->config.ca_bundle();
  aws::ChainOptions chain;
  chain.mfa_token_code = o.mfa_code;
  chain.transport = t;
  if (auto scale = session->config.env()("VIGIL_AWS_BACKOFF_SCALE")) {
    chain.backoff_scale = std::atof(scale->c_str());  // tests shorten retry delays
  }
  StatusOr<std::unique_ptr<aws::CredentialProvider>> provider =
      aws::ResolveCredentialChain(session->config, chain);
  if (!provider.ok()) {
    std::fprintf(stderr, "error: %s\n", provider.status().message().c_str());
    return nullptr;
  }
  session->credentials = std::make_shared<aws::CredentialCache>(std::move(provider).value());
  aws::ClientOptions client_options;
  client_options.transport = t;
  client_options.max_attempts = session->config.max_attempts();
  client_options.raw_dir = o.raw_dir;
  client_options.backoff_scale = chain.backoff_scale;
  session->client = std::make_unique<aws::Client>(session->config, session->credentials,
                                                  client_options);
  return session;
}

namespace {

void PrintSummary(const Json& inventory, double seconds) {
  const Json* c = inventory.Get("collection");
  const Json* e = inventory.Get("entities");
  auto count = [&](const char* type) {
    const Json* list = e ? e->Get(type) : nullptr;
    return list ? list->items().size() : 0;
  };
  double calls = c && c->Get("totalCalls") ? c->Get("totalCalls")->as_double() : 0;
  size_t regions = c && c->Get("regions") ? c->Get("regions")->items().size() : 0;
  std::fprintf(stderr,
               "collected account %s in %zu regions: %zu trails, %zu log groups, %zu alarms, "
               "%zu topics, %zu recorders; %.0f calls in %.2f s (%.0f calls/s)\n",
               inventory.Get("account")->GetString("id").c_str(), regions, count("CloudTrail"),
               count("LogGroup"), count("MetricAlarm"), count("SnsTopic"),
               count("ConfigurationRecorder"), calls, seconds,
               seconds > 0 ? calls / seconds : 0.0);
  if (c == nullptr) return;
  for (const Json& s : c->Get("skippedRegions")->items()) {
    std::fprintf(stderr, "skipped region %s: %s\n", s.GetString("region").c_str(),
                 s.GetString("reason").c_str());
  }
  for (const Json& g : c->Get("permissionGaps")->items()) {
    std::string what = g.GetString("resource");
    std::fprintf(stderr, "permission gap: %s:%s in %s%s: %s\n", g.GetString("service").c_str(),
                 g.GetString("call").c_str(), g.GetString("region").c_str(),
                 what.empty() ? "" : (" for " + what).c_str(), g.GetString("error").c_str());
  }
  for (const Json& err : c->Get("errors")->items()) {
    std::fprintf(stderr, "error: %s\n", err.GetString("message").c_str());
  }
}

}  // namespace

int CollectLive(const LiveOptions& o, AwsSession& session, Json* inventory) {
  collect::CollectOptions co;
  co.home_region = session.home_region;
  co.regions = session.regions;
  co.concurrency = o.concurrency;
  bool show = o.progress == "always" || (o.progress == "auto" && isatty(2));
  if (show) {
    co.progress = [](int done, int total) {
      std::fprintf(stderr, "\rcollecting: %d/%d tasks", done, total);
      std::fflush(stderr);
    };
  }
  auto start = std::chrono::steady_clock::now();
  collect::RawAccount raw = collect::Collect(*session.client, co);
  double seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (show) std::fprintf(stderr, "\r\033[K");
  if (!o.raw_dir.empty()) {
    std::error_code ec;
    std::filesystem::create_directories(o.raw_dir, ec);
    Status st = WriteFileAtomic(o.raw_dir + "/raw-account.json", raw.Dump(1) + "\n");
    if (!st.ok()) std::fprintf(stderr, "warning: %s\n", st.message().c_str());
  }
  std::string fatal = collect::FatalError(raw);
  if (!fatal.empty()) {
    std::fprintf(stderr, "error: %s\n", fatal.c_str());
    return kExitUnknown;
  }
  *inventory = collect::BuildInventory(raw);
  inventory->Get("collection")->Set("durationSeconds", seconds);
  PrintSummary(*inventory, seconds);
  if (collect::Incomplete(raw)) {
    std::fprintf(stderr, "the collection is incomplete: the inventory says so "
                         "(collection.complete = false); findings on the affected types are "
                         "reported as no-data\n");
    return kExitUnknown;
  }
  return kExitOk;
}

namespace {

struct CollectArgs {
  LiveOptions live;
  std::string output = "-";
  std::string from_raw;
};

int WriteInventory(const Json& inventory, const std::string& output) {
  std::string text = inventory.Dump(1) + "\n";
  if (output == "-") {
    std::fwrite(text.data(), 1, text.size(), stdout);
    return std::fflush(stdout) == 0 ? kExitOk : kExitInvalid;
  }
  Status st = WriteFileAtomic(output, text);
  if (!st.ok()) {
    std::fprintf(stderr, "error: %s\n", st.message().c_str());
    return kExitInvalid;
  }
  return kExitOk;
}

int RunCollect(const CollectArgs& a) {
  if (!a.from_raw.empty()) {
    std::ifstream in(a.from_raw, std::ios::binary);
    if (!in) {
      std::fprintf(stderr, "error: %s: cannot open\n", a.from_raw.c_str());
      return kExitInvalid;
    }
    std::ostringstream ss;
    ss << in.rdbuf();
    StatusOr<Json> raw = Json::Parse(ss.str(), a.from_raw);
    if (!raw.ok() || !raw->is_object() || !raw->Get("perRegion")) {
      std::fprintf(stderr, "error: %s: not a raw-account.json written by vigil collect --raw-dir\n",
                   a.from_raw.c_str());
      return kExitInvalid;
    }
    int rc = WriteInventory(collect::BuildInventory(*raw), a.output);
    if (rc != kExitOk) return rc;
    return collect::Incomplete(*raw) ? kExitUnknown : kExitOk;
  }
  std::unique_ptr<AwsSession> session = OpenSession(a.live);
  if (!session) return kExitInvalid;
  Json inventory;
  int rc = CollectLive(a.live, *session, &inventory);
  if (inventory.is_null()) return rc;
  int wrc = WriteInventory(inventory, a.output);
  return wrc != kExitOk ? wrc : rc;
}

}  // namespace

void RegisterCollect(CLI::App& app, int* exit_code) {
  auto args = std::make_shared<CollectArgs>();
  CLI::App* cmd = app.add_subcommand(
      "collect", "Collect an AWS account's monitoring chain into an inventory file");
  AddLiveOptions(cmd, &args->live);
  cmd->add_option("-o,--output", args->output, "inventory file (default: standard output)");
  cmd->add_option("--from-raw", args->from_raw,
                  "rebuild the inventory offline from a raw-account.json kept by --raw-dir");
  cmd->callback([args, exit_code] { *exit_code = RunCollect(*args); });
}

}  // namespace vigil::cli
