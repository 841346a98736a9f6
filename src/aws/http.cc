#include "aws/http.h"

#include <curl/curl.h>

#include <atomic>
#include <cctype>
#include <mutex>
#include <unordered_map>

#include "base/text.h"

namespace vigil::aws {
namespace {

const std::string* Find(const HeaderList& headers, std::string_view name) {
  for (const auto& [k, v] : headers) {
    if (EqualsIgnoreAsciiCase(k, name)) return &v;
  }
  return nullptr;
}

void GlobalInit() {
  static std::once_flag once;
  std::call_once(once, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
}

// One easy handle per thread and transport: libcurl keeps the connection of a handle open
// between requests, so consecutive calls to the same host reuse it.
struct HandleCache {
  std::unordered_map<uint64_t, CURL*> handles;
  ~HandleCache() {
    for (auto& [id, h] : handles) curl_easy_cleanup(h);
  }
};

CURL* HandleFor(uint64_t transport_id) {
  thread_local HandleCache cache;
  CURL*& h = cache.handles[transport_id];
  if (h == nullptr) h = curl_easy_init();
  return h;
}

struct Sink {
  HttpResponse* response;
  size_t limit;
  bool too_large = false;
};

size_t WriteBody(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  size_t len = size * n;
  if (sink->response->body.size() + len > sink->limit) {
    sink->too_large = true;
    return 0;  // makes libcurl stop with CURLE_WRITE_ERROR
  }
  sink->response->body.append(data, len);
  return len;
}

size_t WriteHeader(char* data, size_t size, size_t n, void* user) {
  auto* sink = static_cast<Sink*>(user);
  std::string_view line(data, size * n);
  while (!line.empty() && (line.back() == '\n' || line.back() == '\r')) line.remove_suffix(1);
  if (line.starts_with("HTTP/")) {
    sink->response->headers.clear();  // a new response (after 100 Continue)
    return size * n;
  }
  size_t colon = line.find(':');
  if (colon != std::string_view::npos) {
    std::string_view value = line.substr(colon + 1);
    while (!value.empty() && (value.front() == ' ' || value.front() == '\t')) {
      value.remove_prefix(1);
    }
    sink->response->headers.emplace_back(std::string(line.substr(0, colon)), std::string(value));
  }
  return size * n;
}

std::atomic<uint64_t> next_transport_id{1};

}  // namespace

const std::string* HttpRequest::FindHeader(std::string_view name) const {
  return Find(headers, name);
}

void HttpRequest::SetHeader(std::string name, std::string value) {
  std::erase_if(headers, [&](const auto& h) { return EqualsIgnoreAsciiCase(h.first, name); });
  headers.emplace_back(std::move(name), std::move(value));
}

const std::string* HttpResponse::FindHeader(std::string_view name) const {
  return Find(headers, name);
}

std::string UriEncode(std::string_view s, bool keep_slash) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(s.size());
  for (unsigned char c : s) {
    if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~' ||
        (keep_slash && c == '/')) {
      out.push_back(static_cast<char>(c));
    } else {
      out.push_back('%');
      out.push_back(kHex[c >> 4]);
      out.push_back(kHex[c & 15]);
    }
  }
  return out;
}

std::string UriDecode(std::string_view s) {
  auto hex = [](char c) -> int {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  out.reserve(s.size());
  for (size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size() && hex(s[i + 1]) >= 0 && hex(s[i + 2]) >= 0) {
      out.push_back(static_cast<char>(hex(s[i + 1]) * 16 + hex(s[i + 2])));
      i += 2;
    } else {
      out.push_back(s[i]);
    }
  }
  return out;
}

Transport::Transport(TransportOptions options)
    : options_(std::move(options)), id_(next_transport_id.fetch_add(1)) {
  GlobalInit();
}

Transport::~Transport() = default;

std::string Transport::Url(const HttpRequest& request) {
  std::string url = request.endpoint + UriEncode(request.path, /*keep_slash=*/true);
  char sep = '?';
  for (const auto& [k, v] : request.query) {
    url.push_back(sep);
    sep = '&';
    url += UriEncode(k);
    url.push_back('=');
    url += UriEncode(v);
  }
  return url;
}

StatusOr<HttpResponse> Transport::Send(const HttpRequest& request) const {
  CURL* h = HandleFor(id_);
  if (h == nullptr) return Internal("libcurl: cannot create a handle");
  curl_easy_reset(h);
  HttpResponse response;
  Sink sink{&response, options_.max_body_bytes};
  std::string url = Url(request);
  char error[CURL_ERROR_SIZE] = {0};

  curl_easy_setopt(h, CURLOPT_URL, url.c_str());
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, error);
  curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYPEER, 1L);
  curl_easy_setopt(h, CURLOPT_SSL_VERIFYHOST, 2L);
  if (!options_.ca_bundle.empty()) curl_easy_setopt(h, CURLOPT_CAINFO, options_.ca_bundle.c_str());
  curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, options_.connect_timeout_ms);
  curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, options_.total_timeout_ms);
  curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 0L);
  curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
  curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, WriteBody);
  curl_easy_setopt(h, CURLOPT_WRITEDATA, &sink);
  curl_easy_setopt(h, CURLOPT_HEADERFUNCTION, WriteHeader);
  curl_easy_setopt(h, CURLOPT_HEADERDATA, &sink);
  if (request.method == "GET") {
    curl_easy_setopt(h, CURLOPT_HTTPGET, 1L);
  } else {
    curl_easy_setopt(h, CURLOPT_CUSTOMREQUEST, request.method.c_str());
    curl_easy_setopt(h, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(h, CURLOPT_POSTFIELDSIZE_LARGE,
                     static_cast<curl_off_t>(request.body.size()));
  }
  curl_slist* headers = nullptr;
  for (const auto& [k, v] : request.headers) {
    std::string line = k + ": " + v;
    if (v.empty()) line = k + ";";  // libcurl's way to send an empty header
    headers = curl_slist_append(headers, line.c_str());
  }
  headers = curl_slist_append(headers, "Expect:");  // no 100-continue round trip
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, headers);

  CURLcode rc = curl_easy_perform(h);
  curl_slist_free_all(headers);
  curl_easy_setopt(h, CURLOPT_HTTPHEADER, nullptr);
  curl_easy_setopt(h, CURLOPT_ERRORBUFFER, nullptr);
  if (sink.too_large) {
    return ResourceExhausted("the response from " + request.endpoint + " is larger than " +
                             std::to_string(options_.max_body_bytes >> 20) + " MiB");
  }
  if (rc != CURLE_OK) {
    std::string what = error[0] ? error : curl_easy_strerror(rc);
    std::string kind;
    switch (rc) {
      case CURLE_OPERATION_TIMEDOUT: kind = "timed out"; break;
      case CURLE_COULDNT_RESOLVE_HOST: kind = "could not resolve the host"; break;
      case CURLE_COULDNT_CONNECT: kind = "could not connect"; break;
      case CURLE_PEER_FAILED_VERIFICATION:
      case CURLE_SSL_CONNECT_ERROR: kind = "TLS failed"; break;
      default: kind = "transfer failed"; break;
    }
    return IoError(request.endpoint + ": " + kind + " (" + what + ")");
  }
  curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &response.status);
  return response;
}

}  // namespace vigil::aws
