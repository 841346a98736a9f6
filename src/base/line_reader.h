// LineReader: streams the lines of a file, a gzip file or standard input in bounded memory.
//
// Data flows from read(2) (and zlib's inflate when the input starts with the gzip magic bytes)
// into one buffer; lines are handed out as views into it, valid until the next call to Next().
// Every view is followed by at least kLinePadding readable bytes, so that simdjson can parse a
// line in place without copying. A line longer than Options::max_line_bytes is not kept: Next()
// reports it with `too_long` set and its first bytes only, and reading goes on with the next
// line. Memory use is about 2 * max_line_bytes + 1 MiB, whatever the input size.
//
// Lines end at '\n'; a '\r' before it is removed. A final line without '\n' is still a line.
// Not thread-safe; one reader per thread.
#ifndef VIGIL_BASE_LINE_READER_H_
#define VIGIL_BASE_LINE_READER_H_

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "base/status.h"

namespace vigil {

class LineReader {
 public:
  static constexpr size_t kLinePadding = 64;

  struct Options {
    // Lines longer than this are reported as too long and skipped. Default: 1 MiB, the
    // CloudWatch Logs maximum event size.
    size_t max_line_bytes = 1 << 20;
  };

  struct Line {
    std::string_view text;  // without the line ending; the prefix only when too_long
    uint64_t number = 0;    // 1-based
    bool too_long = false;
    uint64_t length = 0;  // the full length in bytes (known in full only when !too_long)
  };

  // Opens `path` for reading; "-" means standard input. The name is used in error messages.
  static StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path, Options options);
  static StatusOr<std::unique_ptr<LineReader>> Open(const std::string& path) {
    return Open(path, Options{});
  }
  ~LineReader();
  LineReader(const LineReader&) = delete;
  LineReader& operator=(const LineReader&) = delete;

  // The next line, nullopt at the end of input, or an I/O or decompression error that names
  // the file and the byte offset.
  StatusOr<std::optional<Line>> Next();

  // Bytes of input consumed so far (compressed bytes for gzip input).
  uint64_t bytes_read() const { return raw_bytes_; }
  bool gzip() const { return gzip_; }

 private:
  LineReader(int fd, bool owns_fd, std::string name, Options options);
  Status Fill();                              // appends to buf_, sets eof_
  StatusOr<size_t> ReadRaw(char* dst, size_t n);  // from fd
  StatusOr<size_t> ReadInflated(char* dst, size_t n);

  int fd_;
  bool owns_fd_;
  std::string name_;
  Options options_;
  std::vector<char> buf_;  // capacity() - kLinePadding usable
  size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  bool started_ = false;
  bool gzip_ = false;
  bool skipping_ = false;  // inside an over-long line
  uint64_t line_no_ = 0;
  uint64_t raw_bytes_ = 0;
  struct Inflater;
  std::unique_ptr<Inflater> inflater_;
};

}  // namespace vigil

#endif  // VIGIL_BASE_LINE_READER_H_
