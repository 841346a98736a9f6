#include "replay/input.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>
#include <filesystem>
#include <system_error>

#include <fmt/format.h>
#include <simdjson.h>

#include "base/text.h"
#include "replay/time_util.h"

namespace vigil::replay {
namespace {

namespace fs = std::filesystem;

bool HasEventExtension(std::string_view name) {
  if (name.ends_with(".gz")) name.remove_suffix(3);
  return name.ends_with(".json") || name.ends_with(".jsonl") || name.ends_with(".ndjson") ||
         name.ends_with(".log");
}

constexpr size_t kBlock = 1 << 20;
constexpr size_t kPad = simdjson::SIMDJSON_PADDING;

// Plain files at least this large are mapped instead of read.
constexpr uint64_t kMapMin = uint64_t{1} << 20;

// The bytes of one file, read block by block through zlib (which passes plain files through), or,
// for a large plain file, mapped into memory whole: reading copied every byte from the page cache
// once more than needed (a tenth of a replay's time). The mapping is followed by kPad zero bytes
// (an anonymous mapping under it), so that documents can be parsed in place as from the buffer.
class Source {
 public:
  explicit Source(const InputFile& f) : name_(f.path == "-" ? "<stdin>" : f.path) {
    if (f.path != "-" && f.size >= kMapMin && Map(f.path)) return;
    buf_.resize(kBlock + kPad);
    if (f.path == "-") {
      int fd = dup(0);
      gz_ = fd < 0 ? nullptr : gzdopen(fd, "rb");
    } else {
      gz_ = gzopen(f.path.c_str(), "rb");
    }
    if (gz_) gzbuffer(gz_, 1 << 18);
  }
  ~Source() {
    if (gz_) gzclose(gz_);
    if (map_) munmap(map_, map_len_);
  }
  bool opened() const { return gz_ != nullptr || map_ != nullptr; }

  // Mapped files: reports the bytes before `upto` as read, and lets the kernel drop the pages
  // behind them (every event there has been copied into a chunk), so that resident memory stays
  // bounded. Nothing for files read through zlib.
  void Consumed(EventSink& sink, size_t upto, bool drop_pages) {
    if (!map_ || upto <= raw_ || (upto < len_ && upto - raw_ < kBlock)) return;
    sink.BytesRead(upto - raw_);
    raw_ = upto;
    if (!drop_pages) return;
    size_t page = static_cast<size_t>(sysconf(_SC_PAGESIZE));
    size_t until = upto / page * page;
    if (until >= dropped_ + (size_t{16} << 20)) {
      madvise(map_ + dropped_, until - dropped_, MADV_DONTNEED);
      dropped_ = until;
    }
  }
  const std::string& name() const { return name_; }

  // Appends up to one block; false at the end or on an error (see error()).
  bool Fill(EventSink& sink) {
    if (map_) {
      Consumed(sink, len_, false);
      return false;
    }
    if (eof_ || !gz_) return false;
    if (begin_ > 0 && (begin_ >= len_ / 2 || len_ + kBlock + kPad > buf_.size())) {
      std::memmove(buf_.data(), buf_.data() + begin_, len_ - begin_);
      len_ -= begin_;
      scan_ -= begin_;
      begin_ = 0;
    }
    if (len_ + kBlock + kPad > buf_.size()) buf_.resize(std::max(buf_.size() * 2, len_ + kBlock + kPad));
    int n = gzread(gz_, buf_.data() + len_, static_cast<unsigned>(kBlock));
    z_off_t raw = gzoffset(gz_);
    if (raw >= 0) {
      sink.BytesRead(static_cast<uint64_t>(raw) - raw_);
      raw_ = static_cast<uint64_t>(raw);
    }
    if (n < 0) {
      int errnum = 0;
      const char* msg = gzerror(gz_, &errnum);
      error_ = errnum == Z_ERRNO ? std::string(std::strerror(errno)) : std::string(msg);
      eof_ = true;
      return false;
    }
    if (n == 0) {
      // A stream that ends inside a gzip member reads as the end of input; zlib records it.
      int errnum = 0;
      const char* msg = gzerror(gz_, &errnum);
      if (errnum != Z_OK) error_ = msg;
      eof_ = true;
      return false;
    }
    len_ += static_cast<size_t>(n);
    std::memset(buf_.data() + len_, 0, kPad);
    return true;
  }
  // Reads everything that is left.
  void FillAll(EventSink& sink, size_t limit) {
    while (len_ - begin_ <= limit && Fill(sink)) {
    }
  }

  char* data() { return map_ ? map_ : buf_.data(); }
  size_t capacity() const { return map_ ? map_len_ : buf_.size(); }
  size_t begin_ = 0, len_ = 0, scan_ = 0;
  bool eof_ = false;
  std::string error_;
  uint64_t raw_ = 0;

 private:
  // Maps a plain (not gzip) regular file; false to read it through zlib instead.
  bool Map(const std::string& path) {
    int fd = open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    struct stat st;
    unsigned char magic[2] = {0, 0};
    bool plain = fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
                 static_cast<uint64_t>(st.st_size) >= kMapMin && pread(fd, magic, 2, 0) == 2 &&
                 !(magic[0] == 0x1f && magic[1] == 0x8b);
    if (!plain) {
      close(fd);
      return false;
    }
    size_t size = static_cast<size_t>(st.st_size);
    size_t total = size + kPad;
    void* base = mmap(nullptr, total, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (base == MAP_FAILED) {
      close(fd);
      return false;
    }
    void* file = mmap(base, size, PROT_READ, MAP_PRIVATE | MAP_FIXED, fd, 0);
    close(fd);
    if (file == MAP_FAILED) {
      munmap(base, total);
      return false;
    }
    madvise(base, size, MADV_SEQUENTIAL);
    map_ = static_cast<char*>(base);
    map_len_ = total;
    len_ = size;
    eof_ = true;
    return true;
  }

  std::string name_;
  gzFile gz_ = nullptr;
  std::vector<char> buf_;
  char* map_ = nullptr;
  size_t map_len_ = 0;
  size_t dropped_ = 0;
};

std::string_view TrimRight(std::string_view s) {
  while (!s.empty() && IsSpace(s.back())) s.remove_suffix(1);
  return s;
}
std::string_view TrimLeft(std::string_view s) {
  while (!s.empty() && IsSpace(s.front())) s.remove_prefix(1);
  return s;
}

// The text of one value of a document being iterated (objects and arrays whole).
simdjson::simdjson_result<std::string_view> RawJson(simdjson::ondemand::value& v) {
  simdjson::ondemand::json_type t;
  if (auto err = v.type().get(t)) return err;
  if (t == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object o;
    if (auto err = v.get_object().get(o)) return err;
    return o.raw_json();
  }
  if (t == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array a;
    if (auto err = v.get_array().get(a)) return err;
    return a.raw_json();
  }
  return v.raw_json_token();
}

// `{ "Records"` at the start of a line: a CloudTrail log document, not an event.
bool StartsRecordsDocument(std::string_view s) {
  if (s.empty() || s[0] != '{') return false;
  s = TrimLeft(s.substr(1));
  return s.starts_with("\"Records\"");
}

class FileReader {
 public:
  FileReader(const InputFile& file, const ReadOptions& options, EventSink& sink)
      : src_(file), options_(options), sink_(sink) {}

  ReadOutcome Run() {
    if (!src_.opened()) {
      Problem(fmt::format("cannot open: {}", std::strerror(errno)));
      return out_;
    }
    // The first significant byte decides between lines and one multi-line document.
    char first = 0;
    while (true) {
      std::string_view rest(src_.data() + src_.begin_, src_.len_ - src_.begin_);
      size_t i = 0;
      while (i < rest.size() && IsSpace(rest[i])) ++i;
      if (i < rest.size()) {
        first = rest[i];
        break;
      }
      if (!src_.Fill(sink_)) {
        if (!src_.error_.empty()) Problem(ReadError());
        return out_;  // empty or blank file: no events
      }
    }
    if (first == '[') return Document();
    if (first == '{') {
      // One line that is valid JSON: lines. Otherwise a pretty-printed document.
      std::optional<std::string_view> line = NextLine();
      if (!line) return out_;
      std::string_view l = TrimRight(TrimLeft(*line));
      // A CloudTrail S3 object is one line `{"Records":[...]}`: parsed once, as a document, below.
      bool valid = StartsRecordsDocument(l) && l.back() == '}';
      simdjson::dom::element e;
      if (!valid) valid = !dom_.parse(l.data(), l.size(), true).get(e);
      if (!valid) {
        src_.begin_ = 0;  // the first line starts the buffer: nothing was compacted yet
        src_.scan_ = 0;
        line_no_ = 0;
        return Document();
      }
      HandleLine(*line);
    }
    while (auto line = NextLine()) HandleLine(*line);
    return out_;
  }

 private:
  std::string ReadError() {
    return fmt::format("corrupt or truncated compressed data ({}) after {} bytes of input",
                       src_.error_, src_.raw_);
  }
  void Problem(std::string what) {
    if (out_.problem) return;
    out_.problem = std::move(what);
    out_.partial = out_.events > 0;
  }

  // The next line (without '\n'), or nullopt at the end of the file or after a problem.
  std::optional<std::string_view> NextLine() {
    if (out_.problem) return std::nullopt;
    while (true) {
      const char* base = src_.data();
      const void* nl = src_.scan_ < src_.len_
                           ? std::memchr(base + src_.scan_, '\n', src_.len_ - src_.scan_)
                           : nullptr;
      if (nl) {
        size_t end = static_cast<const char*>(nl) - base;
        src_.Consumed(sink_, src_.begin_, true);  // the lines before this one
        std::string_view line(base + src_.begin_, end - src_.begin_);
        src_.begin_ = src_.scan_ = end + 1;
        ++line_no_;
        return line;
      }
      src_.scan_ = src_.len_;
      if (src_.len_ - src_.begin_ > options_.max_document_bytes) {
        Problem(fmt::format("line {}: longer than {} bytes (the document size limit)",
                            line_no_ + 1, options_.max_document_bytes));
        return std::nullopt;
      }
      if (!src_.Fill(sink_)) {
        if (!src_.error_.empty()) {
          Problem(ReadError() + fmt::format(", in line {}", line_no_ + 1));
          return std::nullopt;
        }
        if (src_.begin_ < src_.len_) {
          std::string_view line(src_.data() + src_.begin_, src_.len_ - src_.begin_);
          src_.begin_ = src_.scan_ = src_.len_;
          ++line_no_;
          return line;
        }
        return std::nullopt;
      }
    }
  }

  void HandleLine(std::string_view line) {
    line = TrimRight(line);
    std::string_view text = TrimLeft(line);
    if (text.empty()) return;
    // A CloudWatch Logs export line: "2024-03-12T09:14:05.123Z {...}".
    if (text[0] >= '0' && text[0] <= '9') {
      size_t sp = text.find(' ');
      if (sp != std::string_view::npos && ParseIsoTime(text.substr(0, sp))) {
        std::string_view rest = TrimLeft(text.substr(sp + 1));
        if (!rest.empty() && rest[0] == '{') text = rest;
      }
    }
    if (StartsRecordsDocument(text)) {
      ParseDocument(text, fmt::format("line {}", line_no_));
      return;
    }
    Emit(text, false, 0);
  }

  void Emit(std::string_view text, bool minify, uint64_t record) {
    if (text.size() > options_.max_event_bytes) {
      ++out_.too_long;
      return;
    }
    ++out_.events;
    sink_.Event(text, minify, line_no_, record);
  }

  ReadOutcome Document() {
    src_.FillAll(sink_, options_.max_document_bytes);
    if (!src_.error_.empty()) {
      Problem(ReadError());
      return out_;
    }
    if (src_.len_ - src_.begin_ > options_.max_document_bytes) {
      Problem(fmt::format("a JSON document longer than {} bytes (the document size limit)",
                          options_.max_document_bytes));
      return out_;
    }
    line_no_ = 1;
    std::string_view doc(src_.data() + src_.begin_, src_.len_ - src_.begin_);
    ParseDocument(TrimRight(doc), "");
    return out_;
  }

  // A whole JSON document: {"Records": [...]}, [...] or a single event. Nothing is handed out
  // unless the whole document is valid.
  void ParseDocument(std::string_view text, const std::string& where) {
    std::string prefix = where.empty() ? "" : where + ": ";
    // `text` lies inside the read buffer, which has at least kPad readable bytes after len_.
    size_t avail = static_cast<size_t>(src_.data() + src_.capacity() - text.data());
    simdjson::padded_string_view psv(text.data(), text.size(), avail);
    simdjson::ondemand::document doc;
    std::vector<std::string_view> records;
    auto fail = [&](simdjson::error_code err, std::string_view what) {
      doc_problems_++;
      std::string msg = fmt::format("{}not a valid CloudTrail log document ({}): {}", prefix,
                                    what, simdjson::error_message(err));
      if (where.empty()) {
        Problem(msg);
      } else if (!out_.problem) {
        // One broken line does not end a file of lines; the first is reported, all are counted.
        first_doc_problem_ = first_doc_problem_.empty() ? msg : first_doc_problem_;
      }
    };
    if (auto err = ondemand_.iterate(psv).get(doc)) return fail(err, "parse");
    simdjson::ondemand::json_type type;
    if (auto err = doc.type().get(type)) return fail(err, "parse");
    bool single = false;
    if (type == simdjson::ondemand::json_type::array) {
      simdjson::ondemand::array arr;
      if (auto err = doc.get_array().get(arr)) return fail(err, "array");
      for (auto v : arr) {
        simdjson::ondemand::value val;
        if (auto err = v.get(val)) return fail(err, "array element");
        std::string_view raw;
        if (auto err = RawJson(val).get(raw)) return fail(err, "array element");
        records.push_back(raw);
      }
    } else if (type == simdjson::ondemand::json_type::object) {
      simdjson::ondemand::object obj;
      if (auto err = doc.get_object().get(obj)) return fail(err, "object");
      simdjson::ondemand::array arr;
      auto rec = obj.find_field_unordered("Records");
      if (rec.error() == simdjson::NO_SUCH_FIELD) {
        single = true;
      } else if (auto err = rec.get_array().get(arr)) {
        return fail(err, "\"Records\" must be an array");
      } else {
        for (auto v : arr) {
          simdjson::ondemand::value val;
          if (auto err = v.get(val)) return fail(err, "Records element");
          std::string_view raw;
          if (auto err = RawJson(val).get(raw)) return fail(err, "Records element");
          records.push_back(raw);
        }
      }
    } else {
      return fail(simdjson::INCORRECT_TYPE, "expected {\"Records\": [...]}, an array or an event");
    }
    if (single) {
      // Validate the whole event before handing it out.
      simdjson::dom::element e;
      if (auto err = dom_.parse(text.data(), text.size(), true).get(e)) return fail(err, "event");
      Emit(text, true, 1);
      return;
    }
    uint64_t n = 0;
    for (std::string_view r : records) Emit(r, true, ++n);
  }

 public:
  ReadOutcome Finish() {
    if (!out_.problem && doc_problems_ > 0) {
      out_.problem = doc_problems_ == 1
                         ? first_doc_problem_
                         : fmt::format("{} (and {} more broken documents)", first_doc_problem_,
                                       doc_problems_ - 1);
      out_.partial = out_.events > 0;
    }
    return out_;
  }

 private:
  Source src_;
  ReadOptions options_;
  EventSink& sink_;
  ReadOutcome out_;
  uint64_t line_no_ = 0;
  uint64_t doc_problems_ = 0;
  std::string first_doc_problem_;
  simdjson::ondemand::parser ondemand_;
  simdjson::dom::parser dom_;
};

}  // namespace

bool IsDigestPath(std::string_view path) {
  return path.find("/CloudTrail-Digest/") != std::string_view::npos ||
         path.find("_CloudTrail-Digest_") != std::string_view::npos ||
         path.starts_with("CloudTrail-Digest/");
}

StatusOr<InputList> ListInputs(const std::vector<std::string>& paths) {
  InputList out;
  for (const std::string& p : paths) {
    if (p == "-") {
      out.files.push_back({"-", 0});
      continue;
    }
    std::error_code ec;
    fs::file_status st = fs::status(p, ec);
    if (ec || !fs::exists(st)) {
      return NotFound(fmt::format("{}: no such file or directory", p));
    }
    if (fs::is_directory(st)) {
      std::vector<InputFile> found;
      fs::recursive_directory_iterator it(p, fs::directory_options::skip_permission_denied, ec);
      if (ec) return IoError(fmt::format("{}: cannot list: {}", p, ec.message()));
      for (; it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (ec) return IoError(fmt::format("{}: cannot list: {}", p, ec.message()));
        if (!it->is_regular_file(ec)) continue;
        std::string path = it->path().string();
        if (IsDigestPath(path)) {
          ++out.digest_files;
        } else if (HasEventExtension(it->path().filename().string())) {
          found.push_back({path, static_cast<uint64_t>(it->file_size(ec))});
        } else {
          ++out.other_files;
        }
      }
      std::sort(found.begin(), found.end(),
                [](const InputFile& a, const InputFile& b) { return a.path < b.path; });
      out.files.insert(out.files.end(), found.begin(), found.end());
    } else {
      if (IsDigestPath(p)) {
        ++out.digest_files;
        continue;
      }
      out.files.push_back({p, static_cast<uint64_t>(fs::file_size(p, ec))});
    }
  }
  return out;
}

ReadOutcome ReadEvents(const InputFile& file, const ReadOptions& options, EventSink& sink) {
  FileReader reader(file, options, sink);
  reader.Run();
  return reader.Finish();
}

}  // namespace vigil::replay
