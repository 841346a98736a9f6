// HTTP requests and responses as the AWS client sees them, and the transport that sends them
// (libcurl). The transport knows nothing of AWS: signing, retries and error decoding live in
// client.h.
#ifndef VIGIL_AWS_HTTP_H_
#define VIGIL_AWS_HTTP_H_

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/status.h"

namespace vigil::aws {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct HttpRequest {
  std::string method = "POST";
  std::string endpoint;  // scheme://host[:port], no path; e.g. "https://logs.eu-west-1.amazonaws.com"
  std::string path = "/";  // decoded path; encoded when sent and when signed
  std::vector<std::pair<std::string, std::string>> query;  // decoded key/value pairs
  HeaderList headers;  // in request order; must include "Host" before signing
  std::string body;

  // The first header named `name` (case-insensitive), or nullptr.
  const std::string* FindHeader(std::string_view name) const;
  void SetHeader(std::string name, std::string value);  // replaces every header of that name
};

struct HttpResponse {
  long status = 0;  // NOLINT(runtime/int): libcurl's type
  HeaderList headers;  // names as received
  std::string body;

  const std::string* FindHeader(std::string_view name) const;
};

struct TransportOptions {
  long connect_timeout_ms = 5000;   // NOLINT(runtime/int)
  long total_timeout_ms = 60000;    // NOLINT(runtime/int)
  std::string ca_bundle;            // AWS_CA_BUNDLE / ca_bundle; empty = the system store
  size_t max_body_bytes = 256u << 20;  // a response larger than this is an error
};

// Sends requests with libcurl. TLS verification is always on; the proxy environment variables
// (HTTPS_PROXY, HTTP_PROXY, NO_PROXY, lower case too) are honoured by libcurl. Connections are
// reused: each thread keeps its own handle, so a Transport can be shared by many threads.
class Transport {
 public:
  explicit Transport(TransportOptions options = {});
  ~Transport();
  Transport(const Transport&) = delete;
  Transport& operator=(const Transport&) = delete;

  // A failure to get any HTTP response (DNS, connect, TLS, timeout, reset) is an error whose
  // message says which; any HTTP status, 500 included, is a response.
  StatusOr<HttpResponse> Send(const HttpRequest& request) const;

  // The URL that Send would use: endpoint + encoded path + encoded query.
  static std::string Url(const HttpRequest& request);

  const TransportOptions& options() const { return options_; }

 private:
  TransportOptions options_;
  const uint64_t id_;  // distinguishes per-thread handles of different transports
};

// RFC 3986 percent-encoding as SigV4 wants it: the unreserved characters A-Z a-z 0-9 - _ . ~
// stay, every other byte becomes %XX (upper case). With keep_slash, '/' stays too.
std::string UriEncode(std::string_view s, bool keep_slash = false);
// Decodes %XX sequences; a malformed sequence is kept as it is.
std::string UriDecode(std::string_view s);

}  // namespace vigil::aws

#endif  // VIGIL_AWS_HTTP_H_
