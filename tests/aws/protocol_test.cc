// The AWS wire codecs (XML, error shapes, query encoding), the shared config files, endpoint
// and region resolution, credential helpers, and the inventory builder's chain joins.
#include <gtest/gtest.h>

#include <map>

#include "aws/client.h"
#include "aws/config.h"
#include "aws/credential_chain.h"
#include "aws/xml.h"
#include "collect/collector.h"

namespace vigil::aws {
namespace {

// --- XML ------------------------------------------------------------------------------------

TEST(Xml, QueryResponseWithListsAndMaps) {
  const char* text = R"(<?xml version="1.0" encoding="UTF-8"?>
<GetTopicAttributesResponse xmlns="http://sns.amazonaws.com/doc/2010-03-31/">
  <GetTopicAttributesResult>
    <Attributes>
      <entry><key>SubscriptionsConfirmed</key><value>1</value></entry>
      <entry><key>Policy</key><value>{&quot;Version&quot;:&quot;2012-10-17&quot;}</value></entry>
      <entry><key>DisplayName</key><value><![CDATA[a <b> & c]]></value></entry>
    </Attributes>
  </GetTopicAttributesResult>
  <ResponseMetadata><RequestId>r-1</RequestId></ResponseMetadata>
</GetTopicAttributesResponse>)";
  StatusOr<XmlNode> x = ParseXml(text);
  ASSERT_TRUE(x.ok()) << x.status().message();
  EXPECT_EQ(x->name, "GetTopicAttributesResponse");
  Json j = XmlToJson(*x->Child("GetTopicAttributesResult"));
  const Json* attrs = j.Get("Attributes");
  ASSERT_NE(attrs, nullptr);
  EXPECT_EQ(attrs->GetString("SubscriptionsConfirmed"), "1");
  EXPECT_EQ(attrs->GetString("Policy"), R"({"Version":"2012-10-17"})");
  EXPECT_EQ(attrs->GetString("DisplayName"), "a <b> & c");
}

TEST(Xml, MembersBecomeArraysAndEmptyListsAreEmptyText) {
  StatusOr<XmlNode> x = ParseXml(
      "<DescribeAlarmsResponse><DescribeAlarmsResult><MetricAlarms><member>"
      "<AlarmName>a&#38;b&#x263A;</AlarmName><AlarmActions/><Dimensions>"
      "<member><Name>n</Name><Value>v</Value></member></Dimensions></member></MetricAlarms>"
      "</DescribeAlarmsResult></DescribeAlarmsResponse>");
  ASSERT_TRUE(x.ok()) << x.status().message();
  Json j = XmlToJson(*x->Child("DescribeAlarmsResult"));
  const Json* alarms = j.Get("MetricAlarms");
  ASSERT_TRUE(alarms && alarms->is_array());
  ASSERT_EQ(alarms->items().size(), 1u);
  const Json& a = alarms->items()[0];
  EXPECT_EQ(a.GetString("AlarmName"), "a&b\xE2\x98\xBA");
  EXPECT_TRUE(a.Get("AlarmActions")->is_string());  // empty: the model says it is a list
  EXPECT_EQ(a.Get("Dimensions")->items()[0].GetString("Value"), "v");
}

TEST(Xml, Ec2ItemsAndPrefixedNames) {
  StatusOr<XmlNode> x = ParseXml(
      "<ec2:DescribeRegionsResponse xmlns:ec2='x'><regionInfo><item><regionName>eu-west-1"
      "</regionName></item><item><regionName>us-east-1</regionName></item></regionInfo>"
      "</ec2:DescribeRegionsResponse>");
  ASSERT_TRUE(x.ok());
  EXPECT_EQ(x->name, "DescribeRegionsResponse");
  Json j = XmlToJson(*x);
  EXPECT_EQ(j.Get("regionInfo")->items()[1].GetString("regionName"), "us-east-1");
}

TEST(Xml, BrokenDocumentsAreErrorsWithAnOffset) {
  struct Case {
    const char* text;
    const char* message;
  } cases[] = {
      {"<A><B>text</B>", "the document ends inside <A>"},
      {"<A><B></A></B>", "</A> closes <B>"},
      {"<!DOCTYPE html><html><body>Bad gateway</body></html>", "DOCTYPE"},
      {"<A>&nbsp;</A>", "unknown entity &nbsp;"},
      {"<A>&#0;</A>", "invalid code point"},
      {"<A></A><B/>", "after the root element"},
      {"", "expected the root element"},
      {"<A x=1></A>", "unquoted attribute"},
  };
  for (const Case& c : cases) {
    StatusOr<XmlNode> x = ParseXml(c.text);
    ASSERT_FALSE(x.ok()) << c.text;
    EXPECT_NE(x.status().message().find(c.message), std::string::npos) << x.status().message();
    EXPECT_NE(x.status().message().find("at byte"), std::string::npos);
  }
  std::string deep;
  for (int i = 0; i < 300; ++i) deep += "<a>";
  EXPECT_FALSE(ParseXml(deep).ok());
}

// --- Errors ---------------------------------------------------------------------------------

HttpResponse Response(long status, std::string content_type, std::string body) {  // NOLINT
  HttpResponse r;
  r.status = status;
  r.headers = {{"Content-Type", std::move(content_type)}};
  r.body = std::move(body);
  return r;
}

TEST(Errors, JsonShapes) {
  const ServiceInfo& logs = *FindService("logs");
  AwsError e = DecodeError(logs, Response(400, "application/x-amz-json-1.1",
      R"({"__type":"com.amazon.coral.service#ExpiredTokenException","message":"expired"})"));
  EXPECT_EQ(e.code, "ExpiredTokenException");
  EXPECT_EQ(e.cls, ErrorClass::kExpiredCredentials);
  e = DecodeError(logs, Response(400, "application/x-amz-json-1.1",
                                 R"({"__type":"AccessDeniedException","Message":"no"})"));
  EXPECT_EQ(e.cls, ErrorClass::kPermission);
  EXPECT_EQ(e.message, "no");
  HttpResponse header_only = Response(400, "application/x-amz-json-1.1", "");
  header_only.headers.emplace_back("x-amzn-ErrorType", "ThrottlingException:http://internal");
  e = DecodeError(logs, header_only);
  EXPECT_EQ(e.code, "ThrottlingException");
  EXPECT_EQ(e.cls, ErrorClass::kThrottling);
  e = DecodeError(logs, Response(400, "application/x-amz-json-1.1",
      R"({"__type":"InvalidSignatureException","message":"Signature expired: 20150830T123600Z is now earlier than ..."})"));
  EXPECT_EQ(e.cls, ErrorClass::kClockSkew);
}

TEST(Errors, QueryAndEc2Shapes) {
  AwsError e = DecodeError(*FindService("sns"), Response(403, "text/xml",
      "<ErrorResponse><Error><Type>Sender</Type><Code>AuthorizationError</Code>"
      "<Message>not authorized</Message></Error><RequestId>x</RequestId></ErrorResponse>"));
  EXPECT_EQ(e.code, "AuthorizationError");
  EXPECT_EQ(e.cls, ErrorClass::kPermission);
  e = DecodeError(*FindService("ec2"), Response(400, "text/xml",
      "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>slow down</Message>"
      "</Error></Errors><RequestID>x</RequestID></Response>"));
  EXPECT_EQ(e.code, "RequestLimitExceeded");
  EXPECT_EQ(e.cls, ErrorClass::kThrottling);
}

TEST(Errors, UnreadableBodiesAreNeverEmptyResults) {
  AwsError e = DecodeError(*FindService("monitoring"),
                           Response(503, "text/html", "<html><body>Service down</body></html>"));
  EXPECT_EQ(e.cls, ErrorClass::kTransient);  // a proxy's 503: worth a retry
  EXPECT_NE(e.message.find("HTML"), std::string::npos);
  e = DecodeError(*FindService("logs"), Response(403, "text/html", "<html>denied</html>"));
  EXPECT_EQ(e.cls, ErrorClass::kBadResponse);
  e = DecodeError(*FindService("logs"), Response(400, "application/x-amz-json-1.1", "{\"__ty"));
  EXPECT_EQ(e.cls, ErrorClass::kBadResponse);
  e.service = "logs";
  e.region = "eu-west-1";
  e.operation = "DescribeMetricFilters";
  EXPECT_EQ(e.ToString().rfind("logs DescribeMetricFilters in eu-west-1: ", 0), 0u);
}

TEST(Errors, Classification) {
  EXPECT_EQ(ClassifyError("Throttled", 400), ErrorClass::kThrottling);
  EXPECT_EQ(ClassifyError("", 429), ErrorClass::kThrottling);
  EXPECT_EQ(ClassifyError("", 502), ErrorClass::kTransient);
  EXPECT_EQ(ClassifyError("UnauthorizedOperation", 403), ErrorClass::kPermission);
  EXPECT_EQ(ClassifyError("TrailNotFoundException", 400), ErrorClass::kNotFound);
  EXPECT_EQ(ClassifyError("OptInRequired", 401), ErrorClass::kRegionDisabled);
  EXPECT_EQ(ClassifyError("ValidationError", 400), ErrorClass::kRequest);
  EXPECT_EQ(ClassifyError("RequestTimeTooSkewed", 403), ErrorClass::kClockSkew);
  EXPECT_EQ(ClassifyError("UnrecognizedClientException", 400), ErrorClass::kBadCredentials);
}

TEST(Query, Encoding) {
  Json body = Json::Object();
  body.Set("AlarmNames", Json::Array());
  body.Get("AlarmNames")->Push("a b");
  body.Get("AlarmNames")->Push("c");
  body.Set("ActionsEnabled", true);
  Json dim = Json::Object();
  dim.Set("Name", "n");
  body.Set("Dimensions", Json::Array());
  body.Get("Dimensions")->Push(dim);
  QueryParams q = ToQueryParams(body, Protocol::kQuery);
  QueryParams want = {{"AlarmNames.member.1", "a b"}, {"AlarmNames.member.2", "c"},
                      {"ActionsEnabled", "true"}, {"Dimensions.member.1.Name", "n"}};
  EXPECT_EQ(q, want);
  Json ec2 = Json::Object();
  ec2.Set("RegionName", Json::Array());
  ec2.Get("RegionName")->Push("eu-west-1");
  EXPECT_EQ(ToQueryParams(ec2, Protocol::kEc2), (QueryParams{{"RegionName.1", "eu-west-1"}}));
}

// --- Configuration --------------------------------------------------------------------------

TEST(Ini, SectionsSubSettingsCommentsAndErrors) {
  StatusOr<IniFile> f = ParseIni(
      "# comment\n[default]\nregion = eu-west-1 ; inline\n\n[profile   x]\n"
      "services = s\n[services s]\nsns =\n  endpoint_url = http://h:1\n; c\n", "config");
  ASSERT_TRUE(f.ok()) << f.status().message();
  EXPECT_EQ(f->sections["default"]["region"], "eu-west-1");
  EXPECT_EQ(f->sections["profile x"]["services"], "s");
  EXPECT_EQ(f->sections["services s"]["sns.endpoint_url"], "http://h:1");
  StatusOr<IniFile> bad = ParseIni("[default]\nregion\n", "cfg");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.status().message(), "cfg:2: expected 'key = value'");
  bad = ParseIni("region = x\n", "cfg");
  EXPECT_EQ(bad.status().message(), "cfg:1: a setting before any [section]");
}

EnvLookup MapEnv(std::map<std::string, std::string> m) {
  return [m](std::string_view k) -> std::optional<std::string> {
    auto it = m.find(std::string(k));
    if (it == m.end()) return std::nullopt;
    return it->second;
  };
}

TEST(Config, RegionAndEndpointPrecedence) {
  std::map<std::string, std::string> env = {{"HOME", "/nonexistent"},
                                            {"AWS_CONFIG_FILE", "/nonexistent/c"},
                                            {"AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/k"},
                                            {"AWS_DEFAULT_REGION", "eu-west-1"}};
  StatusOr<AwsConfig> c = AwsConfig::Load({}, MapEnv(env));
  ASSERT_TRUE(c.ok()) << c.status().message();
  EXPECT_EQ(c->region(), "eu-west-1");
  EXPECT_EQ(c->Endpoint(*FindService("monitoring"), "eu-west-1"),
            "https://monitoring.eu-west-1.amazonaws.com");
  EXPECT_EQ(c->Endpoint(*FindService("logs"), "cn-north-1"),
            "https://logs.cn-north-1.amazonaws.com.cn");
  EXPECT_EQ(c->Endpoint(*FindService("organizations"), "eu-west-1"),
            "https://organizations.us-east-1.amazonaws.com");
  EXPECT_EQ(AwsConfig::SigningRegion(*FindService("organizations"), "us-gov-east-1"),
            "us-gov-west-1");

  env["AWS_REGION"] = "ap-south-1";
  env["AWS_ENDPOINT_URL"] = "http://all:1/";
  env["AWS_ENDPOINT_URL_CLOUDWATCH_LOGS"] = "http://logs:2";
  c = AwsConfig::Load({}, MapEnv(env));
  EXPECT_EQ(c->region(), "ap-south-1");
  EXPECT_EQ(c->Endpoint(*FindService("logs"), "x"), "http://logs:2");
  EXPECT_EQ(c->Endpoint(*FindService("sns"), "x"), "http://all:1");
  c = AwsConfig::Load({"", "sa-east-1", "http://option:3"}, MapEnv(env));
  EXPECT_EQ(c->region(), "sa-east-1");
  EXPECT_EQ(c->Endpoint(*FindService("logs"), "x"), "http://option:3");
  env["AWS_IGNORE_CONFIGURED_ENDPOINT_URLS"] = "true";
  c = AwsConfig::Load({}, MapEnv(env));
  EXPECT_EQ(c->Endpoint(*FindService("logs"), "eu-west-1"), "https://logs.eu-west-1.amazonaws.com");

  env["AWS_USE_DUALSTACK_ENDPOINT"] = "true";
  c = AwsConfig::Load({}, MapEnv(env));
  EXPECT_FALSE(c.ok());
  env.erase("AWS_USE_DUALSTACK_ENDPOINT");
  env["AWS_PROFILE"] = "absent";
  c = AwsConfig::Load({}, MapEnv(env));
  ASSERT_FALSE(c.ok());
  EXPECT_NE(c.status().message().find("the profile 'absent'"), std::string::npos);
  env.erase("AWS_PROFILE");
  env["AWS_MAX_ATTEMPTS"] = "zero";
  EXPECT_FALSE(AwsConfig::Load({}, MapEnv(env)).ok());
}

TEST(CommandLine, SplitsAsAShellWouldWithoutExpanding) {
  auto split = [](std::string_view s) { return *SplitCommandLine(s); };
  using V = std::vector<std::string>;
  EXPECT_EQ(split("a b  c"), (V{"a", "b", "c"}));
  EXPECT_EQ(split("'/path with space/x' --p \"q \\\"r\\\"\""), (V{"/path with space/x", "--p", "q \"r\""}));
  EXPECT_EQ(split("a\\ b $HOME"), (V{"a b", "$HOME"}));
  EXPECT_EQ(split("''"), (V{""}));
  EXPECT_FALSE(SplitCommandLine("'open").ok());
  EXPECT_FALSE(SplitCommandLine("\"open").ok());
}

TEST(Time, Iso8601) {
  EXPECT_EQ(ParseIsoTime("2015-08-30T12:36:00Z"), 1440938160);
  EXPECT_EQ(ParseIsoTime("2015-08-30T12:36:00.123Z"), 1440938160);
  EXPECT_EQ(ParseIsoTime("2015-08-30T14:36:00+02:00"), 1440938160);
  EXPECT_EQ(ParseIsoTime("2015-08-30T12:36:00UTC"), 1440938160);  // the CLI's older SSO cache
  EXPECT_FALSE(ParseIsoTime("2015-08-30").has_value());
  EXPECT_FALSE(ParseIsoTime("2015-08-30T12:36:00Zjunk").has_value());
}

class CountingProvider : public CredentialProvider {
 public:
  explicit CountingProvider(std::time_t lifetime_end) : end_(lifetime_end) {}
  StatusOr<Credentials> Fetch() override {
    ++fetches;
    Credentials c{"AKID" + std::to_string(fetches), "s", "t", end_, "test"};
    return c;
  }
  std::string Describe() const override { return "counting"; }
  int fetches = 0;
  std::time_t end_;
};

TEST(CredentialCache, RefreshesBeforeExpiryOnce) {
  auto* p = new CountingProvider(10000);
  CredentialCache cache{std::unique_ptr<CredentialProvider>(p)};
  EXPECT_EQ(cache.Get(0)->access_key_id, "AKID1");
  EXPECT_EQ(cache.Get(100)->access_key_id, "AKID1");    // hours left: cached
  EXPECT_EQ(p->fetches, 1);
  EXPECT_TRUE(cache.Get(10000 - 14 * 60).ok());  // under 15 minutes left: refreshed
  EXPECT_EQ(p->fetches, 2);
  EXPECT_TRUE(cache.Get(10000 - 14 * 60 + 10).ok());  // fresh ones also end at 10000: not again within a minute
  EXPECT_EQ(p->fetches, 2);
  EXPECT_TRUE(cache.Get(10000 - 9 * 60).ok());  // under 10 minutes: always refreshed
  EXPECT_EQ(p->fetches, 3);
  cache.Invalidate();
  EXPECT_TRUE(cache.Get(0).ok());
  EXPECT_EQ(p->fetches, 4);
}

TEST(Credentials, MaskedKeyId) {
  Credentials c;
  c.access_key_id = "AKIAVIGILTEST0000001";
  EXPECT_EQ(c.MaskedKeyId(), "****************0001");
}

}  // namespace
}  // namespace vigil::aws

namespace vigil::collect {
namespace {

// A raw account of one region, built in code: the joins of BuildInventory.
Json RawWith(Json trail, Json selectors, Json filters, Json alarms, Json topics) {
  Json raw = Json::Object();
  Json id = Json::Object();
  id.Set("Account", "111111111111");
  raw.Set("identity", id);
  Json region = Json::Object();
  region.Set("trails", Json::Array());
  region.Get("trails")->Push(trail);
  region.Set("metricFilters", std::move(filters));
  region.Set("metricAlarms", std::move(alarms));
  Json per = Json::Object();
  per.Set("us-east-1", std::move(region));
  raw.Set("perRegion", std::move(per));
  Json trails = Json::Object();
  Json details = Json::Object();
  details.Set("eventSelectors", std::move(selectors));
  trails.Set(trail.GetString("TrailARN"), std::move(details));
  raw.Set("trails", std::move(trails));
  raw.Set("topics", std::move(topics));
  raw.Set("errors", Json::Array());
  return raw;
}

Json Parse(const char* text) { return *Json::Parse(text, "test"); }

Json Trail() {
  return Parse(R"({"Name":"t","TrailARN":"arn:aws:cloudtrail:us-east-1:111111111111:trail/t",
    "HomeRegion":"us-east-1","IsMultiRegionTrail":true,
    "CloudWatchLogsLogGroupArn":"arn:aws:logs:us-east-1:111111111111:log-group:g:*"})");
}

const Json& FirstTrail(const Json& inv) { return inv.Get("entities")->Get("CloudTrail")->items()[0]; }

TEST(Builder, AdvancedSelectorsCaptureAllManagementEventsOnlyTogether) {
  auto captures = [](const char* selectors) {
    Json inv = BuildInventory(RawWith(Trail(), Parse(selectors), Json::Array(), Json::Array(),
                                      Json::Object()));
    return FirstTrail(inv).Get("capturesAllManagementEvents")->as_bool();
  };
  EXPECT_TRUE(captures(R"({"AdvancedEventSelectors":[{"FieldSelectors":[
      {"Field":"eventCategory","Equals":["Management"]}]}]})"));
  EXPECT_FALSE(captures(R"({"AdvancedEventSelectors":[{"FieldSelectors":[
      {"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["true"]}]}]})"));
  EXPECT_TRUE(captures(R"({"AdvancedEventSelectors":[
      {"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["true"]}]},
      {"FieldSelectors":[{"Field":"eventCategory","Equals":["Management"]},{"Field":"readOnly","Equals":["false"]}]}]})"));
  EXPECT_FALSE(captures(R"({"AdvancedEventSelectors":[{"FieldSelectors":[
      {"Field":"eventCategory","Equals":["Management"]},{"Field":"eventSource","NotEquals":["kms.amazonaws.com"]}]}]})"));
  EXPECT_FALSE(captures(R"({"EventSelectors":[{"ReadWriteType":"All","IncludeManagementEvents":true,
      "ExcludeManagementEventSources":["kms.amazonaws.com"]}]})"));
  EXPECT_FALSE(captures(R"({"EventSelectors":[{"ReadWriteType":"WriteOnly","IncludeManagementEvents":true}]})"));
}

TEST(Builder, AlarmsJoinOnNamespaceNameDimensionsAndMetricMath) {
  Json filters = Parse(R"([{"filterName":"f","filterPattern":"{ $.x = 1 }","logGroupName":"g",
    "metricTransformations":[{"metricName":"M","metricNamespace":"NS","metricValue":"1"}]}])");
  Json alarms = Parse(R"([
    {"AlarmName":"direct","Namespace":"NS","MetricName":"M","ActionsEnabled":"true",
     "AlarmActions":["arn:aws:sns:us-east-1:111111111111:topic"]},
    {"AlarmName":"wrong-namespace","Namespace":"Other","MetricName":"M"},
    {"AlarmName":"with-dimension","Namespace":"NS","MetricName":"M",
     "Dimensions":[{"Name":"d","Value":"v"}]},
    {"AlarmName":"math","Metrics":[{"Id":"m1","MetricStat":{"Metric":{"Namespace":"NS","MetricName":"M"}}}],
     "ActionsEnabled":"false","AlarmActions":["arn:aws:sns:us-east-1:111111111111:topic"]}])");
  Json topics = Parse(R"({"arn:aws:sns:us-east-1:111111111111:topic":{"subscriptions":[
    {"SubscriptionArn":"PendingConfirmation","Protocol":"email","Endpoint":"a@example.com"},
    {"SubscriptionArn":"arn:aws:sns:us-east-1:111111111111:topic:abc","Protocol":"email"}]}})");
  Json inv = BuildInventory(RawWith(Trail(), Json::Object(), filters, alarms, topics));
  const Json& t = FirstTrail(inv);
  const Json& m = t.Get("metricFilters")->items()[0].Get("metricTransformations")->items()[0];
  std::vector<std::string> names;
  for (const Json& a : m.Get("alarms")->items()) names.push_back(a.GetString("name"));
  EXPECT_EQ(names, (std::vector<std::string>{"direct", "math"}));
  const Json& subs = *m.Get("alarms")->items()[0].Get("actions")->items()[0].Get("subscriptions");
  EXPECT_FALSE(subs.items()[0].Get("confirmed")->as_bool());
  EXPECT_TRUE(subs.items()[1].Get("confirmed")->as_bool());
  EXPECT_EQ(t.GetString("hasSNSSubscriber"), "true");
  EXPECT_TRUE(t.Get("chainReadable")->as_bool());
}

TEST(Builder, MissingListingsMakeTheChainUnreadableNotEmpty) {
  Json raw = RawWith(Trail(), Json::Object(), Json::Array(), Json::Array(), Json::Object());
  raw.Get("perRegion")->Get("us-east-1")->Erase("metricAlarms");
  raw.Get("perRegion")->Get("us-east-1")->Erase("metricFilters");
  Json err = Parse(R"({"service":"logs","region":"us-east-1","operation":"DescribeMetricFilters",
    "class":"permission","code":"AccessDeniedException","message":"m"})");
  raw.Get("errors")->Push(err);
  Json inv = BuildInventory(raw);
  const Json& t = FirstTrail(inv);
  EXPECT_FALSE(t.Get("chainReadable")->as_bool());
  EXPECT_EQ(t.GetString("chainUnreadableReason"),
            "AccessDeniedException on logs:DescribeMetricFilters in us-east-1");
  const Json& gap = inv.Get("collection")->Get("permissionGaps")->items()[0];
  EXPECT_EQ(gap.GetString("entityType"), "LogGroup");
  EXPECT_TRUE(inv.Get("collection")->Get("complete")->as_bool());
}

}  // namespace
}  // namespace vigil::collect
