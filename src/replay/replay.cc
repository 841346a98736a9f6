#include "replay/replay.h"

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <cstring>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <thread>
#include <unordered_map>

#include <fmt/format.h>
#include <simdjson.h>

#include "base/processors.h"
#include "base/text.h"
#include "replay/time_util.h"

namespace vigil::replay {
namespace {

constexpr size_t kPad = 64;  // simdjson's padding; also what MatchPadded needs

struct Slot {
  uint32_t offset = 0, length = 0;
  uint32_t file = 0;
  uint64_t line = 0, record = 0;
};

struct Chunk {
  std::string data;  // events back to back, then kPad bytes
  std::vector<Slot> slots;
};

// A bounded multi-producer, multi-consumer queue of chunks.
class ChunkQueue {
 public:
  explicit ChunkQueue(size_t capacity) : capacity_(capacity) {}
  void Push(std::unique_ptr<Chunk> c) {
    std::unique_lock<std::mutex> lock(mu_);
    not_full_.wait(lock, [&] { return q_.size() < capacity_; });
    q_.push_back(std::move(c));
    not_empty_.notify_one();
  }
  std::unique_ptr<Chunk> Pop() {  // nullptr once closed and drained
    std::unique_lock<std::mutex> lock(mu_);
    not_empty_.wait(lock, [&] { return !q_.empty() || closed_; });
    if (q_.empty()) return nullptr;
    auto c = std::move(q_.front());
    q_.pop_front();
    not_full_.notify_one();
    return c;
  }
  void Close() {
    std::lock_guard<std::mutex> lock(mu_);
    closed_ = true;
    not_empty_.notify_all();
  }
  // Chunks are reused: a fresh 1 MiB buffer costs a page fault per 4 KiB written (and glibc
  // maps and unmaps buffers that large), which took as long as matching. The number of chunks
  // stays bounded by the queue plus one per thread.
  void Recycle(std::unique_ptr<Chunk> c) {
    c->data.clear();
    c->slots.clear();
    std::lock_guard<std::mutex> lock(free_mu_);
    free_.push_back(std::move(c));
  }
  std::unique_ptr<Chunk> Fresh(size_t reserve) {
    {
      std::lock_guard<std::mutex> lock(free_mu_);
      if (!free_.empty()) {
        auto c = std::move(free_.back());
        free_.pop_back();
        return c;
      }
    }
    auto c = std::make_unique<Chunk>();
    c->data.reserve(reserve);
    return c;
  }

 private:
  size_t capacity_;
  std::mutex mu_;
  std::condition_variable not_full_, not_empty_;
  std::deque<std::unique_ptr<Chunk>> q_;
  bool closed_ = false;
  std::mutex free_mu_;
  std::vector<std::unique_ptr<Chunk>> free_;
};

class ChunkSink : public EventSink {
 public:
  ChunkSink(ChunkQueue& q, size_t chunk_bytes, std::atomic<uint64_t>& bytes,
            std::atomic<uint64_t>& events)
      : q_(q), chunk_bytes_(chunk_bytes), bytes_(bytes), events_(events) {}
  void set_file(uint32_t f) { file_ = f; }
  void Event(std::string_view text, bool minify, uint64_t line, uint64_t record) override {
    if (!chunk_) NewChunk();
    if (!chunk_->slots.empty() && chunk_->data.size() + text.size() + kPad > chunk_bytes_) {
      Flush();
      NewChunk();
    }
    std::string& d = chunk_->data;
    size_t at = d.size();
    if (minify) {
      d.resize(at + text.size() + kPad);
      size_t out_len = 0;
      if (simdjson::minify(text.data(), text.size(), d.data() + at, out_len)) {
        std::memcpy(d.data() + at, text.data(), text.size());
        out_len = text.size();
      }
      d.resize(at + out_len);
    } else {
      d.append(text);
    }
    d.push_back('\n');  // never part of an event; keeps events apart for readers of the buffer
    chunk_->slots.push_back({static_cast<uint32_t>(at), static_cast<uint32_t>(d.size() - 1 - at),
                             file_, line, record});
  }
  void BytesRead(uint64_t n) override { bytes_.fetch_add(n, std::memory_order_relaxed); }
  void Flush() {
    if (!chunk_ || chunk_->slots.empty()) return;
    chunk_->data.append(kPad, '\0');
    // Counted per chunk: an atomic add per event (its cache line shared with the threads'
    // queue) took a tenth of the reader's time.
    events_.fetch_add(chunk_->slots.size(), std::memory_order_relaxed);
    q_.Push(std::move(chunk_));
  }

 private:
  void NewChunk() { chunk_ = q_.Fresh(chunk_bytes_ + kPad); }
  ChunkQueue& q_;
  size_t chunk_bytes_;
  std::atomic<uint64_t>& bytes_;
  std::atomic<uint64_t>& events_;
  std::unique_ptr<Chunk> chunk_;
  uint32_t file_ = 0;
};

bool EventLess(const EventInfo& a, const EventInfo& b) {
  return std::tie(a.time_ms, a.file, a.line, a.record) < std::tie(b.time_ms, b.file, b.line, b.record);
}

// The contributing events of one metric in one minute: the `cap` first in (time, file, line,
// record) order are kept whatever the order they arrive in, so that reports do not depend on the
// number of threads.
struct MinuteEvents {
  std::vector<EventInfo> kept;
  uint64_t total = 0;
  void Keep(EventInfo e, size_t cap) {
    if (kept.size() < cap) {
      kept.push_back(std::move(e));
      return;
    }
    if (cap == 0) return;
    auto last = std::max_element(kept.begin(), kept.end(), EventLess);
    if (EventLess(e, *last)) *last = std::move(e);
  }
};

struct SeriesAcc {
  std::map<int64_t, Stats> minutes;
  std::map<int64_t, MinuteEvents> events;
};

std::string SeriesKey(size_t metric, const std::string& dims) {
  return fmt::format("{}\x1f{}", metric, dims);
}

// The string value of a top-level member, or "".
std::string_view Str(simdjson::dom::object o, std::string_view key) {
  std::string_view s;
  if (o[key].get_string().get(s)) return {};
  return s;
}

std::string UserOf(simdjson::dom::object ev) {
  simdjson::dom::object u;
  if (ev["userIdentity"].get_object().get(u)) return "";
  std::string_view type = Str(u, "type");
  if (type == "AWSService") return std::string(Str(u, "invokedBy"));
  std::string_view arn = Str(u, "arn");
  if (!arn.empty()) return std::string(arn);
  std::string_view name = Str(u, "userName");
  if (!name.empty()) return std::string(name);
  std::string_view principal = Str(u, "principalId");
  if (!type.empty() && !principal.empty()) return fmt::format("{}:{}", type, principal);
  return std::string(type);
}

// `$.a.b[0].c` -> the element there.
bool Resolve(simdjson::dom::element root, std::string_view ref, simdjson::dom::element* out) {
  if (!ref.starts_with("$.")) return false;
  std::string_view rest = ref.substr(2);
  simdjson::dom::element cur = root;
  while (!rest.empty()) {
    size_t end = rest.find_first_of(".[");
    std::string_view key = rest.substr(0, end);
    if (!key.empty()) {
      simdjson::dom::object o;
      if (cur.get_object().get(o) || o[key].get(cur)) return false;
    }
    if (end == std::string_view::npos) break;
    rest = rest.substr(end);
    if (rest[0] == '.') {
      rest.remove_prefix(1);
      continue;
    }
    size_t close = rest.find(']');
    if (close == std::string_view::npos) return false;
    uint64_t idx = 0;
    for (char c : rest.substr(1, close - 1)) {
      if (c < '0' || c > '9') return false;
      idx = idx * 10 + static_cast<uint64_t>(c - '0');
    }
    simdjson::dom::array a;
    if (cur.get_array().get(a) || a.at(idx).get(cur)) return false;
    rest = rest.substr(close + 1);
    if (!rest.empty() && rest[0] == '.') rest.remove_prefix(1);
  }
  *out = cur;
  return true;
}

std::optional<double> NumberAt(simdjson::dom::element root, std::string_view ref) {
  simdjson::dom::element e;
  if (!Resolve(root, ref, &e)) return std::nullopt;
  double d;
  if (!e.get_double().get(d)) return d;
  std::string_view s;
  if (!e.get_string().get(s)) return ParsePatternNumber(s);
  return std::nullopt;
}

std::optional<std::string> TextAt(simdjson::dom::element root, std::string_view ref) {
  simdjson::dom::element e;
  if (!Resolve(root, ref, &e)) return std::nullopt;
  std::string_view s;
  if (!e.get_string().get(s)) return std::string(s);
  double d;
  if (!e.get_double().get(d)) return FormatNumber(d);
  bool b;
  if (!e.get_bool().get(b)) return std::string(b ? "true" : "false");
  return std::nullopt;
}

// The string value of the first `"key"` member in raw JSON text.
std::optional<std::string_view> ScanString(std::string_view ev, std::string_view quoted_key) {
  size_t pos = ev.find(quoted_key);
  if (pos == std::string_view::npos) return std::nullopt;
  size_t i = pos + quoted_key.size();
  while (i < ev.size() && IsSpace(ev[i])) ++i;
  if (i >= ev.size() || ev[i] != ':') return std::nullopt;
  ++i;
  while (i < ev.size() && IsSpace(ev[i])) ++i;
  if (i >= ev.size() || ev[i] != '"') return std::nullopt;
  size_t start = ++i;
  size_t end = ev.find('"', start);
  if (end == std::string_view::npos) return std::nullopt;
  return ev.substr(start, end - start);
}

struct Shared {
  const Plan& plan;
  const ReplayOptions& options;
  std::shared_ptr<const pattern::PatternSet> set;
  // Per filter: the compiled pattern, for `$name` metric values of delimited patterns.
  std::vector<std::shared_ptr<const pattern::CompiledPattern>> extractors;
  std::vector<bool> filter_has_default;
  std::vector<bool> group_needs_ingest;  // some filter on it has a defaultValue
  bool any_regional = false;             // some log group receives only some regions
};

struct Worker {
  explicit Worker(const Shared& s)
      : shared(s), ctx(s.options.match), filter_matches(s.plan.filters.size(), 0),
        ingest(s.plan.log_groups.size()), matched_minutes(s.plan.filters.size()) {}

  const Shared& shared;
  pattern::MatchContext ctx;
  simdjson::dom::parser dom;
  std::vector<uint8_t> hits;
  std::unordered_map<std::string, SeriesAcc> series;
  std::vector<uint64_t> filter_matches;
  std::vector<std::set<int64_t>> ingest;           // per log group, minutes with events
  std::vector<std::set<int64_t>> matched_minutes;  // per filter with a defaultValue
  uint64_t replayed = 0, before = 0, after = 0, no_time = 0, unusable = 0;
  std::optional<int64_t> first, last;
  EventTimeCache time_cache;

  static bool Receives(const LogGroup& lg, std::string_view region) {
    if (lg.event_regions.empty()) return true;
    return std::find(lg.event_regions.begin(), lg.event_regions.end(), region) !=
           lg.event_regions.end();
  }

  void Run(const Chunk& c) {
    const Plan& plan = shared.plan;
    const ReplayOptions& o = shared.options;
    for (const Slot& s : c.slots) {
      std::string_view ev(c.data.data() + s.offset, s.length);
      std::optional<int64_t> t = ScanEventTime(ev, time_cache);
      if (!t) {
        ++no_time;
        continue;
      }
      if (o.from_ms && *t < *o.from_ms) {
        ++before;
        continue;
      }
      if (o.to_ms && *t >= *o.to_ms) {
        ++after;
        continue;
      }
      ++replayed;
      if (!first || *t < *first) first = *t;
      if (!last || *t > *last) last = *t;
      const int64_t minute = FloorTo(*t, 60000);
      std::optional<std::string_view> fast_region;
      bool region_known = false;
      for (size_t g = 0; g < plan.log_groups.size(); ++g) {
        if (!shared.group_needs_ingest[g]) continue;
        if (!plan.log_groups[g].event_regions.empty() && !region_known) {
          fast_region = ScanString(ev, "\"awsRegion\"");
          region_known = true;
        }
        if (Receives(plan.log_groups[g], fast_region.value_or(""))) ingest[g].insert(minute);
      }
      shared.set->MatchPadded(ev, ctx, hits);
      bool any = false;
      for (uint8_t h : hits) any |= h != 0;
      if (!any) continue;
      Matched(ev, s, *t, hits);
    }
  }

  void Matched(std::string_view ev, const Slot& s, int64_t scanned_time,
               const std::vector<uint8_t>& hit) {
    const Plan& plan = shared.plan;
    simdjson::dom::element root;
    simdjson::dom::object obj;
    bool json = !dom.parse(ev.data(), ev.size(), false).get(root) && !root.get_object().get(obj);
    EventInfo info;
    info.time_ms = scanned_time;
    if (json) {
      if (auto t = ParseIsoTime(Str(obj, "eventTime"))) info.time_ms = *t;
      info.event_name = Str(obj, "eventName");
      info.event_source = Str(obj, "eventSource");
      info.source_ip = Str(obj, "sourceIPAddress");
      info.event_id = Str(obj, "eventID");
      info.region = Str(obj, "awsRegion");
      info.user = UserOf(obj);
    }
    info.file = s.file;
    info.line = s.line;
    info.record = s.record;
    const int64_t minute = FloorTo(info.time_ms, 60000);
    const size_t cap = shared.options.max_events_per_period;
    for (size_t f = 0; f < hit.size(); ++f) {
      if (!hit[f]) continue;
      const Filter& filter = plan.filters[f];
      if (!Receives(plan.log_groups[filter.log_group], info.region)) continue;
      ++filter_matches[f];
      if (shared.filter_has_default[f]) matched_minutes[f].insert(minute);
      pattern::ExtractedValues extracted;
      bool extracted_done = false;
      auto lookup = [&](const std::string& ref) -> std::optional<std::string> {
        if (ref.starts_with("$.")) {
          if (!json) return std::nullopt;
          return TextAt(root, ref);
        }
        if (!extracted_done && shared.extractors[f]) {
          extracted = shared.extractors[f]->Extract(ev, ctx);
          extracted_done = true;
        }
        for (const auto& [k, v] : extracted) {
          if (k == ref) return v;
        }
        return std::nullopt;
      };
      for (const Transformation& t : filter.transformations) {
        double value;
        if (t.literal) {
          value = *t.literal;
        } else {
          std::optional<double> v;
          if (t.metric_value.starts_with("$.")) {
            if (json) v = NumberAt(root, t.metric_value);
          } else if (auto text = lookup(t.metric_value)) {
            v = ParsePatternNumber(*text);
          }
          if (!v) {
            ++unusable;
            continue;
          }
          value = *v;
        }
        std::string dims;
        bool dims_ok = true;
        for (const auto& [name, ref] : t.dimensions) {
          auto v = lookup(ref);
          if (!v) {
            dims_ok = false;
            break;
          }
          if (!dims.empty()) dims += ',';
          dims += name + "=" + *v;
        }
        if (!dims_ok) {
          ++unusable;
          continue;
        }
        SeriesAcc& acc = series[SeriesKey(t.metric, dims)];
        acc.minutes[minute].Add(value);
        MinuteEvents& me = acc.events[minute];
        ++me.total;
        EventInfo copy = info;
        copy.value = value;
        me.Keep(std::move(copy), cap);
      }
    }
  }

  void MergeInto(Worker& into) {
    for (auto& [key, acc] : series) {
      SeriesAcc& dst = into.series[key];
      for (auto& [m, st] : acc.minutes) dst.minutes[m].Merge(st);
      for (auto& [m, me] : acc.events) {
        MinuteEvents& d = dst.events[m];
        d.total += me.total;
        for (auto& e : me.kept) d.Keep(std::move(e), shared.options.max_events_per_period);
      }
    }
    for (size_t i = 0; i < filter_matches.size(); ++i) into.filter_matches[i] += filter_matches[i];
    for (size_t g = 0; g < ingest.size(); ++g) into.ingest[g].insert(ingest[g].begin(), ingest[g].end());
    for (size_t f = 0; f < matched_minutes.size(); ++f) {
      into.matched_minutes[f].insert(matched_minutes[f].begin(), matched_minutes[f].end());
    }
    into.replayed += replayed;
    into.before += before;
    into.after += after;
    into.no_time += no_time;
    into.unusable += unusable;
    if (first && (!into.first || *first < *into.first)) into.first = first;
    if (last && (!into.last || *last > *into.last)) into.last = last;
  }
};

}  // namespace

namespace {

bool Digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

std::optional<int64_t> ParseEventTime(std::string_view s, EventTimeCache& cache) {
  // `YYYY-MM-DDTHH:MM:SSZ` on the day of the previous event: only the time of day is read,
  // with the checks ParseIsoTime makes.
  if (cache.valid && s.size() == 20 && std::memcmp(s.data(), cache.date, 10) == 0 &&
      s[10] == 'T' && s[13] == ':' && s[16] == ':' && s[19] == 'Z' && Digit(s[11]) &&
      Digit(s[12]) && Digit(s[14]) && Digit(s[15]) && Digit(s[17]) && Digit(s[18])) {
    int h = (s[11] - '0') * 10 + (s[12] - '0');
    int mi = (s[14] - '0') * 10 + (s[15] - '0');
    int sec = (s[17] - '0') * 10 + (s[18] - '0');
    if (h <= 23 && mi <= 59 && sec <= 59) {
      return cache.day_ms + (h * 3600 + mi * 60 + sec) * int64_t{1000};
    }
    return std::nullopt;
  }
  std::optional<int64_t> t = ParseIsoTime(s);
  if (t) {
    // A valid time starts with a valid date.
    if (auto day = ParseIsoTime(s.substr(0, 10))) {
      std::memcpy(cache.date, s.data(), 10);
      cache.day_ms = *day;
      cache.valid = true;
    }
  }
  return t;
}

std::optional<int64_t> ScanEventTime(std::string_view event) {
  EventTimeCache cache;
  return ScanEventTime(event, cache);
}

std::optional<int64_t> ScanEventTime(std::string_view event, EventTimeCache& cache) {
  // The first `"eventTime"`, found by its 'T': a JSON event has many '"' (which
  // string_view::find would stop at) and few capital Ts before its eventTime.
  constexpr std::string_view kKey = "\"eventTime\"";
  constexpr size_t kT = 6;  // where the 'T' is in kKey
  const char* p = event.data();
  const size_t n = event.size();
  size_t from = kT;
  while (from + (kKey.size() - kT) <= n) {
    const void* hit = std::memchr(p + from, 'T', n - from - (kKey.size() - kT) + 1);
    if (!hit) return std::nullopt;
    size_t at = static_cast<size_t>(static_cast<const char*>(hit) - p) - kT;
    if (std::memcmp(p + at, kKey.data(), kKey.size()) == 0) {
      auto s = ScanString(event.substr(at), kKey);
      if (!s) return std::nullopt;
      return ParseEventTime(*s, cache);
    }
    from = at + kT + 1;
  }
  return std::nullopt;
}

StatusOr<ReplayResult> Replay(const Plan& plan, const InputList& inputs,
                              const ReplayOptions& options) {
  auto started = std::chrono::steady_clock::now();
  std::vector<pattern::Pattern> patterns;
  for (const Filter& f : plan.filters) patterns.push_back(f.pattern);
  auto set = pattern::PatternSet::Compile(patterns, options.match);
  if (!set.ok()) return set.status();
  Shared shared{plan, options, *set, {}, {}, {}, false};
  shared.group_needs_ingest.assign(plan.log_groups.size(), false);
  for (const Filter& f : plan.filters) {
    bool has_default = false, needs_extract = false;
    for (const Transformation& t : f.transformations) {
      has_default |= t.default_value.has_value();
      if (!t.literal && !t.metric_value.starts_with("$.")) needs_extract = true;
      for (const auto& d : t.dimensions) needs_extract |= !d.second.starts_with("$.");
    }
    shared.filter_has_default.push_back(has_default);
    if (has_default) shared.group_needs_ingest[f.log_group] = true;
    std::shared_ptr<const pattern::CompiledPattern> cp;
    if (needs_extract) {
      auto c = pattern::CompiledPattern::Compile(f.pattern, options.match);
      if (!c.ok()) return c.status();
      cp = *c;
    }
    shared.extractors.push_back(cp);
  }

  size_t threads = options.threads ? options.threads
                                   : static_cast<size_t>(AvailableProcessors());
  size_t files = inputs.files.size();
  size_t readers = options.readers ? options.readers : std::max<size_t>(1, threads / 2);
  readers = std::max<size_t>(1, std::min(readers, std::max<size_t>(files, 1)));
  ChunkQueue queue(options.queue_chunks ? options.queue_chunks : 2 * threads);

  // Each on its own cache line: the reader threads update them while other threads take and
  // release the queue's lock.
  alignas(64) std::atomic<uint64_t> bytes{0};
  alignas(64) std::atomic<uint64_t> events{0};
  alignas(64) std::atomic<uint64_t> files_done{0};
  std::atomic<size_t> next_file{0};
  std::vector<ReadOutcome> outcomes(files);

  std::vector<std::unique_ptr<Worker>> workers;
  for (size_t i = 0; i < threads; ++i) workers.push_back(std::make_unique<Worker>(shared));
  std::vector<std::thread> worker_threads;
  for (size_t i = 0; i < threads; ++i) {
    worker_threads.emplace_back([&, i] {
      while (auto c = queue.Pop()) {
        workers[i]->Run(*c);
        queue.Recycle(std::move(c));
      }
    });
  }
  std::vector<std::thread> reader_threads;
  std::atomic<size_t> readers_left{readers};
  std::mutex done_mu;
  std::condition_variable done_cv;
  for (size_t r = 0; r < readers; ++r) {
    reader_threads.emplace_back([&] {
      ChunkSink sink(queue, options.chunk_bytes, bytes, events);
      while (true) {
        size_t f = next_file.fetch_add(1);
        if (f >= files) break;
        sink.set_file(static_cast<uint32_t>(f));
        outcomes[f] = ReadEvents(inputs.files[f], options.read, sink);
        files_done.fetch_add(1);
      }
      sink.Flush();
      if (readers_left.fetch_sub(1) == 1) {
        std::lock_guard<std::mutex> lock(done_mu);
        done_cv.notify_all();
      }
    });
  }
  uint64_t total_bytes = 0;
  for (const InputFile& f : inputs.files) total_bytes += f.size;
  {
    std::unique_lock<std::mutex> lock(done_mu);
    while (!done_cv.wait_for(lock, std::chrono::milliseconds(200),
                             [&] { return readers_left.load() == 0; })) {
      if (options.progress) {
        Progress p{bytes.load(), total_bytes, events.load(), files_done.load(), files,
                   std::chrono::duration<double>(std::chrono::steady_clock::now() - started)
                       .count()};
        lock.unlock();
        options.progress(p);
        lock.lock();
      }
    }
  }
  for (auto& t : reader_threads) t.join();
  queue.Close();
  for (auto& t : worker_threads) t.join();

  Worker& all = *workers[0];
  for (size_t i = 1; i < workers.size(); ++i) workers[i]->MergeInto(all);

  // defaultValue: one sample in every minute the log group received events and the filter
  // matched none (docs/replay.md §3.3).
  for (size_t f = 0; f < plan.filters.size(); ++f) {
    if (!shared.filter_has_default[f]) continue;
    const Filter& filter = plan.filters[f];
    for (const Transformation& t : filter.transformations) {
      if (!t.default_value) continue;
      SeriesAcc& acc = all.series[SeriesKey(t.metric, "")];
      for (int64_t m : all.ingest[filter.log_group]) {
        if (!all.matched_minutes[f].count(m)) acc.minutes[m].Add(*t.default_value);
      }
    }
  }

  ReplayResult result;
  ReplaySummary& sum = result.summary;
  sum.files = files;
  sum.digest_files = inputs.digest_files;
  sum.other_files = inputs.other_files;
  sum.bytes = bytes.load();
  sum.events = events.load();
  for (size_t f = 0; f < files; ++f) {
    sum.too_long += outcomes[f].too_long;
    sum.events += outcomes[f].too_long;
    if (outcomes[f].problem) {
      sum.problems.push_back({inputs.files[f].path == "-" ? "<stdin>" : inputs.files[f].path,
                              *outcomes[f].problem, outcomes[f].partial});
    }
  }
  sum.events_replayed = all.replayed;
  sum.before_from = all.before;
  sum.after_to = all.after;
  sum.no_event_time = all.no_time;
  sum.unusable_values = all.unusable;
  sum.first_event_ms = all.first;
  sum.last_event_ms = all.last;
  sum.filter_matches = all.filter_matches;
  sum.threads = threads;
  sum.readers = readers;

  result.has_window = all.first.has_value() || (options.from_ms && options.to_ms);
  if (result.has_window) {
    result.start_ms = options.from_ms ? *options.from_ms : *all.first;
    result.end_ms = options.to_ms ? *options.to_ms : (all.last ? *all.last : result.start_ms);
  }
  for (size_t a = 0; a < plan.alarms.size(); ++a) {
    const Alarm& alarm = plan.alarms[a];
    AlarmResult ar;
    ar.alarm = a;
    if (!alarm.metric || !result.has_window) {
      result.alarms.push_back(std::move(ar));
      continue;
    }
    ar.evaluated = true;
    const AlarmSpec& spec = alarm.spec;
    const int64_t period = spec.period_seconds * 1000;
    std::map<int64_t, Stats> periods;
    std::map<int64_t, double> values;
    auto it = all.series.find(SeriesKey(*alarm.metric, alarm.dimensions));
    if (it != all.series.end()) {
      for (const auto& [m, st] : it->second.minutes) periods[FloorTo(m, period)].Merge(st);
    }
    for (const auto& [p, st] : periods) {
      double v = st.Get(spec.statistic);
      values[p] = v;
      ar.datapoints.push_back({p, st, v, Breaches(spec, v)});
    }
    ar.first_period_ms = FloorTo(result.start_ms, period);
    ar.end_ms = options.to_ms ? *options.to_ms : FloorTo(result.end_ms, period) + period;
    ar.timeline = EvaluateAlarm(spec, values, ar.first_period_ms, ar.end_ms, options.eval);
    std::set<int64_t> alarm_periods;
    for (const AlarmEpisode& e : ar.timeline.episodes) {
      alarm_periods.insert(e.breaching_periods.begin(), e.breaching_periods.end());
    }
    for (int64_t p : alarm_periods) {
      AlarmPeriodEvents pe;
      pe.period_ms = p;
      uint64_t total = 0;
      if (it != all.series.end()) {
        auto& evs = it->second.events;
        for (auto e = evs.lower_bound(p); e != evs.end() && e->first < p + period; ++e) {
          total += e->second.total;
          pe.events.insert(pe.events.end(), e->second.kept.begin(), e->second.kept.end());
        }
      }
      std::sort(pe.events.begin(), pe.events.end(), EventLess);
      if (pe.events.size() > options.max_events_per_period) {
        pe.events.resize(options.max_events_per_period);
      }
      pe.omitted = total - pe.events.size();
      ar.alarm_periods.push_back(std::move(pe));
    }
    result.alarms.push_back(std::move(ar));
  }
  sum.seconds =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
  return result;
}

}  // namespace vigil::replay
