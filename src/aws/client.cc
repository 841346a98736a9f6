#include "aws/client.h"

#include <chrono>
#include <cmath>
#include <filesystem>
#include <random>
#include <thread>

#include "aws/sigv4.h"
#include "aws/xml.h"
#include "base/file_util.h"
#include "base/text.h"

namespace vigil::aws {
namespace {

bool In(std::string_view code, std::initializer_list<std::string_view> codes) {
  for (std::string_view c : codes) {
    if (c == code) return true;
  }
  return false;
}

// "Mon, 02 Jan 2006 15:04:05 GMT" -> epoch seconds; nullopt if it does not parse.
std::optional<std::time_t> ParseHttpDate(std::string_view s) {
  std::tm tm{};
  std::string text(s);
  if (strptime(text.c_str(), "%a, %d %b %Y %H:%M:%S", &tm) == nullptr) return std::nullopt;
  return timegm(&tm);
}

std::string ContentType(const HttpResponse& r) {
  const std::string* ct = r.FindHeader("Content-Type");
  return ct ? AsciiLower(*ct) : std::string();
}

bool LooksLikeHtml(const HttpResponse& r) {
  if (ContentType(r).find("html") != std::string::npos) return true;
  std::string_view b = TrimSpace(r.body);
  return b.size() >= 5 && (AsciiLower(b.substr(0, 5)) == "<html" || AsciiLower(b.substr(0, 5)) == "<!doc");
}

// The error code: text after the last '#', cut at the first ':'.
std::string CleanCode(std::string_view code) {
  size_t hash = code.rfind('#');
  if (hash != std::string_view::npos) code.remove_prefix(hash + 1);
  size_t colon = code.find(':');
  if (colon != std::string_view::npos) code = code.substr(0, colon);
  return std::string(TrimSpace(code));
}

std::string StatusText(long status) {  // NOLINT(runtime/int)
  return "HTTP " + std::to_string(status);
}

void AppendParams(QueryParams& out, const std::string& prefix, const Json& v, Protocol p) {
  switch (v.kind()) {
    case Json::Kind::kNull: return;
    case Json::Kind::kBool: out.emplace_back(prefix, v.as_bool() ? "true" : "false"); return;
    case Json::Kind::kNumber:
    case Json::Kind::kString: out.emplace_back(prefix, v.text()); return;
    case Json::Kind::kArray: {
      size_t i = 1;
      for (const Json& item : v.items()) {
        std::string key = p == Protocol::kEc2 ? prefix + "." + std::to_string(i)
                                              : prefix + ".member." + std::to_string(i);
        AppendParams(out, key, item, p);
        ++i;
      }
      return;
    }
    case Json::Kind::kObject: {
      for (const auto& [k, item] : v.members()) {
        AppendParams(out, prefix.empty() ? k : prefix + "." + k, item, p);
      }
      return;
    }
  }
}

}  // namespace

std::string_view ErrorClassName(ErrorClass c) {
  switch (c) {
    case ErrorClass::kThrottling: return "throttling";
    case ErrorClass::kTransient: return "transient";
    case ErrorClass::kClockSkew: return "clock-skew";
    case ErrorClass::kExpiredCredentials: return "expired-credentials";
    case ErrorClass::kBadCredentials: return "bad-credentials";
    case ErrorClass::kPermission: return "permission";
    case ErrorClass::kNotFound: return "not-found";
    case ErrorClass::kRegionDisabled: return "region-disabled";
    case ErrorClass::kRequest: return "bad-request";
    case ErrorClass::kBadResponse: return "bad-response";
    case ErrorClass::kTransport: return "transport";
    case ErrorClass::kCredentials: return "credentials";
    case ErrorClass::kOther: return "other";
  }
  return "other";
}

std::string AwsError::ToString() const {
  std::string out = service + " " + operation;
  if (!region.empty()) out += " in " + region;
  out += ": ";
  if (!code.empty()) out += code + ": ";
  out += message.empty() ? std::string(ErrorClassName(cls)) : message;
  if (http_status) out += " (" + StatusText(http_status) + ")";
  if (attempts > 1) out += " after " + std::to_string(attempts) + " attempts";
  return out;
}

ErrorClass ClassifyError(std::string_view code, long http_status) {  // NOLINT(runtime/int)
  if (In(code, {"Throttling", "ThrottlingException", "ThrottledException", "Throttled",
                "RequestThrottledException", "TooManyRequestsException",
                "ProvisionedThroughputExceededException", "TransactionInProgressException",
                "RequestLimitExceeded", "BandwidthLimitExceeded", "LimitExceededException",
                "RequestThrottled", "SlowDown", "PriorRequestNotComplete",
                "EC2ThrottledException"})) {
    return ErrorClass::kThrottling;
  }
  if (In(code, {"RequestTimeTooSkewed", "RequestExpired", "RequestInTheFuture"})) {
    return ErrorClass::kClockSkew;
  }
  if (In(code, {"ExpiredToken", "ExpiredTokenException"})) return ErrorClass::kExpiredCredentials;
  if (In(code, {"InvalidClientTokenId", "UnrecognizedClientException", "AuthFailure",
                "SignatureDoesNotMatch", "IncompleteSignature", "MissingAuthenticationToken",
                "InvalidSignatureException"})) {
    return ErrorClass::kBadCredentials;
  }
  if (In(code, {"AccessDenied", "AccessDeniedException", "UnauthorizedOperation",
                "AuthorizationError", "AccessDeniedForDependencyException",
                "AWSOrganizationsNotInUseException"})) {
    return ErrorClass::kPermission;
  }
  if (In(code, {"TrailNotFoundException", "ResourceNotFoundException", "NotFound",
                "NoSuchConfigurationRecorderException", "NoSuchDeliveryChannelException",
                "NoSuchEntity"})) {
    return ErrorClass::kNotFound;
  }
  if (code == "OptInRequired") return ErrorClass::kRegionDisabled;
  if (In(code, {"InternalError", "InternalFailure", "ServiceUnavailable", "RequestTimeout",
                "RequestTimeoutException", "InternalServiceError", "ServiceUnavailableException"})) {
    return ErrorClass::kTransient;
  }
  if (In(code, {"InvalidParameterException", "InvalidParameterValue", "ValidationException",
                "ValidationError", "InvalidParameterValueException",
                "InvalidParameterCombination", "InvalidNextToken", "InvalidParameter",
                "MissingParameter", "SerializationException", "UnknownOperationException",
                "InvalidAction"})) {
    return ErrorClass::kRequest;
  }
  if (http_status == 429) return ErrorClass::kThrottling;
  if (http_status == 500 || http_status == 502 || http_status == 503 || http_status == 504) {
    return ErrorClass::kTransient;
  }
  return ErrorClass::kOther;
}

AwsError DecodeError(const ServiceInfo& service, const HttpResponse& response) {
  AwsError e;
  e.http_status = response.status;
  auto unreadable = [&](std::string why) {
    e.code.clear();
    e.message = std::move(why);
    e.cls = ClassifyError("", response.status);
    if (e.cls == ErrorClass::kOther) e.cls = ErrorClass::kBadResponse;
    return e;
  };
  if (LooksLikeHtml(response)) {
    return unreadable("an HTML page instead of an AWS error response (a proxy or portal?)");
  }
  if (response.body.empty()) {
    const std::string* type = response.FindHeader("x-amzn-ErrorType");
    if (type) {
      e.code = CleanCode(*type);
      e.cls = ClassifyError(e.code, response.status);
      return e;
    }
    return unreadable("an empty error response");
  }
  if (service.protocol == Protocol::kJson) {
    StatusOr<Json> body = Json::Parse(response.body, "error body");
    if (!body.ok() || !body->is_object()) {
      return unreadable("an error response that is not a JSON object");
    }
    std::string code = body->GetString("__type");
    if (code.empty()) {
      if (const std::string* t = response.FindHeader("x-amzn-ErrorType")) code = *t;
    }
    e.code = CleanCode(code);
    e.message = body->GetString("message", body->GetString("Message"));
  } else {
    StatusOr<XmlNode> xml = ParseXml(response.body);
    if (!xml.ok()) return unreadable("an error response that is not XML");
    const XmlNode* err = service.protocol == Protocol::kEc2 ? xml->Path({"Errors", "Error"})
                                                             : xml->Child("Error");
    if (err == nullptr) err = xml->Child("Error");
    if (err == nullptr) return unreadable("an XML error response without <Error>");
    e.code = CleanCode(err->ChildText("Code"));
    e.message = err->ChildText("Message");
  }
  if (e.code.empty()) return unreadable("an error response without an error code");
  e.cls = ClassifyError(e.code, response.status);
  // Some services answer an expired signature with InvalidSignatureException.
  if (e.cls == ErrorClass::kBadCredentials &&
      (e.message.find("expired") != std::string::npos ||
       e.message.find("not yet current") != std::string::npos)) {
    e.cls = ErrorClass::kClockSkew;
  }
  return e;
}

QueryParams ToQueryParams(const Json& body, Protocol protocol) {
  QueryParams out;
  AppendParams(out, "", body, protocol);
  return out;
}

Client::Client(const AwsConfig& config, std::shared_ptr<CredentialCache> credentials,
               ClientOptions options)
    : config_(config),
      credentials_(std::move(credentials)),
      options_(std::move(options)),
      transport_(options_.transport) {}

std::time_t Client::Now() const {
  return std::time(nullptr) + clock_offset_.load();
}

CallStats Client::Stats() const {
  std::lock_guard<std::mutex> lock(mu_);
  return stats_;
}

void Client::Count(const ServiceInfo& service, std::string_view operation) {
  std::lock_guard<std::mutex> lock(mu_);
  ++stats_.calls[std::string(service.signing_name) + ":" + std::string(operation)];
}

bool Client::TakeRetryToken(int cost) {
  std::lock_guard<std::mutex> lock(mu_);
  if (retry_tokens_ < cost) return false;
  retry_tokens_ -= cost;
  ++stats_.retries;
  return true;
}

void Client::ReturnRetryToken() {
  std::lock_guard<std::mutex> lock(mu_);
  retry_tokens_ = std::min(500, retry_tokens_ + 1);
}

void Client::WriteRaw(const ServiceInfo& service, std::string_view region,
                      std::string_view operation, std::string_view body, std::string_view ext) {
  if (options_.raw_dir.empty()) return;
  // STS credential responses carry secrets; they are never kept.
  if (service.signing_name == "sts" && operation.starts_with("AssumeRole")) return;
  int seq;
  {
    std::lock_guard<std::mutex> lock(mu_);
    seq = ++raw_seq_;
  }
  std::filesystem::path dir = std::filesystem::path(options_.raw_dir) /
                              std::string(service.signing_name) /
                              (region.empty() ? std::string("global") : std::string(region));
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  char name[32];
  std::snprintf(name, sizeof name, "%05d-", seq);
  (void)WriteFileAtomic((dir / (name + std::string(operation) + "." + std::string(ext))).string(),
                        body);
}

AwsResult<std::string> Client::Send(const ServiceInfo& service, std::string_view region,
                                    std::string_view operation, HttpRequest request,
                                    bool unsigned_request) {
  AwsResult<std::string> result;
  AwsError& err = result.error;
  err.service = std::string(service.signing_name);
  err.region = std::string(region);
  err.operation = std::string(operation);
  if (region.empty()) {
    err.cls = ErrorClass::kRequest;
    err.message = "no region for the call";
    return result;
  }
  std::string signing_region = AwsConfig::SigningRegion(service, region);
  request.endpoint = config_.Endpoint(service, region);
  size_t scheme = request.endpoint.find("://");
  std::string host = scheme == std::string::npos ? request.endpoint
                                                 : request.endpoint.substr(scheme + 3);
  if (size_t slash = host.find('/'); slash != std::string::npos) host.resize(slash);
  request.SetHeader("Host", host);
  request.SetHeader("User-Agent", options_.user_agent);

  thread_local std::mt19937_64 rng(std::random_device{}());
  bool skew_retried = false, refreshed = false;
  int attempt = 0;
  while (true) {
    ++attempt;
    err.attempts = attempt;
    HttpRequest signed_request = request;
    if (!unsigned_request) {
      if (!credentials_) {
        err.cls = ErrorClass::kCredentials;
        err.message = "no credentials";
        return result;
      }
      StatusOr<Credentials> creds = credentials_->Get(Now());
      if (!creds.ok()) {
        err.cls = ErrorClass::kCredentials;
        err.message = creds.status().message();
        return result;
      }
      SigningParams params;
      params.region = signing_region;
      params.service = std::string(service.signing_name);
      params.time = Now();
      SignHeaders(signed_request, *creds, params);
    }
    Count(service, operation);
    StatusOr<HttpResponse> sent = transport_.Send(signed_request);
    std::optional<double> retry_after;
    if (!sent.ok()) {
      err.cls = ErrorClass::kTransport;
      err.code.clear();
      err.http_status = 0;
      err.message = sent.status().message();
    } else {
      HttpResponse& response = *sent;
      if (response.status >= 200 && response.status < 300) {
        if (LooksLikeHtml(response)) {
          err.cls = ErrorClass::kBadResponse;
          err.http_status = response.status;
          err.message = "an HTML page instead of an AWS response (a proxy or portal?)";
          return result;
        }
        std::string ct = ContentType(response);
        bool want_json = service.protocol == Protocol::kJson;
        bool ct_ok = want_json ? (ct.find("json") != std::string::npos)
                               : (ct.find("xml") != std::string::npos);
        if (!ct.empty() && !ct_ok) {
          err.cls = ErrorClass::kBadResponse;
          err.http_status = response.status;
          err.message = "unexpected content type '" + ct + "' (expected " +
                        (want_json ? "application/x-amz-json-1.1" : "text/xml") + ")";
          return result;
        }
        ReturnRetryToken();
        WriteRaw(service, region, operation, response.body,
                 service.protocol == Protocol::kJson ? "json" : "xml");
        result.value = std::move(response.body);
        return result;
      }
      WriteRaw(service, region, operation, response.body,
               "http" + std::to_string(response.status) +
                   (service.protocol == Protocol::kJson ? ".json" : ".xml"));
      AwsError decoded = DecodeError(service, response);
      err.cls = decoded.cls;
      err.code = decoded.code;
      err.message = decoded.message;
      err.http_status = response.status;
      if (const std::string* ra = response.FindHeader("Retry-After")) {
        char* end = nullptr;
        double secs = std::strtod(ra->c_str(), &end);
        if (end != ra->c_str() && secs >= 0) retry_after = std::min(secs, 20.0);
      }
      if (err.cls == ErrorClass::kClockSkew && !skew_retried) {
        skew_retried = true;
        if (const std::string* date = response.FindHeader("Date")) {
          if (auto server = ParseHttpDate(*date)) {
            clock_offset_.store(static_cast<long>(*server - std::time(nullptr)));  // NOLINT
          }
        }
        continue;
      }
      if (err.cls == ErrorClass::kExpiredCredentials && !refreshed && credentials_) {
        refreshed = true;
        credentials_->Invalidate();
        continue;
      }
    }
    bool retryable = err.cls == ErrorClass::kThrottling || err.cls == ErrorClass::kTransient ||
                     err.cls == ErrorClass::kTransport;
    if (!retryable || attempt >= options_.max_attempts) return result;
    int cost = err.cls == ErrorClass::kTransport ? 10 : 5;
    if (!TakeRetryToken(cost)) return result;
    if (err.cls == ErrorClass::kThrottling) {
      std::lock_guard<std::mutex> lock(mu_);
      ++stats_.throttled;
    }
    double cap = std::min(options_.max_backoff_seconds, std::ldexp(1.0, attempt - 1));
    double delay = std::uniform_real_distribution<double>(0.0, cap)(rng) * options_.backoff_scale;
    if (retry_after) delay = std::max(delay, *retry_after);
    std::this_thread::sleep_for(std::chrono::duration<double>(delay));
  }
}

AwsResult<Json> Client::CallJson(std::string_view service_name, std::string_view region,
                                 std::string_view operation, const Json& body) {
  AwsResult<Json> result;
  const ServiceInfo* service = FindService(service_name);
  if (service == nullptr || service->protocol != Protocol::kJson) {
    result.error = {ErrorClass::kRequest, "", "not a JSON 1.1 service", 0,
                    std::string(service_name), std::string(region), std::string(operation), 0};
    return result;
  }
  HttpRequest request;
  request.SetHeader("Content-Type", "application/x-amz-json-1.1");
  request.SetHeader("X-Amz-Target",
                    std::string(service->target_or_namespace) + "." + std::string(operation));
  request.body = body.is_object() ? body.Dump() : "{}";
  AwsResult<std::string> sent = Send(*service, region, operation, std::move(request), false);
  result.error = sent.error;
  if (!sent.ok()) return result;
  if (TrimSpace(*sent.value).empty()) {
    result.value = Json::Object();  // operations without output answer with an empty body
    return result;
  }
  StatusOr<Json> parsed = Json::Parse(*sent.value, "response");
  if (!parsed.ok() || !parsed->is_object()) {
    result.error.cls = ErrorClass::kBadResponse;
    result.error.http_status = 200;
    result.error.message = parsed.ok() ? "the response is not a JSON object"
                                       : "the response is not valid JSON (truncated?)";
    return result;
  }
  result.value = std::move(parsed).value();
  return result;
}

AwsResult<Json> Client::CallQuery(std::string_view service_name, std::string_view region,
                                  std::string_view operation, const QueryParams& params,
                                  bool unsigned_request) {
  AwsResult<Json> result;
  const ServiceInfo* service = FindService(service_name);
  if (service == nullptr || service->protocol == Protocol::kJson) {
    result.error = {ErrorClass::kRequest, "", "not a query service", 0,
                    std::string(service_name), std::string(region), std::string(operation), 0};
    return result;
  }
  HttpRequest request;
  request.SetHeader("Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
  std::string form = "Action=" + UriEncode(operation) +
                     "&Version=" + UriEncode(service->api_version);
  for (const auto& [k, v] : params) form += "&" + UriEncode(k) + "=" + UriEncode(v);
  request.body = std::move(form);
  AwsResult<std::string> sent =
      Send(*service, region, operation, std::move(request), unsigned_request);
  result.error = sent.error;
  if (!sent.ok()) return result;
  StatusOr<XmlNode> xml = ParseXml(*sent.value);
  auto bad = [&](std::string why) {
    result.error.cls = ErrorClass::kBadResponse;
    result.error.http_status = 200;
    result.error.message = std::move(why);
    return result;
  };
  if (!xml.ok()) return bad("the response is not well-formed XML (" + xml.status().message() + ")");
  std::string expected = std::string(operation) + "Response";
  if (xml->name != expected) return bad("the response root is <" + xml->name + ">, not <" + expected + ">");
  if (service->protocol == Protocol::kEc2) {
    Json j = XmlToJson(*xml);
    result.value = j.is_object() ? std::move(j) : Json::Object();
    return result;
  }
  const XmlNode* r = xml->Child(std::string(operation) + "Result");
  if (r == nullptr) {
    result.value = Json::Object();  // e.g. PutMetricAlarm has no result element
    return result;
  }
  Json j = XmlToJson(*r);
  result.value = j.is_object() ? std::move(j) : Json::Object();
  return result;
}

AwsResult<int> Client::Paginate(std::string_view service_name, std::string_view region,
                                std::string_view operation, const Json& body,
                                std::string_view token_in, std::string_view token_out,
                                const std::function<void(const Json&)>& page) {
  AwsResult<int> result;
  const ServiceInfo* service = FindService(service_name);
  Json request = body.is_object() ? body : Json::Object();
  std::string previous;
  int pages = 0;
  while (true) {
    AwsResult<Json> r =
        service && service->protocol == Protocol::kJson
            ? CallJson(service_name, region, operation, request)
            : CallQuery(service_name, region, operation,
                        ToQueryParams(request, service ? service->protocol : Protocol::kQuery));
    result.error = r.error;
    if (!r.ok()) return result;
    ++pages;
    page(*r.value);
    std::string token = r.value->GetString(token_out);
    if (token.empty()) break;
    if (token == previous) {
      result.error.cls = ErrorClass::kBadResponse;
      result.error.message = "the service returned the same pagination token twice in a row";
      return result;
    }
    previous = token;
    request.Set(std::string(token_in), Json(token));
  }
  result.value = pages;
  return result;
}

}  // namespace vigil::aws
