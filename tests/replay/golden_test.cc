// Golden replays over the shared CloudTrail corpora through the demo account's filters and
// alarms (testdata/demo/account.json). Each testdata/replay/NAME.expected holds, after '#'
// comments that work the expected alarms out by hand from the events, the compact trace that
// Trace() prints. VIGIL_UPDATE_GOLDEN=1 rewrites the traces (keeping the comments); review every
// change by hand.
#include <sys/stat.h>
#include <zlib.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include <fmt/format.h>
#include <gtest/gtest.h>

#include "gsl/inventory.h"
#include "replay/input.h"
#include "replay/plan.h"
#include "replay/render.h"
#include "replay/replay.h"
#include "replay/time_util.h"

namespace vigil::replay {
namespace {

namespace fs = std::filesystem;

const std::string kShared = VIGIL_SHARED_DIR;
const std::string kSource = VIGIL_SOURCE_DIR;

Plan DemoPlan() {
  auto inv = gsl::Inventory::Load(kSource + "/testdata/demo/account.json");
  EXPECT_TRUE(inv.ok()) << inv.status().message();
  auto plan = PlanFromInventory(**inv, "account.json");
  EXPECT_TRUE(plan.ok()) << plan.status().message();
  return std::move(*plan);
}

// One line per filter with matches, then per alarm that left OK at least once: its state changes
// and the events of each breaching period.
std::string Trace(const Plan& plan, const ReplayResult& r) {
  std::string out = fmt::format("events {} replayed {} files {} problems {} digests {}\n",
                                r.summary.events, r.summary.events_replayed, r.summary.files,
                                r.summary.problems.size(), r.summary.digest_files);
  for (size_t f = 0; f < plan.filters.size(); ++f) {
    if (r.summary.filter_matches[f]) {
      out += fmt::format("filter {} matches {}\n", plan.filters[f].name, r.summary.filter_matches[f]);
    }
  }
  for (const AlarmResult& a : r.alarms) {
    const Alarm& alarm = plan.alarms[a.alarm];
    if (!a.evaluated) {
      out += fmt::format("alarm {} ({}) not evaluated\n", alarm.spec.name, alarm.region);
      continue;
    }
    if (a.timeline.episodes.empty()) continue;
    out += fmt::format("alarm {} final {}\n", alarm.spec.name, Name(a.timeline.final_state));
    for (const Transition& t : a.timeline.transitions) {
      out += fmt::format("  {} {} -> {}\n", FormatIsoTime(t.time_ms), Name(t.from), Name(t.to));
    }
    for (const AlarmPeriodEvents& p : a.alarm_periods) {
      out += fmt::format("  period {}:", FormatIsoTime(p.period_ms));
      for (const EventInfo& e : p.events) out += " " + e.event_name;
      if (p.omitted) out += fmt::format(" (+{})", p.omitted);
      out += "\n";
    }
  }
  return out;
}

void CheckGolden(const std::string& name, const std::string& actual) {
  std::string path = kSource + "/testdata/replay/" + name + ".expected";
  std::ifstream in(path);
  std::string line, comments, expected;
  while (std::getline(in, line)) {
    if (!line.empty() && line[0] == '#') {
      comments += line + "\n";
    } else {
      expected += line + "\n";
    }
  }
  const char* update = std::getenv("VIGIL_UPDATE_GOLDEN");
  if (update && std::string(update) == "1") {
    std::ofstream(path) << comments << actual;
    return;
  }
  EXPECT_EQ(actual, expected) << "golden " << path;
}

ReplayResult RunReplay(const Plan& plan, const std::vector<std::string>& paths, ReplayOptions o = {}) {
  auto inputs = ListInputs(paths);
  EXPECT_TRUE(inputs.ok()) << inputs.status().message();
  auto r = Replay(plan, *inputs, o);
  EXPECT_TRUE(r.ok()) << r.status().message();
  return std::move(*r);
}

TEST(Golden, AwsConfigGuideExamples) {
  Plan plan = DemoPlan();
  ReplayResult r = RunReplay(plan, {kShared + "/data/cloudtrail/awsdocs-config-guide"});
  CheckGolden("awsdocs_config", Trace(plan, r));
}

TEST(Golden, StratusRedTeamDetonations) {
  Plan plan = DemoPlan();
  ReplayResult r = RunReplay(plan, {kShared + "/data/cloudtrail/stratus-red-team"});
  CheckGolden("stratus", Trace(plan, r));
}

// The exact CIS 4.9 filter, ad hoc, over the AWS Config examples: only the four change calls.
TEST(Golden, AdHocCis49OverConfigExamples) {
  Plan plan;
  AlarmSpec spec;
  spec.treat_missing_data = MissingData::kNotBreaching;
  spec.threshold = 1;
  ASSERT_TRUE(AddAdHocPattern(plan,
                              "{ ($.eventSource = config.amazonaws.com) && "
                              "(($.eventName=StopConfigurationRecorder)||($.eventName="
                              "DeleteDeliveryChannel)||($.eventName=PutDeliveryChannel)||($."
                              "eventName=PutConfigurationRecorder)) }",
                              "cis-4.9", spec)
                  .ok());
  ReplayResult r = RunReplay(plan, {kShared + "/data/cloudtrail/awsdocs-config-guide"});
  CheckGolden("adhoc_cis49", Trace(plan, r));
}

class Temp {
 public:
  Temp() {
    char tmpl[] = "/tmp/vigil-replay-test-XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~Temp() { fs::remove_all(dir_); }
  const std::string& dir() const { return dir_; }

 private:
  std::string dir_;
};

// "974349055189_CloudTrail_us-east-1_20140926T1130Z_x.json.gz" -> its S3 key's folders.
std::string S3Folder(const std::string& file) {
  std::string account = file.substr(0, file.find('_'));
  size_t r0 = file.find("_CloudTrail_") + 12;
  std::string region = file.substr(r0, file.find('_', r0) - r0);
  std::string date = file.substr(file.find('_', r0) + 1, 8);
  return fmt::format("{}/CloudTrail/{}/{}/{}/{}", account, region, date.substr(0, 4),
                     date.substr(4, 2), date.substr(6, 2));
}

// The grycap files laid out as CloudTrail delivers them: half under AWSLogs/<account>/..., half
// under an organization trail's AWSLogs/<org-id>/<account>/...; plus a digest file, a truncated
// copy and a corrupt document, which must be reported by name and skipped.
TEST(Golden, GrycapS3LayoutWithOrgTrailDigestsAndBrokenFiles) {
  Temp t;
  std::string flat = t.dir() + "/flat";
  fs::create_directories(flat);
  std::string cmd = fmt::format("tar -xf '{}' -C '{}'",
                                kShared + "/data/cloudtrail/grycap-cloudtrail-tracker/raw_cloudtrail_files.tar",
                                flat);
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  std::vector<std::string> names;
  for (const auto& e : fs::directory_iterator(flat)) names.push_back(e.path().filename().string());
  std::sort(names.begin(), names.end());
  ASSERT_EQ(names.size(), 1070u);
  std::string root = t.dir() + "/bucket";
  for (size_t i = 0; i < names.size(); ++i) {
    std::string prefix = i % 2 ? "AWSLogs/o-exampleorg1/" : "AWSLogs/";
    std::string folder = root + "/" + prefix + S3Folder(names[i]);
    fs::create_directories(folder);
    fs::rename(flat + "/" + names[i], folder + "/" + names[i]);
  }
  // A digest file: JSON, but not events.
  std::string digest = root + "/AWSLogs/974349055189/CloudTrail-Digest/us-east-1/2017/06/01";
  fs::create_directories(digest);
  std::ofstream(digest + "/974349055189_CloudTrail-Digest_us-east-1_x_20170601T000000Z.json.gz")
      << "not even gzip";
  // A truncated copy of a real file (half of its compressed bytes).
  std::string broken = root + "/AWSLogs/974349055189/CloudTrail/us-east-1/2099/01/01";
  fs::create_directories(broken);
  std::string src = root + "/AWSLogs/" + S3Folder(names[0]) + "/" + names[0];
  {
    std::ifstream in(src, std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    std::ofstream(broken + "/truncated.json.gz", std::ios::binary) << bytes.substr(0, bytes.size() / 2);
  }
  // Valid gzip, broken JSON: a Records document cut inside its second record.
  {
    gzFile gz = gzopen((broken + "/corrupt.json.gz").c_str(), "wb");
    std::string text =
        R"({"Records":[{"eventTime":"2099-01-01T00:00:00Z","eventName":"StopLogging"},{"eventTime":"2099-01-01T00:01:00Z","eventNa)";
    gzwrite(gz, text.data(), static_cast<unsigned>(text.size()));
    gzclose(gz);
  }
  Plan plan = DemoPlan();
  ReplayOptions o;
  o.max_events_per_period = 5;
  ReplayResult r = RunReplay(plan, {root}, o);
  std::string trace = Trace(plan, r);
  for (const FileProblem& p : r.summary.problems) {
    trace += fmt::format("problem {} partial={}\n", fs::path(p.path).filename().string(), p.partial);
  }
  CheckGolden("grycap", trace);
  // Both broken files name their problem; nothing of them was replayed (no 2099 events).
  ASSERT_EQ(r.summary.problems.size(), 2u);
  EXPECT_NE(r.summary.problems[0].message.find("not a valid CloudTrail log document"),
            std::string::npos)
      << r.summary.problems[0].message;
  EXPECT_NE(r.summary.problems[1].message.find("corrupt or truncated"), std::string::npos)
      << r.summary.problems[1].message;
  EXPECT_LT(*r.summary.last_event_ms, *ParseIsoTime("2019-01-01"));

  // The same replay with one worker and tiny chunks and queue, and with --from/--to, agrees.
  ReplayOptions small = o;
  small.threads = 1;
  small.readers = 1;
  small.chunk_bytes = 2048;
  small.queue_chunks = 1;
  ReplayResult r1 = RunReplay(plan, {root}, small);
  auto inputs = ListInputs({root});
  EXPECT_EQ(RenderJson(plan, *inputs, r1), RenderJson(plan, *inputs, r));
  ReplayOptions window = o;
  window.from_ms = ParseIsoTime("2014-09-26T11:30:00Z");
  window.to_ms = ParseIsoTime("2014-09-26T12:00:00Z");
  ReplayResult rw = RunReplay(plan, {root}, window);
  EXPECT_EQ(rw.summary.before_from + rw.summary.after_to + rw.summary.events_replayed,
            r.summary.events_replayed);
  // Only the PutGroupPolicy of 11:32:07 remains of the IAM and trail changes.
  for (size_t f = 0; f < plan.filters.size(); ++f) {
    if (plan.filters[f].name == "iam_changes_metric") {
      EXPECT_EQ(rw.summary.filter_matches[f], 1u);
    }
    if (plan.filters[f].name == "cloudtrail_cfg_changes_metric") {
      EXPECT_EQ(rw.summary.filter_matches[f], 0u);
    }
  }
}

}  // namespace
}  // namespace vigil::replay
