// The AWS client: builds a request for a service's protocol (JSON 1.1, query, EC2 query), signs
// it, sends it, retries as the SDKs' standard mode does, and decodes responses and errors into
// JSON (aws-api.md §2, §5). One Client is shared by every collection thread.
#ifndef VIGIL_AWS_CLIENT_H_
#define VIGIL_AWS_CLIENT_H_

#include <atomic>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "aws/config.h"
#include "aws/credentials.h"
#include "aws/http.h"
#include "base/json_value.h"

namespace vigil::aws {

enum class ErrorClass {
  kThrottling,
  kTransient,          // 5xx, timeouts, resets
  kClockSkew,
  kExpiredCredentials,
  kBadCredentials,
  kPermission,         // AccessDenied and friends: a permission gap
  kNotFound,           // the resource is absent
  kRegionDisabled,     // OptInRequired, or credential errors in a region that is off
  kRequest,            // a request vigil got wrong: a bug
  kBadResponse,        // malformed, truncated, HTML, wrong content type
  kTransport,          // no HTTP response at all
  kCredentials,        // no credentials could be obtained
  kOther,
};
std::string_view ErrorClassName(ErrorClass c);

struct AwsError {
  ErrorClass cls = ErrorClass::kOther;
  std::string code;     // AWS's error code, e.g. "AccessDeniedException"; empty for transport
  std::string message;  // never contains a secret
  long http_status = 0;  // NOLINT(runtime/int)
  std::string service, region, operation;
  int attempts = 0;

  // "logs DescribeMetricFilters in eu-west-1: AccessDeniedException: User ... (HTTP 400)"
  std::string ToString() const;
};

template <typename T>
struct AwsResult {
  std::optional<T> value;
  AwsError error;
  bool ok() const { return value.has_value(); }
};

// Query parameters in the order given: ("Action" and "Version" are added by the client).
using QueryParams = std::vector<std::pair<std::string, std::string>>;

struct ClientOptions {
  TransportOptions transport;
  int max_attempts = 3;
  double max_backoff_seconds = 20;
  double backoff_scale = 1.0;  // tests shrink the delays; 1.0 = the SDKs' delays
  std::string raw_dir;         // when set, every response body is written under it
  std::string user_agent = "vigil/0.1";
};

// Counts of calls per "service:Operation", attempts included, and retries.
struct CallStats {
  std::map<std::string, int> calls;  // requests sent, by "service:Operation"
  int retries = 0;
  int throttled = 0;
};

class Client {
 public:
  // `credentials` may be null for a client that only makes unsigned calls.
  Client(const AwsConfig& config, std::shared_ptr<CredentialCache> credentials,
         ClientOptions options);

  // A JSON 1.1 call; `body` is the request object. The result is the response object.
  AwsResult<Json> CallJson(std::string_view service, std::string_view region,
                           std::string_view operation, const Json& body);
  // A query or EC2-query call. The result is the XML result element converted to JSON
  // (XmlToJson): the <OperationResult> for query services, the response root for EC2.
  AwsResult<Json> CallQuery(std::string_view service, std::string_view region,
                            std::string_view operation, const QueryParams& params,
                            bool unsigned_request = false);

  // Calls a paginated operation until the output token is absent or empty, handing each page
  // to `page`. `token_in`/`token_out` name the token members (e.g. "nextToken"). A token
  // returned twice in a row is an error. JSON and query protocols alike: for query services
  // `body` members become parameters.
  AwsResult<int> Paginate(std::string_view service, std::string_view region,
                          std::string_view operation, const Json& body,
                          std::string_view token_in, std::string_view token_out,
                          const std::function<void(const Json&)>& page);

  CallStats Stats() const;
  std::time_t Now() const;  // the clock, corrected by the skew learnt from AWS responses
  const AwsConfig& config() const { return config_; }
  CredentialCache* credentials() const { return credentials_.get(); }

 private:
  struct Attempt;
  AwsResult<std::string> Send(const ServiceInfo& service, std::string_view region,
                              std::string_view operation, HttpRequest request,
                              bool unsigned_request);
  void Count(const ServiceInfo& service, std::string_view operation);
  void WriteRaw(const ServiceInfo& service, std::string_view region, std::string_view operation,
                std::string_view body, std::string_view ext);
  bool TakeRetryToken(int cost);
  void ReturnRetryToken();

  const AwsConfig& config_;
  std::shared_ptr<CredentialCache> credentials_;
  ClientOptions options_;
  Transport transport_;
  std::atomic<long> clock_offset_{0};  // NOLINT(runtime/int): seconds to add to the local clock
  mutable std::mutex mu_;
  CallStats stats_;
  int retry_tokens_ = 500;
  int raw_seq_ = 0;
};

// Encodes a JSON request object as query parameters: members by name, lists as
// Name.member.N (query) or Name.N (EC2), maps as Name.entry.N.key/.value, nested objects as
// Name.Member. Booleans are true/false.
QueryParams ToQueryParams(const Json& body, Protocol protocol);

// Decodes an error response of `service`'s protocol; used by the client and by tests.
AwsError DecodeError(const ServiceInfo& service, const HttpResponse& response);
// The class of an AWS error code (aws-api.md §5) given the HTTP status.
ErrorClass ClassifyError(std::string_view code, long http_status);  // NOLINT(runtime/int)

}  // namespace vigil::aws

#endif  // VIGIL_AWS_CLIENT_H_
