#include "collect/collector.h"

#include <algorithm>
#include <atomic>
#include <mutex>
#include <set>
#include <thread>

#include "base/iso_time.h"
#include "base/text.h"
#include "collect/raw_util.h"

namespace vigil::collect {
namespace {

using aws::AwsError;
using aws::AwsResult;
using aws::ErrorClass;

// Runs tasks on up to `concurrency` threads; returns when all are done.
void RunAll(std::vector<std::function<void()>>& tasks, int concurrency,
            const std::function<void()>& on_done) {
  std::atomic<size_t> next{0};
  auto worker = [&] {
    for (size_t i = next++; i < tasks.size(); i = next++) {
      tasks[i]();
      if (on_done) on_done();
    }
  };
  size_t n = std::min<size_t>(std::max(1, concurrency), tasks.size());
  std::vector<std::thread> threads;
  for (size_t i = 1; i < n; ++i) threads.emplace_back(worker);
  worker();
  for (std::thread& t : threads) t.join();
}

class Collection {
 public:
  Collection(aws::Client& client, const CollectOptions& options)
      : client_(client), options_(options) {}

  RawAccount Run() {
    raw_ = Json::Object();
    raw_.Set("time", FormatIsoSeconds(client_.Now()));
    raw_.Set("homeRegion", options_.home_region);
    if (aws::CredentialCache* c = client_.credentials()) {
      raw_.Set("credentialSource", c->Describe());
    }
    std::string home = options_.home_region;

    // 1. Who we are, and which regions are on.
    AwsResult<Json> identity = client_.CallQuery("sts", home, "GetCallerIdentity", {});
    if (!identity.ok()) {
      Record(identity.error, "");
      raw_.Set("fatal", "cannot read the caller identity: " + identity.error.ToString());
      return Finish();
    }
    raw_.Set("identity", *identity.value);
    account_ = identity.value->GetString("Account");

    Json regions = Json::Array();
    if (options_.regions.empty()) {
      AwsResult<Json> r = client_.CallQuery("ec2", home, "DescribeRegions", {});
      if (!r.ok()) {
        Record(r.error, "");
        raw_.Set("fatal", "cannot list the account's regions: " + r.error.ToString());
        return Finish();
      }
      for (const Json& info : Items(*r.value, "regionInfo")) {
        std::string name = info.GetString("regionName");
        std::string opt = info.GetString("optInStatus", "opt-in-not-required");
        Json& entry = regions.Push(Json::Object());
        entry.Set("name", name);
        entry.Set("optInStatus", opt);
        if (opt != "not-opted-in") regions_.push_back(name);
      }
    } else {
      for (const std::string& name : options_.regions) {
        Json& r = regions.Push(Json::Object());
        r.Set("name", name);
        r.Set("optInStatus", "selected");
        regions_.push_back(name);
      }
    }
    std::sort(regions_.begin(), regions_.end());
    regions_.erase(std::unique(regions_.begin(), regions_.end()), regions_.end());
    raw_.Set("regions", std::move(regions));
    raw_.Set("skippedRegions", Json::Array());
    raw_.Set("perRegion", Json::Object());
    for (const std::string& r : regions_) raw_.Get("perRegion")->Set(r, Json::Object());

    // 2. Region-wide listings, every region in parallel.
    std::vector<std::function<void()>> tasks;
    for (const std::string& region : regions_) {
      tasks.push_back([this, region] {
        Json body = Json::Object();
        body.Set("includeShadowTrails", true);
        AwsResult<Json> r = client_.CallJson("cloudtrail", region, "DescribeTrails", body);
        if (r.ok()) Store(region, "trails", ArrayOf(Items(*r.value, "trailList")));
        else Record(r.error, "");
      });
      tasks.push_back([this, region] {
        Json body = Json::Object();
        body.Set("limit", 50);
        PaginateInto(region, "logs", "DescribeLogGroups", body, "nextToken", "nextToken",
                     {{"logGroups", "logGroups"}});
      });
      tasks.push_back([this, region] {
        Json body = Json::Object();
        body.Set("limit", 50);
        PaginateInto(region, "logs", "DescribeMetricFilters", body, "nextToken", "nextToken",
                     {{"metricFilters", "metricFilters"}});
      });
      tasks.push_back([this, region] {
        Json body = Json::Object();
        body.Set("MaxRecords", 100);
        PaginateInto(region, "monitoring", "DescribeAlarms", body, "NextToken", "NextToken",
                     {{"MetricAlarms", "metricAlarms"}});
      });
      tasks.push_back([this, region] {
        PaginateInto(region, "sns", "ListTopics", Json::Object(), "NextToken", "NextToken",
                     {{"Topics", "topics"}});
      });
      struct ConfigCall {
        const char* op;      // the operation
        const char* member;  // its list in the response
        const char* key;     // where the raw document keeps it
      };
      for (ConfigCall c :
           {ConfigCall{"DescribeConfigurationRecorders", "ConfigurationRecorders",
                       "configurationRecorders"},
            ConfigCall{"DescribeConfigurationRecorderStatus", "ConfigurationRecordersStatus",
                       "configurationRecordersStatus"},
            ConfigCall{"DescribeDeliveryChannels", "DeliveryChannels", "deliveryChannels"}}) {
        tasks.push_back([this, region, op = c.op, member = c.member, key = c.key] {
          AwsResult<Json> r = client_.CallJson("config", region, op, Json::Object());
          if (r.ok()) Store(region, key, ArrayOf(Items(*r.value, member)));
          else Record(r.error, "");
        });
      }
    }
    Run(tasks);

    // 3. Per trail (in its home region) and per SNS topic (in its own region).
    std::set<std::pair<std::string, std::string>> trails;  // (arn, home region)
    std::set<std::string> topics;
    const Json* per_region = raw_.Get("perRegion");
    for (const auto& [region, data] : per_region->members()) {
      if (const Json* list = data.Get("trails")) {
        for (const Json& t : list->items()) {
          std::string arn = t.GetString("TrailARN");
          std::string home_region = t.GetString("HomeRegion", region);
          if (!arn.empty()) trails.emplace(arn, home_region);
        }
      }
      if (const Json* list = data.Get("topics")) {
        for (const Json& t : list->items()) topics.insert(t.GetString("TopicArn"));
      }
      if (const Json* list = data.Get("metricAlarms")) {
        for (const Json& a : list->items()) {
          for (const Json& action : Items(a, "AlarmActions")) {
            if (action.is_string() && action.text().starts_with("arn:") &&
                action.text().find(":sns:") != std::string::npos) {
              alarm_topics_.insert(action.text());
            }
          }
        }
      }
    }
    listed_topics_ = topics;
    topics.insert(alarm_topics_.begin(), alarm_topics_.end());
    raw_.Set("trails", Json::Object());
    raw_.Set("topics", Json::Object());
    tasks.clear();
    for (const auto& trail : trails) {
      // Named copies: lambdas cannot capture structured bindings before C++20 (clang 14).
      const std::string& arn = trail.first;
      const std::string& home_region = trail.second;
      raw_.Get("trails")->Set(arn, Json::Object());
      tasks.push_back([this, arn, home_region] {
        Json body = Json::Object();
        body.Set("Name", arn);
        AwsResult<Json> r = client_.CallJson("cloudtrail", home_region, "GetTrailStatus", body);
        if (r.ok()) StoreDetail("trails", arn, "status", *r.value);
        else Record(r.error, arn);
      });
      tasks.push_back([this, arn, home_region] {
        Json body = Json::Object();
        body.Set("TrailName", arn);
        AwsResult<Json> r =
            client_.CallJson("cloudtrail", home_region, "GetEventSelectors", body);
        if (r.ok()) StoreDetail("trails", arn, "eventSelectors", *r.value);
        else Record(r.error, arn);
      });
    }
    for (const std::string& arn : topics) {
      std::string region = ArnField(arn, 3);
      if (region.empty()) continue;
      raw_.Get("topics")->Set(arn, Json::Object());
      tasks.push_back([this, arn, region] {
        Json all = Json::Array();
        Json body = Json::Object();
        body.Set("TopicArn", arn);
        AwsResult<int> r = client_.Paginate(
            "sns", region, "ListSubscriptionsByTopic", body, "NextToken", "NextToken",
            [&](const Json& page) {
              for (Json& s : Items(page, "Subscriptions")) all.Push(std::move(s));
            });
        if (r.ok()) StoreDetail("topics", arn, "subscriptions", std::move(all));
        else Record(r.error, arn);
      });
      if (listed_topics_.count(arn)) {
        tasks.push_back([this, arn, region] {
          AwsResult<Json> r = client_.CallQuery("sns", region, "GetTopicAttributes",
                                                {{"TopicArn", arn}});
          if (r.ok()) {
            const Json* attrs = r.value->Get("Attributes");
            StoreDetail("topics", arn, "attributes",
                        attrs && attrs->is_object() ? *attrs : Json::Object());
          } else {
            Record(r.error, arn);
          }
        });
      }
    }
    Run(tasks);
    return Finish();
  }

 private:
  void Run(std::vector<std::function<void()>>& tasks) {
    total_ += static_cast<int>(tasks.size());
    RunAll(tasks, options_.concurrency, [this] {
      int done = ++done_;
      if (options_.progress) options_.progress(done, total_);
    });
  }

  void PaginateInto(const std::string& region, const char* service, const char* op,
                    const Json& body, const char* token_in, const char* token_out,
                    std::vector<std::pair<std::string, std::string>> members) {
    std::vector<Json> lists(members.size(), Json::Array());
    AwsResult<int> r = client_.Paginate(service, region, op, body, token_in, token_out,
                                        [&](const Json& page) {
                                          for (size_t i = 0; i < members.size(); ++i) {
                                            for (Json& x : Items(page, members[i].first)) {
                                              lists[i].Push(std::move(x));
                                            }
                                          }
                                        });
    if (!r.ok()) {
      Record(r.error, "");
      return;
    }
    for (size_t i = 0; i < members.size(); ++i) Store(region, members[i].second, std::move(lists[i]));
  }

  void Store(const std::string& region, const std::string& key, Json value) {
    std::lock_guard<std::mutex> lock(mu_);
    raw_.Get("perRegion")->Get(region)->Set(key, std::move(value));
  }

  void StoreDetail(const char* group, const std::string& arn, const char* key, Json value) {
    std::lock_guard<std::mutex> lock(mu_);
    raw_.Get(group)->Get(arn)->Set(key, std::move(value));
  }

  void Record(const AwsError& e, const std::string& resource) {
    std::lock_guard<std::mutex> lock(mu_);
    bool region_off =
        (e.cls == ErrorClass::kRegionDisabled ||
         (e.cls == ErrorClass::kBadCredentials && e.region != options_.home_region &&
          resource.empty()));
    if (region_off && account_ != "") {
      Json* skipped = raw_.Get("skippedRegions");
      for (const Json& s : skipped->items()) {
        if (s.GetString("region") == e.region) return;
      }
      Json& s = skipped->Push(Json::Object());
      s.Set("region", e.region);
      s.Set("reason", "the region does not accept this account's credentials (" +
                          (e.code.empty() ? std::string(aws::ErrorClassName(e.cls)) : e.code) +
                          "): not enabled for the account?");
      return;
    }
    if (!raw_.Get("errors")) raw_.Set("errors", Json::Array());
    Json& j = raw_.Get("errors")->Push(Json::Object());
    j.Set("service", e.service);
    j.Set("region", e.region);
    j.Set("operation", e.operation);
    if (!resource.empty()) j.Set("resource", resource);
    j.Set("class", std::string(aws::ErrorClassName(e.cls)));
    if (!e.code.empty()) j.Set("code", e.code);
    j.Set("message", e.ToString());
    if (e.http_status) j.Set("httpStatus", static_cast<int64_t>(e.http_status));
  }

  RawAccount Finish() {
    aws::CallStats stats = client_.Stats();
    Json calls = Json::Object();
    for (const auto& [k, n] : stats.calls) calls.Set(k, n);
    raw_.Set("calls", std::move(calls));
    raw_.Set("retries", stats.retries);
    if (!raw_.Get("errors")) raw_.Set("errors", Json::Array());
    return std::move(raw_);
  }

  aws::Client& client_;
  const CollectOptions& options_;
  std::mutex mu_;
  RawAccount raw_;
  std::string account_;
  std::vector<std::string> regions_;
  std::set<std::string> alarm_topics_, listed_topics_;
  std::atomic<int> done_{0};
  std::atomic<int> total_{0};
};

}  // namespace

RawAccount Collect(aws::Client& client, const CollectOptions& options) {
  return Collection(client, options).Run();
}

std::string FatalError(const RawAccount& raw) { return raw.GetString("fatal"); }

bool Incomplete(const RawAccount& raw) {
  if (!FatalError(raw).empty()) return true;
  const Json* errors = raw.Get("errors");
  if (errors == nullptr) return false;
  for (const Json& e : errors->items()) {
    std::string cls = e.GetString("class");
    if (cls != "permission" && cls != "not-found") return true;
  }
  return false;
}

}  // namespace vigil::collect
