// The replay engine: CloudTrail events from files through a Plan's metric filters into metrics,
// and the alarms evaluated over them (docs/replay.md).
//
// Data flow: reader threads take whole files (ReadEvents) and pack their events, copied and
// followed by simdjson's padding, into chunks of about ReplayOptions::chunk_bytes; a bounded
// queue (queue_chunks) carries the chunks to worker threads, each with its own MatchContext and
// JSON parser, which run all filters in one pass (PatternSet) and aggregate samples per metric,
// dimension set and minute. Memory is bounded by the queue, one document per reader, and the
// aggregates (one entry per minute with samples, and at most max_events_per_period kept events
// per minute), independent of the number of events. After the last chunk, the workers' aggregates
// are merged and every alarm is evaluated (alarm.h).
//
// Which log groups see an event: each log group receives every event of the regions its trails
// capture (a multi-region trail: all). Event times are CloudTrail's `eventTime`, which is also
// the timestamp of the CloudWatch Logs event.
#ifndef VIGIL_REPLAY_REPLAY_H_
#define VIGIL_REPLAY_REPLAY_H_

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "base/status.h"
#include "pattern/matcher.h"
#include "replay/alarm.h"
#include "replay/input.h"
#include "replay/plan.h"

namespace vigil::replay {

struct Progress {
  uint64_t bytes_read = 0;   // compressed bytes, as on disk
  uint64_t bytes_total = 0;  // sum of the input files' sizes (0 when reading standard input)
  uint64_t events = 0;
  uint64_t files_done = 0, files_total = 0;
  double seconds = 0;
};

struct ReplayOptions {
  std::optional<int64_t> from_ms;  // events before are not replayed (inclusive bound)
  std::optional<int64_t> to_ms;    // events at or after are not replayed (exclusive bound)
  // Worker threads matching events; 0: one per hardware thread.
  size_t threads = 0;
  // Reader threads (each reads whole files); 0: half the workers, at least 1, at most the files.
  size_t readers = 0;
  size_t chunk_bytes = 1 << 20;  // events handed to a worker at once
  size_t queue_chunks = 0;       // chunks waiting at most; 0: 2 per worker
  // Contributing events kept per metric and minute (and reported per alarm period); the rest are
  // counted. Default 100.
  size_t max_events_per_period = 100;
  ReadOptions read;
  EvalOptions eval;
  pattern::MatchOptions match;
  // Called about 5 times a second from the calling thread while the replay runs.
  std::function<void(const Progress&)> progress;
};

// One event that contributed a sample to a datapoint.
struct EventInfo {
  int64_t time_ms = 0;
  std::string event_name, event_source, user, source_ip, event_id, region;
  double value = 0;  // the sample it published
  uint32_t file = 0;  // index into the InputList
  uint64_t line = 0, record = 0;
};

struct FileProblem {
  std::string path;
  std::string message;
  bool partial = false;  // events before the problem were replayed
};

struct Datapoint {
  int64_t period_ms = 0;
  Stats stats;
  double value = 0;  // the alarm's statistic
  bool breaching = false;
};

struct AlarmPeriodEvents {
  int64_t period_ms = 0;
  std::vector<EventInfo> events;  // in time order
  uint64_t omitted = 0;           // events beyond max_events_per_period
};

struct AlarmResult {
  size_t alarm = 0;  // index into Plan::alarms
  bool evaluated = false;
  int64_t first_period_ms = 0, end_ms = 0;
  std::vector<Datapoint> datapoints;  // every period with samples, in time order
  AlarmTimeline timeline;
  std::vector<AlarmPeriodEvents> alarm_periods;  // the breaching periods of ALARM episodes
};

struct ReplaySummary {
  uint64_t files = 0, digest_files = 0, other_files = 0;
  uint64_t bytes = 0;            // compressed bytes read
  uint64_t events = 0;           // events read
  uint64_t events_replayed = 0;  // within --from/--to, with an eventTime
  uint64_t before_from = 0, after_to = 0;
  uint64_t no_event_time = 0;    // not JSON, or without a valid eventTime
  uint64_t too_long = 0;
  uint64_t unusable_values = 0;  // matches whose `$.field` metric value was not a number
  std::optional<int64_t> first_event_ms, last_event_ms;  // of the replayed events
  std::vector<uint64_t> filter_matches;                  // per Plan::filters
  std::vector<FileProblem> problems;
  double seconds = 0;
  size_t threads = 0, readers = 0;
};

struct ReplayResult {
  ReplaySummary summary;
  std::vector<AlarmResult> alarms;  // one per Plan::alarms, same order
  bool has_window = false;          // false: no event and no --from/--to: nothing evaluated
  int64_t start_ms = 0, end_ms = 0;
};

// Runs the replay. Errors: a filter that cannot be compiled. Unreadable or corrupt input files
// are not errors: they are listed in summary.problems and the replay goes on.
StatusOr<ReplayResult> Replay(const Plan& plan, const InputList& inputs,
                              const ReplayOptions& options);

// The time in the first `"eventTime"` member of a JSON event, without parsing it (CloudTrail
// writes the top-level eventTime before any nested object that could hold one); exposed for
// tests.
std::optional<int64_t> ScanEventTime(std::string_view event);

// The day of the last event time parsed: consecutive events mostly share it.
struct EventTimeCache {
  char date[10] = {};
  int64_t day_ms = 0;
  bool valid = false;
};
// ScanEventTime with a cache (one per thread): the same results.
std::optional<int64_t> ScanEventTime(std::string_view event, EventTimeCache& cache);
// ParseIsoTime(s), reading only the time of day when the date is the cached one.
std::optional<int64_t> ParseEventTime(std::string_view s, EventTimeCache& cache);

}  // namespace vigil::replay

#endif  // VIGIL_REPLAY_REPLAY_H_
