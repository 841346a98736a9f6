#include "aws/sigv4.h"

#include <openssl/hmac.h>
#include <openssl/sha.h>

#include <algorithm>
#include <cctype>
#include <vector>

#include "base/text.h"

namespace vigil::aws {
namespace {

constexpr std::string_view kAlgorithm = "AWS4-HMAC-SHA256";

std::string ToHex(const unsigned char* data, size_t n) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  out.reserve(n * 2);
  for (size_t i = 0; i < n; ++i) {
    out.push_back(kDigits[data[i] >> 4]);
    out.push_back(kDigits[data[i] & 15]);
  }
  return out;
}

std::string Hmac(std::string_view key, std::string_view data) {
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  HMAC(EVP_sha256(), key.data(), static_cast<int>(key.size()),
       reinterpret_cast<const unsigned char*>(data.data()), data.size(), out, &len);
  return std::string(reinterpret_cast<char*>(out), len);
}

// Trims the value and collapses runs of spaces (also inside quotes, as SigV4 requires).
std::string CanonicalHeaderValue(std::string_view v) {
  std::string out;
  bool space = false;
  for (char c : v) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r') {
      space = true;
      continue;
    }
    if (space && !out.empty()) out.push_back(' ');
    space = false;
    out.push_back(c);
  }
  return out;
}

std::string CanonicalQuery(std::vector<std::pair<std::string, std::string>> query) {
  std::vector<std::pair<std::string, std::string>> encoded;
  encoded.reserve(query.size());
  for (auto& [k, v] : query) encoded.emplace_back(UriEncode(k), UriEncode(v));
  std::sort(encoded.begin(), encoded.end());
  std::string out;
  for (const auto& [k, v] : encoded) {
    if (!out.empty()) out.push_back('&');
    out += k;
    out.push_back('=');
    out += v;
  }
  return out;
}

struct CanonicalHeaders {
  std::string lines;   // "name:value\n" per header
  std::string signed_names;  // "a;b;c"
};

CanonicalHeaders BuildCanonicalHeaders(const HeaderList& headers) {
  // Names in lower case, sorted; repeated names joined with ',' in request order.
  std::vector<std::pair<std::string, std::string>> merged;
  for (const auto& [name, value] : headers) {
    std::string lname = AsciiLower(name);
    if (lname == "authorization") continue;
    std::string cvalue = CanonicalHeaderValue(value);
    auto it = std::find_if(merged.begin(), merged.end(),
                           [&](const auto& p) { return p.first == lname; });
    if (it == merged.end()) {
      merged.emplace_back(std::move(lname), std::move(cvalue));
    } else {
      it->second += ',';
      it->second += cvalue;
    }
  }
  std::stable_sort(merged.begin(), merged.end(),
                   [](const auto& a, const auto& b) { return a.first < b.first; });
  CanonicalHeaders out;
  for (const auto& [name, value] : merged) {
    out.lines += name;
    out.lines.push_back(':');
    out.lines += value;
    out.lines.push_back('\n');
    if (!out.signed_names.empty()) out.signed_names.push_back(';');
    out.signed_names += name;
  }
  return out;
}

std::string Scope(const SigningParams& p) {
  return AmzDate(p.time).substr(0, 8) + "/" + p.region + "/" + p.service + "/aws4_request";
}

std::string SigningKey(const Credentials& c, const SigningParams& p) {
  std::string k = Hmac("AWS4" + c.secret_access_key, AmzDate(p.time).substr(0, 8));
  k = Hmac(k, p.region);
  k = Hmac(k, p.service);
  return Hmac(k, "aws4_request");
}

SignatureParts Finish(const std::string& method, const HttpRequest& request,
                      const CanonicalHeaders& headers, std::string_view payload_hash,
                      const Credentials& credentials, const SigningParams& params) {
  SignatureParts parts;
  parts.canonical_request = method + "\n" + CanonicalPath(request.path, params.normalize_path) +
                            "\n" + CanonicalQuery(request.query) + "\n" + headers.lines + "\n" +
                            headers.signed_names + "\n" + std::string(payload_hash);
  parts.string_to_sign = std::string(kAlgorithm) + "\n" + AmzDate(params.time) + "\n" +
                         Scope(params) + "\n" + Sha256Hex(parts.canonical_request);
  std::string key = SigningKey(credentials, params);
  std::string mac = Hmac(key, parts.string_to_sign);
  parts.signature =
      ToHex(reinterpret_cast<const unsigned char*>(mac.data()), mac.size());
  return parts;
}

}  // namespace

std::string Sha256Hex(std::string_view data) {
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(data.data()), data.size(), digest);
  return ToHex(digest, sizeof digest);
}

std::string AmzDate(std::time_t time) {
  std::tm tm{};
  gmtime_r(&time, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y%m%dT%H%M%SZ", &tm);
  return buf;
}

std::string CanonicalPath(std::string_view decoded_path, bool normalize) {
  std::string path(decoded_path.empty() ? "/" : decoded_path);
  if (normalize) {
    // RFC 3986 remove_dot_segments over '/'-separated segments; empty segments ("//") are
    // dropped. The result ends with '/' when the input's last segment is "", "." or "..".
    std::vector<std::string_view> out;
    std::string_view rest = path;
    std::string_view last;
    size_t start = 0;
    while (start <= rest.size()) {
      size_t end = rest.find('/', start);
      if (end == std::string_view::npos) end = rest.size();
      last = rest.substr(start, end - start);
      if (last == "..") {
        if (!out.empty()) out.pop_back();
      } else if (!last.empty() && last != ".") {
        out.push_back(last);
      }
      start = end + 1;
    }
    std::string normalized = "/";
    for (size_t i = 0; i < out.size(); ++i) {
      if (i) normalized.push_back('/');
      normalized += out[i];
    }
    bool trailing_slash = last.empty() || last == "." || last == "..";
    if (trailing_slash && !out.empty()) normalized.push_back('/');
    path = std::move(normalized);
  }
  return UriEncode(path, /*keep_slash=*/true);
}

SignatureParts SignHeaders(HttpRequest& request, const Credentials& credentials,
                           const SigningParams& params) {
  request.SetHeader("X-Amz-Date", AmzDate(params.time));
  std::string payload_hash = Sha256Hex(request.body);
  if (params.sign_body) request.SetHeader("x-amz-content-sha256", payload_hash);
  bool token = !credentials.session_token.empty();
  if (token && !params.omit_session_token) {
    request.SetHeader("X-Amz-Security-Token", credentials.session_token);
  }
  CanonicalHeaders headers = BuildCanonicalHeaders(request.headers);
  SignatureParts parts =
      Finish(request.method, request, headers, payload_hash, credentials, params);
  parts.authorization = std::string(kAlgorithm) + " Credential=" +
                        credentials.access_key_id + "/" + Scope(params) +
                        ", SignedHeaders=" + headers.signed_names +
                        ", Signature=" + parts.signature;
  request.SetHeader("Authorization", parts.authorization);
  if (token && params.omit_session_token) {
    request.SetHeader("X-Amz-Security-Token", credentials.session_token);
  }
  return parts;
}

SignatureParts Presign(HttpRequest& request, const Credentials& credentials,
                       const SigningParams& params) {
  CanonicalHeaders headers = BuildCanonicalHeaders(request.headers);
  request.query.emplace_back("X-Amz-Algorithm", std::string(kAlgorithm));
  request.query.emplace_back("X-Amz-Credential",
                             credentials.access_key_id + "/" + Scope(params));
  request.query.emplace_back("X-Amz-Date", AmzDate(params.time));
  request.query.emplace_back("X-Amz-SignedHeaders", headers.signed_names);
  request.query.emplace_back("X-Amz-Expires", std::to_string(params.expires_seconds));
  bool token = !credentials.session_token.empty();
  if (token && !params.omit_session_token) {
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  std::string payload_hash = Sha256Hex(request.body);
  SignatureParts parts =
      Finish(request.method, request, headers, payload_hash, credentials, params);
  if (token && params.omit_session_token) {
    request.query.emplace_back("X-Amz-Security-Token", credentials.session_token);
  }
  request.query.emplace_back("X-Amz-Signature", parts.signature);
  return parts;
}

}  // namespace vigil::aws
