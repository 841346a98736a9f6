#include "aws/credential_chain.h"

#include <fcntl.h>
#include <openssl/sha.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstring>
#include <fstream>
#include <set>
#include <sstream>

#include "aws/http.h"
#include "base/iso_time.h"
#include "base/text.h"

extern char** environ;

namespace vigil::aws {
namespace {

constexpr int kProcessTimeoutSeconds = 120;

StatusOr<std::string> ReadFile(const std::string& path, std::string_view what) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return NotFound(std::string(what) + ": cannot open " + path);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads the credential members of a JSON document (credential_process, container, IMDS and
// STS share these names, with Token or SessionToken).
StatusOr<Credentials> CredentialsFromJson(const Json& j, std::string_view what,
                                          std::string provider) {
  Credentials c;
  c.provider = std::move(provider);
  c.access_key_id = j.GetString("AccessKeyId");
  c.secret_access_key = j.GetString("SecretAccessKey");
  c.session_token = j.GetString("SessionToken", j.GetString("Token"));
  if (c.access_key_id.empty() || c.secret_access_key.empty()) {
    return InvalidArgument(std::string(what) +
                           ": the response lacks AccessKeyId or SecretAccessKey");
  }
  if (const Json* e = j.Get("Expiration")) {
    std::optional<std::time_t> t;
    if (e->is_string()) t = ParseIsoTime(e->text());
    if (e->is_number()) t = static_cast<std::time_t>(e->as_double());
    if (!t) return InvalidArgument(std::string(what) + ": Expiration is not an ISO-8601 time");
    c.expiration = t;
  }
  return c;
}

class StaticProvider : public CredentialProvider {
 public:
  StaticProvider(Credentials c, std::string description)
      : c_(std::move(c)), description_(std::move(description)) {}
  StatusOr<Credentials> Fetch() override { return c_; }
  std::string Describe() const override { return description_; }

 private:
  Credentials c_;
  std::string description_;
};

struct ProcessResult {
  int exit_code = -1;
  std::string out, err;
};

StatusOr<ProcessResult> RunProcess(const std::vector<std::string>& argv) {
  int out_pipe[2], err_pipe[2];
  if (pipe2(out_pipe, O_CLOEXEC) != 0) return IoError("pipe failed");
  if (pipe2(err_pipe, O_CLOEXEC) != 0) {
    close(out_pipe[0]);
    close(out_pipe[1]);
    return IoError("pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  pid_t pid;
  int rc = posix_spawnp(&pid, args[0], &actions, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  close(out_pipe[1]);
  close(err_pipe[1]);
  if (rc != 0) {
    close(out_pipe[0]);
    close(err_pipe[0]);
    return NotFound("cannot run '" + argv[0] + "': " + std::strerror(rc));
  }
  ProcessResult r;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  std::string* sinks[2] = {&r.out, &r.err};
  int open_fds = 2;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(kProcessTimeoutSeconds);
  bool timed_out = false;
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
        deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int n = poll(fds, 2, static_cast<int>(left.count()));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) continue;
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || !(fds[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char buf[4096];
      ssize_t got = read(fds[i].fd, buf, sizeof buf);
      if (got > 0 && sinks[i]->size() < (1u << 20)) {
        sinks[i]->append(buf, static_cast<size_t>(got));
      } else if (got <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (pollfd& f : fds) {
    if (f.fd >= 0) close(f.fd);
  }
  if (timed_out) kill(pid, SIGKILL);
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return IoError("'" + argv[0] + "' did not finish within " +
                   std::to_string(kProcessTimeoutSeconds) + " s");
  }
  r.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

class ProcessProvider : public CredentialProvider {
 public:
  ProcessProvider(std::string command, std::string profile)
      : command_(std::move(command)), profile_(std::move(profile)) {}

  StatusOr<Credentials> Fetch() override {
    std::string what = "profile " + profile_ + ": credential_process";
    StatusOr<std::vector<std::string>> argv = SplitCommandLine(command_);
    if (!argv.ok()) return argv.status().Annotate(what);
    if (argv->empty()) return InvalidArgument(what + " is empty");
    StatusOr<ProcessResult> run = RunProcess(*argv);
    if (!run.ok()) return run.status().Annotate(what);
    if (run->exit_code != 0) {
      // stderr is the process's own diagnostics; stdout (which may hold secrets) is never shown.
      std::string err(TrimSpace(run->err));
      if (err.size() > 2000) err = err.substr(0, 2000) + "...";
      return IoError(what + " exited with status " + std::to_string(run->exit_code) +
                     (err.empty() ? std::string() : ": " + err));
    }
    StatusOr<Json> j = Json::Parse(run->out, what + " output");
    if (!j.ok() || !j->is_object()) {
      return InvalidArgument(what + " did not print a JSON object on stdout");
    }
    const Json* version = j->Get("Version");
    if (version == nullptr || !version->is_number() || version->text() != "1") {
      return InvalidArgument(what + " output needs \"Version\": 1");
    }
    return CredentialsFromJson(*j, what, "credential_process");
  }
  std::string Describe() const override {
    return "profile " + profile_ + " (credential_process)";
  }

 private:
  std::string command_;
  std::string profile_;
};

// A small HTTP helper for the metadata endpoints: one attempt, the given timeout.
StatusOr<HttpResponse> HttpCall(const TransportOptions& base, std::string method, std::string url,
                                HeaderList headers, long timeout_ms) {  // NOLINT(runtime/int)
  TransportOptions t = base;
  t.connect_timeout_ms = timeout_ms;
  t.total_timeout_ms = timeout_ms * 2;
  t.max_body_bytes = 1 << 20;
  Transport transport(t);
  HttpRequest r;
  r.method = std::move(method);
  size_t scheme = url.find("://");
  size_t path = url.find('/', scheme == std::string::npos ? 0 : scheme + 3);
  r.endpoint = path == std::string::npos ? url : url.substr(0, path);
  std::string rest = path == std::string::npos ? "/" : url.substr(path);
  size_t q = rest.find('?');
  r.path = UriDecode(rest.substr(0, q));
  if (q != std::string::npos) {
    std::string_view qs = std::string_view(rest).substr(q + 1);
    while (!qs.empty()) {
      size_t amp = qs.find('&');
      std::string_view kv = qs.substr(0, amp);
      size_t eq = kv.find('=');
      r.query.emplace_back(UriDecode(kv.substr(0, eq)),
                           eq == std::string_view::npos ? "" : UriDecode(kv.substr(eq + 1)));
      if (amp == std::string_view::npos) break;
      qs.remove_prefix(amp + 1);
    }
  }
  r.headers = std::move(headers);
  return transport.Send(r);
}

class ContainerProvider : public CredentialProvider {
 public:
  ContainerProvider(std::string url, const AwsConfig& config, TransportOptions t)
      : url_(std::move(url)), config_(config), transport_(std::move(t)) {}

  StatusOr<Credentials> Fetch() override {
    const EnvLookup& env = config_.env();
    HeaderList headers;
    if (auto file = env("AWS_CONTAINER_AUTHORIZATION_TOKEN_FILE")) {
      StatusOr<std::string> token = ReadFile(*file, "container credentials");
      if (!token.ok()) return token.status();
      headers.emplace_back("Authorization", std::string(TrimSpace(*token)));
    } else if (auto token = env("AWS_CONTAINER_AUTHORIZATION_TOKEN")) {
      headers.emplace_back("Authorization", *token);
    }
    StatusOr<HttpResponse> r = HttpCall(transport_, "GET", url_, headers, 2000);
    std::string what = "container credentials (" + url_ + ")";
    if (!r.ok()) return r.status().Annotate("container credentials");
    if (r->status != 200) {
      return IoError(what + ": HTTP " + std::to_string(r->status));
    }
    StatusOr<Json> j = Json::Parse(r->body, what);
    if (!j.ok()) return j.status();
    return CredentialsFromJson(*j, what, "container");
  }
  std::string Describe() const override { return "container credentials"; }

 private:
  std::string url_;
  const AwsConfig& config_;
  TransportOptions transport_;
};

class ImdsProvider : public CredentialProvider {
 public:
  ImdsProvider(std::string endpoint, long timeout_ms, TransportOptions t)  // NOLINT
      : endpoint_(std::move(endpoint)), timeout_ms_(timeout_ms), transport_(std::move(t)) {}

  StatusOr<Credentials> Fetch() override {
    std::string what = "EC2 instance metadata (" + endpoint_ + ")";
    StatusOr<HttpResponse> token =
        HttpCall(transport_, "PUT", endpoint_ + "/latest/api/token",
                 {{"X-aws-ec2-metadata-token-ttl-seconds", "21600"}}, timeout_ms_);
    if (!token.ok()) return token.status().Annotate(what);
    if (token->status != 200 || token->body.empty()) {
      return IoError(what + ": the IMDSv2 token request answered HTTP " +
                     std::to_string(token->status) + " (vigil does not fall back to IMDSv1)");
    }
    HeaderList auth = {{"X-aws-ec2-metadata-token", token->body}};
    std::string base = endpoint_ + "/latest/meta-data/iam/security-credentials/";
    StatusOr<HttpResponse> role = HttpCall(transport_, "GET", base, auth, timeout_ms_);
    if (!role.ok()) return role.status().Annotate(what);
    std::string name(TrimSpace(role->body));
    if (size_t nl = name.find('\n'); nl != std::string::npos) name.resize(nl);
    if (role->status != 200 || name.empty()) {
      return IoError(what + ": no instance profile role (HTTP " + std::to_string(role->status) +
                     ")");
    }
    StatusOr<HttpResponse> creds = HttpCall(transport_, "GET", base + name, auth, timeout_ms_);
    if (!creds.ok()) return creds.status().Annotate(what);
    if (creds->status != 200) {
      return IoError(what + ": HTTP " + std::to_string(creds->status) + " for role " + name);
    }
    StatusOr<Json> j = Json::Parse(creds->body, what);
    if (!j.ok()) return j.status();
    std::string code = j->GetString("Code", "Success");
    if (code != "Success") return IoError(what + ": Code " + code);
    return CredentialsFromJson(*j, what, "ec2-instance-metadata");
  }
  std::string Describe() const override { return "EC2 instance metadata"; }

 private:
  std::string endpoint_;
  long timeout_ms_;  // NOLINT(runtime/int)
  TransportOptions transport_;
};

class AssumeRoleProvider : public CredentialProvider {
 public:
  struct Params {
    std::string profile, role_arn, session_name, external_id, mfa_serial, mfa_code, region;
    int duration_seconds = 3600;
  };
  AssumeRoleProvider(const AwsConfig& config, std::unique_ptr<CredentialProvider> source,
                     Params p, const ChainOptions& options)
      : config_(config),
        source_description_(source->Describe()),
        cache_(std::make_shared<CredentialCache>(std::move(source))),
        p_(std::move(p)),
        options_(options) {}

  StatusOr<Credentials> Fetch() override {
    ClientOptions co;
    co.transport = options_.transport;
    co.backoff_scale = options_.backoff_scale;
    Client sts(config_, cache_, co);
    QueryParams params = {{"RoleArn", p_.role_arn}, {"RoleSessionName", p_.session_name},
                          {"DurationSeconds", std::to_string(p_.duration_seconds)}};
    if (!p_.external_id.empty()) params.emplace_back("ExternalId", p_.external_id);
    if (!p_.mfa_serial.empty()) {
      params.emplace_back("SerialNumber", p_.mfa_serial);
      params.emplace_back("TokenCode", p_.mfa_code);
    }
    AwsResult<Json> r = sts.CallQuery("sts", p_.region, "AssumeRole", params);
    std::string what = "profile " + p_.profile + ": assume role " + p_.role_arn;
    if (!r.ok()) return IoError(what + ": " + r.error.ToString());
    const Json* c = r.value->Get("Credentials");
    if (c == nullptr) return InvalidArgument(what + ": the STS response has no Credentials");
    return CredentialsFromJson(*c, what, "assume-role");
  }
  std::string Describe() const override {
    return "profile " + p_.profile + " (assume role " + p_.role_arn + " from " +
           source_description_ + ")";
  }

 private:
  const AwsConfig& config_;
  std::string source_description_;
  std::shared_ptr<CredentialCache> cache_;
  Params p_;
  ChainOptions options_;
};

class WebIdentityProvider : public CredentialProvider {
 public:
  WebIdentityProvider(const AwsConfig& config, std::string role_arn, std::string token_file,
                      std::string session_name, std::string region, const ChainOptions& options)
      : config_(config),
        role_arn_(std::move(role_arn)),
        token_file_(std::move(token_file)),
        session_name_(std::move(session_name)),
        region_(std::move(region)),
        options_(options) {}

  StatusOr<Credentials> Fetch() override {
    std::string what = "web identity (" + role_arn_ + ")";
    StatusOr<std::string> token = ReadFile(token_file_, what);  // re-read at every refresh
    if (!token.ok()) return token.status();
    ClientOptions co;
    co.transport = options_.transport;
    co.backoff_scale = options_.backoff_scale;
    Client sts(config_, nullptr, co);
    AwsResult<Json> r = sts.CallQuery(
        "sts", region_, "AssumeRoleWithWebIdentity",
        {{"RoleArn", role_arn_}, {"RoleSessionName", session_name_},
         {"WebIdentityToken", std::string(TrimSpace(*token))}},
        /*unsigned_request=*/true);
    if (!r.ok()) return IoError(what + ": " + r.error.ToString());
    const Json* c = r.value->Get("Credentials");
    if (c == nullptr) return InvalidArgument(what + ": the STS response has no Credentials");
    return CredentialsFromJson(*c, what, "web-identity");
  }
  std::string Describe() const override { return "web identity token (" + role_arn_ + ")"; }

 private:
  const AwsConfig& config_;
  std::string role_arn_, token_file_, session_name_, region_;
  ChainOptions options_;
};

class SsoProvider : public CredentialProvider {
 public:
  SsoProvider(const AwsConfig& config, std::string profile, std::string cache_key,
              std::string sso_region, std::string account, std::string role,
              TransportOptions t)
      : config_(config),
        profile_(std::move(profile)),
        cache_key_(std::move(cache_key)),
        sso_region_(std::move(sso_region)),
        account_(std::move(account)),
        role_(std::move(role)),
        transport_(std::move(t)) {}

  StatusOr<Credentials> Fetch() override {
    std::string what = "profile " + profile_ + " (SSO)";
    unsigned char digest[SHA_DIGEST_LENGTH];
    SHA1(reinterpret_cast<const unsigned char*>(cache_key_.data()), cache_key_.size(), digest);
    static constexpr char kHex[] = "0123456789abcdef";
    std::string name;
    for (unsigned char b : digest) {
      name.push_back(kHex[b >> 4]);
      name.push_back(kHex[b & 15]);
    }
    std::string home = config_.env()("HOME").value_or("");
    std::string path = home + "/.aws/sso/cache/" + name + ".json";
    std::string login = "; run 'aws sso login --profile " + profile_ + "'";
    StatusOr<std::string> text = ReadFile(path, what);
    if (!text.ok()) return NotFound(what + ": no cached SSO token" + login);
    StatusOr<Json> j = Json::Parse(*text, path);
    if (!j.ok()) return InvalidArgument(what + ": the cached SSO token is not valid JSON" + login);
    std::string token = j->GetString("accessToken");
    std::optional<std::time_t> expires = ParseIsoTime(j->GetString("expiresAt"));
    if (token.empty() || !expires || *expires <= std::time(nullptr)) {
      return InvalidArgument(what + ": the cached SSO token has expired" + login);
    }
    std::string endpoint = config_.env()("AWS_ENDPOINT_URL_SSO")
                               .value_or("https://portal.sso." + sso_region_ + "." +
                                         std::string(DnsSuffix(sso_region_)));
    StatusOr<HttpResponse> r =
        HttpCall(transport_, "GET",
                 endpoint + "/federation/credentials?account_id=" + UriEncode(account_) +
                     "&role_name=" + UriEncode(role_),
                 {{"x-amz-sso_bearer_token", token}}, 10000);
    if (!r.ok()) return r.status().Annotate(what);
    if (r->status == 401 || r->status == 403) {
      return IoError(what + ": the SSO portal refused the token (HTTP " +
                     std::to_string(r->status) + ")" + login);
    }
    if (r->status != 200) return IoError(what + ": HTTP " + std::to_string(r->status));
    StatusOr<Json> body = Json::Parse(r->body, what);
    if (!body.ok()) return body.status();
    const Json* rc = body->Get("roleCredentials");
    if (rc == nullptr) return InvalidArgument(what + ": no roleCredentials in the response");
    Credentials c;
    c.provider = "sso";
    c.access_key_id = rc->GetString("accessKeyId");
    c.secret_access_key = rc->GetString("secretAccessKey");
    c.session_token = rc->GetString("sessionToken");
    if (const Json* e = rc->Get("expiration"); e && e->is_number()) {
      c.expiration = static_cast<std::time_t>(e->as_double() / 1000);  // milliseconds
    }
    if (c.access_key_id.empty() || c.secret_access_key.empty()) {
      return InvalidArgument(what + ": incomplete roleCredentials");
    }
    return c;
  }
  std::string Describe() const override { return "profile " + profile_ + " (SSO)"; }

 private:
  const AwsConfig& config_;
  std::string profile_, cache_key_, sso_region_, account_, role_;
  TransportOptions transport_;
};

class Resolver {
 public:
  Resolver(const AwsConfig& config, const ChainOptions& options)
      : config_(config), options_(options), env_(config.env()) {}

  StatusOr<std::unique_ptr<CredentialProvider>> Resolve() {
    // 1. Environment (not when --profile chose the profile).
    if (!config_.profile_from_option()) {
      auto id = env_("AWS_ACCESS_KEY_ID");
      auto secret = env_("AWS_SECRET_ACCESS_KEY");
      if (id || secret) {
        if (!id || !secret) {
          return InvalidArgument(
              "AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY must be set together");
        }
        Credentials c;
        c.access_key_id = *id;
        c.secret_access_key = *secret;
        c.session_token = env_("AWS_SESSION_TOKEN").value_or(env_("AWS_SECURITY_TOKEN").value_or(""));
        c.provider = "environment";
        return std::unique_ptr<CredentialProvider>(
            new StaticProvider(std::move(c), "environment variables"));
      }
    }
    // 2-7. The profile.
    StatusOr<std::unique_ptr<CredentialProvider>> p = ForProfile(config_.profile_name(), {});
    if (!p.ok()) return p.status();
    if (*p) return std::move(*p);
    // Web identity from the environment alone.
    if (auto file = env_("AWS_WEB_IDENTITY_TOKEN_FILE")) {
      auto role = env_("AWS_ROLE_ARN");
      if (!role) return InvalidArgument("AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not");
      return std::unique_ptr<CredentialProvider>(new WebIdentityProvider(
          config_, *role, *file, env_("AWS_ROLE_SESSION_NAME").value_or(SessionName()),
          StsRegion(), options_));
    }
    // 8. Container.
    if (auto c = Container()) return std::move(*c);
    // 9. Instance metadata.
    if (auto i = Imds()) return std::move(*i);
    return NotFound(
        "no AWS credentials found: set AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY, give --profile, "
        "or configure ~/.aws/credentials (instance metadata is disabled or unreachable)");
  }

 private:
  std::string SessionName() const { return "vigil-" + std::to_string(std::time(nullptr)); }
  std::string StsRegion() const {
    return config_.region().empty() ? std::string("us-east-1") : config_.region();
  }

  std::optional<Credentials> StaticKeys(const std::string& profile, bool credentials_file) const {
    auto get = [&](std::string_view key) {
      return credentials_file ? config_.CredentialsFileValue(profile, key)
                              : config_.ConfigFileValue(profile, key);
    };
    auto id = get("aws_access_key_id");
    auto secret = get("aws_secret_access_key");
    if (!id || !secret || id->empty() || secret->empty()) return std::nullopt;
    Credentials c;
    c.access_key_id = *id;
    c.secret_access_key = *secret;
    c.session_token = get("aws_session_token").value_or("");
    c.provider = credentials_file ? "shared-credentials-file" : "shared-config-file";
    return c;
  }

  // The provider a profile configures, or null when it configures none.
  StatusOr<std::unique_ptr<CredentialProvider>> ForProfile(const std::string& profile,
                                                           std::set<std::string> visited) {
    using Ptr = std::unique_ptr<CredentialProvider>;
    auto value = [&](std::string_view key) { return config_.ProfileValue(profile, key); };
    std::string where = "profile " + profile;
    if (auto role = value("role_arn")) {
      auto source_profile = value("source_profile");
      auto credential_source = value("credential_source");
      auto token_file = value("web_identity_token_file");
      if (token_file && !source_profile && !credential_source) {
        return Ptr(new WebIdentityProvider(config_, *role, *token_file,
                                           value("role_session_name").value_or(SessionName()),
                                           StsRegion(), options_));
      }
      if (source_profile && credential_source) {
        return InvalidArgument(where + ": source_profile and credential_source exclude each other");
      }
      Ptr source;
      if (source_profile) {
        if (*source_profile == profile) {
          std::optional<Credentials> keys = StaticKeys(profile, true);
          if (!keys) keys = StaticKeys(profile, false);
          if (!keys) {
            return InvalidArgument(where + " names itself as source_profile but has no static keys");
          }
          source = Ptr(new StaticProvider(*keys, where + " (static keys)"));
        } else {
          if (visited.count(*source_profile)) {
            return InvalidArgument(where + ": source_profile chain loops back to '" +
                                   *source_profile + "'");
          }
          if (!config_.HasProfile(*source_profile)) {
            return NotFound(where + ": source_profile '" + *source_profile + "' does not exist");
          }
          visited.insert(profile);
          StatusOr<Ptr> s = ForProfile(*source_profile, visited);
          if (!s.ok()) return s.status();
          if (!*s) {
            return InvalidArgument(where + ": source_profile '" + *source_profile +
                                   "' has no credentials");
          }
          source = std::move(*s);
        }
      } else if (credential_source) {
        std::string cs = *credential_source;
        if (cs == "Environment") {
          auto id = env_("AWS_ACCESS_KEY_ID");
          auto secret = env_("AWS_SECRET_ACCESS_KEY");
          if (!id || !secret) {
            return InvalidArgument(where + ": credential_source Environment, but "
                                   "AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY are not set");
          }
          Credentials c{*id, *secret, env_("AWS_SESSION_TOKEN").value_or(""), std::nullopt,
                        "environment"};
          source = Ptr(new StaticProvider(c, "environment variables"));
        } else if (cs == "EcsContainer") {
          auto c = Container();
          if (!c) return InvalidArgument(where + ": credential_source EcsContainer, but no container credentials are configured");
          source = std::move(*c);
        } else if (cs == "Ec2InstanceMetadata") {
          auto i = Imds();
          if (!i) return InvalidArgument(where + ": credential_source Ec2InstanceMetadata, but instance metadata is disabled");
          source = std::move(*i);
        } else {
          return InvalidArgument(where + ": unknown credential_source '" + cs +
                                 "' (expected Environment, Ec2InstanceMetadata or EcsContainer)");
        }
      } else {
        return InvalidArgument(where + ": role_arn needs source_profile, credential_source or "
                               "web_identity_token_file");
      }
      AssumeRoleProvider::Params p;
      p.profile = profile;
      p.role_arn = *role;
      p.session_name = value("role_session_name").value_or(SessionName());
      p.external_id = value("external_id").value_or("");
      p.region = StsRegion();
      if (auto d = value("duration_seconds")) {
        char* end = nullptr;
        long n = std::strtol(d->c_str(), &end, 10);  // NOLINT(runtime/int)
        if (end == d->c_str() || *end || n < 900 || n > 43200) {
          return InvalidArgument(where + ": duration_seconds must be 900 to 43200, not '" + *d + "'");
        }
        p.duration_seconds = static_cast<int>(n);
      }
      if (auto mfa = value("mfa_serial")) {
        if (options_.mfa_token_code.empty()) {
          return InvalidArgument(where + ": the role needs an MFA code (mfa_serial " + *mfa +
                                 "); give it with --mfa-code, vigil does not prompt");
        }
        p.mfa_serial = *mfa;
        p.mfa_code = options_.mfa_token_code;
      }
      return Ptr(new AssumeRoleProvider(config_, std::move(source), std::move(p), options_));
    }
    if (auto session = value("sso_session")) {
      const IniSection* s = config_.ConfigSection("sso-session " + *session);
      if (s == nullptr) return NotFound(where + ": sso_session '" + *session + "' has no [sso-session] section");
      auto it = s->find("sso_region");
      if (it == s->end()) return InvalidArgument(where + ": [sso-session " + *session + "] lacks sso_region");
      auto account = value("sso_account_id");
      auto role = value("sso_role_name");
      if (!account || !role) return InvalidArgument(where + ": SSO needs sso_account_id and sso_role_name");
      return Ptr(new SsoProvider(config_, profile, *session, it->second, *account, *role,
                                 options_.transport));
    }
    if (auto start = value("sso_start_url")) {
      auto region = value("sso_region");
      auto account = value("sso_account_id");
      auto role = value("sso_role_name");
      if (!region || !account || !role) {
        return InvalidArgument(where + ": legacy SSO needs sso_region, sso_account_id and sso_role_name");
      }
      return Ptr(new SsoProvider(config_, profile, *start, *region, *account, *role,
                                 options_.transport));
    }
    if (auto keys = StaticKeys(profile, true)) {
      return Ptr(new StaticProvider(*keys, where + " (" + config_.env()("AWS_SHARED_CREDENTIALS_FILE").value_or("~/.aws/credentials") + ")"));
    }
    if (auto process = value("credential_process")) {
      return Ptr(new ProcessProvider(*process, profile));
    }
    if (auto keys = StaticKeys(profile, false)) {
      return Ptr(new StaticProvider(*keys, where + " (config file)"));
    }
    return Ptr();
  }

  std::optional<std::unique_ptr<CredentialProvider>> Container() {
    std::string url;
    if (auto rel = env_("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI")) {
      url = "http://169.254.170.2" + *rel;
    } else if (auto full = env_("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
      url = *full;
    } else {
      return std::nullopt;
    }
    return std::unique_ptr<CredentialProvider>(
        new ContainerProvider(url, config_, options_.transport));
  }

  std::optional<std::unique_ptr<CredentialProvider>> Imds() {
    if (AsciiLower(env_("AWS_EC2_METADATA_DISABLED").value_or("")) == "true") return std::nullopt;
    std::string endpoint = env_("AWS_EC2_METADATA_SERVICE_ENDPOINT").value_or("");
    if (endpoint.empty()) {
      endpoint = AsciiLower(env_("AWS_EC2_METADATA_SERVICE_ENDPOINT_MODE").value_or("ipv4")) == "ipv6"
                     ? "http://[fd00:ec2::254]"
                     : "http://169.254.169.254";
    }
    while (!endpoint.empty() && endpoint.back() == '/') endpoint.pop_back();
    long timeout_ms = 1000;  // NOLINT(runtime/int)
    if (auto t = env_("AWS_METADATA_SERVICE_TIMEOUT")) timeout_ms = std::atol(t->c_str()) * 1000;
    if (timeout_ms <= 0) timeout_ms = 1000;
    return std::unique_ptr<CredentialProvider>(
        new ImdsProvider(endpoint, timeout_ms, options_.transport));
  }

  const AwsConfig& config_;
  const ChainOptions& options_;
  const EnvLookup& env_;
};

bool IsLoopbackOrAllowed(std::string_view url) {
  for (std::string_view ok : {"http://127.", "http://localhost", "http://[::1]",
                              "http://169.254.170.2/", "http://169.254.170.2:",
                              "http://169.254.170.23", "http://[fd00:ec2::23]"}) {
    if (url.starts_with(ok)) return true;
  }
  return url.starts_with("https://");
}

}  // namespace

std::optional<std::time_t> ParseIsoTime(std::string_view s) {
  if (s.size() <= 10) return std::nullopt;  // an expiry is a time, not a day
  std::optional<IsoTime> t = vigil::ParseIsoTime(s);
  if (!t) return std::nullopt;
  return static_cast<std::time_t>(t->seconds);
}

StatusOr<std::vector<std::string>> SplitCommandLine(std::string_view line) {
  std::vector<std::string> out;
  std::string cur;
  bool in_word = false;
  for (size_t i = 0; i < line.size(); ++i) {
    char c = line[i];
    if (c == ' ' || c == '\t' || c == '\n') {
      if (in_word) out.push_back(std::move(cur));
      cur.clear();
      in_word = false;
    } else if (c == '\'') {
      size_t end = line.find('\'', i + 1);
      if (end == std::string_view::npos) return InvalidArgument("an unterminated ' quote");
      cur.append(line.substr(i + 1, end - i - 1));
      i = end;
      in_word = true;
    } else if (c == '"') {
      size_t j = i + 1;
      for (; j < line.size() && line[j] != '"'; ++j) {
        if (line[j] == '\\' && j + 1 < line.size() &&
            std::string_view("\"\\$`\n").find(line[j + 1]) != std::string_view::npos) {
          ++j;
        }
        cur.push_back(line[j]);
      }
      if (j >= line.size()) return InvalidArgument("an unterminated \" quote");
      i = j;
      in_word = true;
    } else if (c == '\\') {
      if (i + 1 < line.size()) cur.push_back(line[++i]);
      in_word = true;
    } else {
      cur.push_back(c);
      in_word = true;
    }
  }
  if (in_word) out.push_back(std::move(cur));
  return out;
}

StatusOr<std::unique_ptr<CredentialProvider>> ResolveCredentialChain(const AwsConfig& config,
                                                                     const ChainOptions& options) {
  if (auto full = config.env()("AWS_CONTAINER_CREDENTIALS_FULL_URI")) {
    if (!config.env()("AWS_CONTAINER_CREDENTIALS_RELATIVE_URI") && !IsLoopbackOrAllowed(*full)) {
      return InvalidArgument("AWS_CONTAINER_CREDENTIALS_FULL_URI must be https, or http to "
                             "loopback or the ECS/EKS link-local addresses");
    }
  }
  return Resolver(config, options).Resolve();
}

}  // namespace vigil::aws
