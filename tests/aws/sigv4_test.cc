// SigV4 against every header-signing case of the AWS 2015 suite and the aws-c-auth v4 suite
// (shared/data/sigv4), and the presigned (query) cases of aws-c-auth. Each case is its own test.
#include "aws/sigv4.h"

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "aws/credential_chain.h"
#include "base/json_value.h"

namespace vigil::aws {
namespace {

namespace fs = std::filesystem;

const fs::path kShared = VIGIL_SHARED_DIR;
const fs::path k2015 = kShared / "data/sigv4/aws-sig-v4-test-suite-2015/aws-sig-v4-test-suite";
const fs::path kCrt = kShared / "data/sigv4/aws-c-auth/v4";

std::string Slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

// Reads a request file: the request line, Name:value headers, a blank line, the body. A
// folded header line continues the previous header: as another value joined with ',' (the 2015
// files) or after a space (aws-c-auth) — a rule of the files, not of the signer.
HttpRequest ParseRequestFile(const std::string& text, bool fold_as_new_value) {
  HttpRequest r;
  r.headers.clear();
  size_t pos = 0;
  auto next_line = [&](std::string& line) {
    if (pos > text.size()) return false;
    size_t end = text.find('\n', pos);
    if (end == std::string::npos) end = text.size();
    line = text.substr(pos, end - pos);
    if (!line.empty() && line.back() == '\r') line.pop_back();
    pos = end + 1;
    return true;
  };
  std::string line;
  next_line(line);
  size_t sp = line.find(' ');
  r.method = line.substr(0, sp);
  std::string target = line.substr(sp + 1, line.rfind(" HTTP/") - sp - 1);
  size_t q = target.find('?');
  r.path = UriDecode(target.substr(0, q));
  if (q != std::string::npos) {
    std::string qs = target.substr(q + 1);
    size_t start = 0;
    while (start <= qs.size()) {
      size_t amp = qs.find('&', start);
      if (amp == std::string::npos) amp = qs.size();
      std::string kv = qs.substr(start, amp - start);
      if (!kv.empty()) {
        size_t eq = kv.find('=');
        r.query.emplace_back(UriDecode(kv.substr(0, eq)),
                             eq == std::string::npos ? "" : UriDecode(kv.substr(eq + 1)));
      }
      start = amp + 1;
    }
  }
  while (next_line(line)) {
    if (line.empty()) break;
    if ((line[0] == ' ' || line[0] == '\t') && !r.headers.empty()) {
      std::string cont = line.substr(line.find_first_not_of(" \t"));
      if (fold_as_new_value) {
        r.headers.emplace_back(r.headers.back().first, cont);
      } else {
        r.headers.back().second += " " + cont;
      }
      continue;
    }
    size_t colon = line.find(':');
    r.headers.emplace_back(line.substr(0, colon), line.substr(colon + 1));
  }
  if (pos <= text.size()) r.body = text.substr(pos);
  return r;
}

std::time_t VectorTime() { return *ParseIsoTime("2015-08-30T12:36:00Z"); }

Credentials ExampleCredentials() {
  Credentials c;
  c.access_key_id = "AKIDEXAMPLE";
  c.secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
  return c;
}

std::vector<fs::path> Cases2015() {
  std::vector<fs::path> out;
  for (const auto& e : fs::recursive_directory_iterator(k2015)) {
    if (e.path().extension() == ".req") out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<fs::path> CasesCrt() {
  std::vector<fs::path> out;
  for (const auto& e : fs::directory_iterator(kCrt)) {
    if (fs::exists(e.path() / "context.json")) out.push_back(e.path());
  }
  std::sort(out.begin(), out.end());
  return out;
}

std::string Name(const fs::path& p) {
  std::string s = p.stem().string();
  for (char& c : s) {
    if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
  }
  return s;
}

class Suite2015 : public ::testing::TestWithParam<fs::path> {};

TEST_P(Suite2015, MatchesEveryFile) {
  const fs::path& req = GetParam();
  fs::path base = req;
  base.replace_extension();
  HttpRequest r = ParseRequestFile(Slurp(req), /*fold_as_new_value=*/true);
  Credentials creds = ExampleCredentials();
  SigningParams p{"us-east-1", "service", VectorTime()};
  std::string dir = req.parent_path().filename().string();
  if (dir.starts_with("post-sts-header")) {
    std::string readme = Slurp(req.parent_path().parent_path() / "readme.txt");
    creds.session_token = readme.substr(readme.rfind('\n', readme.size() - 2) + 1);
    while (!creds.session_token.empty() && std::isspace(static_cast<unsigned char>(creds.session_token.back()))) {
      creds.session_token.pop_back();
    }
    p.omit_session_token = dir == "post-sts-header-after";
  }
  SignatureParts parts = SignHeaders(r, creds, p);
  std::string creq = Slurp(base.string() + ".creq");
  std::string sts = Slurp(base.string() + ".sts");
  EXPECT_EQ(parts.canonical_request, creq);
  if (sts.substr(sts.rfind('\n') + 1) != Sha256Hex(creq)) {
    // Two 2015 vectors (the form-encoded ones) are inconsistent with themselves: their .sts
    // does not hash their own .creq, so no signer can match both. aws-c-auth's versions of the
    // same cases are consistent and pass in full; here the canonical request is what counts.
    EXPECT_TRUE(dir.starts_with("post-x-www-form-urlencoded")) << "unexpectedly inconsistent";
    return;
  }
  EXPECT_EQ(parts.string_to_sign, sts);
  EXPECT_EQ(parts.authorization, Slurp(base.string() + ".authz"));
}

INSTANTIATE_TEST_SUITE_P(SigV4, Suite2015, ::testing::ValuesIn(Cases2015()),
                         [](const auto& info) { return Name(info.param); });

class SuiteCrt : public ::testing::TestWithParam<fs::path> {};

struct CrtCase {
  HttpRequest request;
  Credentials creds;
  SigningParams params;
};

CrtCase LoadCrt(const fs::path& dir) {
  CrtCase c;
  StatusOr<Json> ctx = Json::Parse(Slurp(dir / "context.json"), "context.json");
  EXPECT_TRUE(ctx.ok());
  const Json* cr = ctx->Get("credentials");
  c.creds.access_key_id = cr->GetString("access_key_id");
  c.creds.secret_access_key = cr->GetString("secret_access_key");
  c.creds.session_token = cr->GetString("token");
  c.params.region = ctx->GetString("region");
  c.params.service = ctx->GetString("service");
  c.params.time = *ParseIsoTime(ctx->GetString("timestamp"));
  auto flag = [&](std::string_view k) {
    const Json* v = ctx->Get(k);
    return v && v->is_bool() && v->as_bool();
  };
  c.params.normalize_path = flag("normalize");
  c.params.sign_body = flag("sign_body");
  c.params.omit_session_token = flag("omit_session_token");
  if (const Json* e = ctx->Get("expiration_in_seconds")) {
    c.params.expires_seconds = static_cast<long>(e->as_double());  // NOLINT
  }
  c.request = ParseRequestFile(Slurp(dir / "request.txt"), /*fold_as_new_value=*/false);
  return c;
}

TEST_P(SuiteCrt, HeaderSigning) {
  CrtCase c = LoadCrt(GetParam());
  SignatureParts parts = SignHeaders(c.request, c.creds, c.params);
  EXPECT_EQ(parts.canonical_request, Slurp(GetParam() / "header-canonical-request.txt"));
  EXPECT_EQ(parts.string_to_sign, Slurp(GetParam() / "header-string-to-sign.txt"));
  EXPECT_EQ(parts.signature, Slurp(GetParam() / "header-signature.txt"));
  // The signed request carries exactly the Authorization line of the vector.
  std::string sreq = Slurp(GetParam() / "header-signed-request.txt");
  EXPECT_NE(sreq.find("Authorization:" + parts.authorization), std::string::npos) << sreq;
}

TEST_P(SuiteCrt, Presigning) {
  // Every aws-c-auth v4 case carries the presigned (query) files too.
  ASSERT_TRUE(fs::exists(GetParam() / "query-canonical-request.txt"));
  CrtCase c = LoadCrt(GetParam());
  SignatureParts parts = Presign(c.request, c.creds, c.params);
  EXPECT_EQ(parts.canonical_request, Slurp(GetParam() / "query-canonical-request.txt"));
  EXPECT_EQ(parts.string_to_sign, Slurp(GetParam() / "query-string-to-sign.txt"));
  EXPECT_EQ(parts.signature, Slurp(GetParam() / "query-signature.txt"));
}

INSTANTIATE_TEST_SUITE_P(SigV4, SuiteCrt, ::testing::ValuesIn(CasesCrt()),
                         [](const auto& info) { return Name(info.param.filename()); });

TEST(SigV4Suites, AllCasesPresent) {
  // The suites as shipped: 31 cases in 2015 (path cases included) and 38 in aws-c-auth v4.
  EXPECT_EQ(Cases2015().size(), 31u);
  EXPECT_EQ(CasesCrt().size(), 38u);
}

TEST(SigV4, SessionTokenIsSignedAndSent) {
  HttpRequest r;
  r.headers = {{"Host", "logs.eu-west-1.amazonaws.com"}};
  Credentials c = ExampleCredentials();
  c.session_token = "token-value";
  SignatureParts parts = SignHeaders(r, c, {"eu-west-1", "logs", VectorTime()});
  EXPECT_NE(parts.canonical_request.find("x-amz-security-token:token-value\n"), std::string::npos);
  EXPECT_NE(parts.authorization.find("SignedHeaders=host;x-amz-date;x-amz-security-token"),
            std::string::npos);
  ASSERT_NE(r.FindHeader("x-amz-security-token"), nullptr);
  EXPECT_EQ(*r.FindHeader("X-Amz-Security-Token"), "token-value");
  EXPECT_EQ(parts.authorization.find("wJalr"), std::string::npos);
}

}  // namespace
}  // namespace vigil::aws
