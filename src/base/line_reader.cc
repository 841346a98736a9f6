#include "base/line_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cstring>

#include <fmt/format.h>

namespace vigil {

struct LineReader::Inflater {
  z_stream zs{};
  std::vector<unsigned char> in;
  bool stream_end = false;
  bool input_eof = false;
  bool any_member = false;
  ~Inflater() { inflateEnd(&zs); }
};

LineReader::LineReader(int fd, bool owns_fd, std::string name, Options options)
    : fd_(fd), owns_fd_(owns_fd), name_(std::move(name)), options_(options) {
  size_t cap = std::max<size_t>(4u << 20, 2 * options_.max_line_bytes + 1) + kLinePadding;
  buf_.resize(cap);
}

LineReader::~LineReader() {
  if (owns_fd_ && fd_ >= 0) ::close(fd_);
}

StatusOr<std::unique_ptr<LineReader>> LineReader::Open(const std::string& path,
                                                       Options options) {
  if (options.max_line_bytes == 0) return InvalidArgument("max_line_bytes must be positive");
  if (path == "-") {
    return std::unique_ptr<LineReader>(new LineReader(0, false, "<stdin>", options));
  }
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return IoError(fmt::format("{}: cannot open: {}", path, std::strerror(errno)));
  return std::unique_ptr<LineReader>(new LineReader(fd, true, path, options));
}

StatusOr<size_t> LineReader::ReadRaw(char* dst, size_t n) {
  for (;;) {
    ssize_t r = ::read(fd_, dst, n);
    if (r >= 0) {
      raw_bytes_ += static_cast<size_t>(r);
      return static_cast<size_t>(r);
    }
    if (errno == EINTR) continue;
    return IoError(fmt::format("{}: read error at byte {}: {}", name_, raw_bytes_,
                               std::strerror(errno)));
  }
}

StatusOr<size_t> LineReader::ReadInflated(char* dst, size_t n) {
  Inflater& z = *inflater_;
  z.zs.next_out = reinterpret_cast<Bytef*>(dst);
  z.zs.avail_out = static_cast<uInt>(std::min<size_t>(n, 1u << 30));
  while (z.zs.avail_out > 0) {
    if (z.zs.avail_in == 0 && !z.input_eof) {
      auto r = ReadRaw(reinterpret_cast<char*>(z.in.data()), z.in.size());
      if (!r.ok()) return r.status();
      if (*r == 0) {
        z.input_eof = true;
      } else {
        z.zs.next_in = z.in.data();
        z.zs.avail_in = static_cast<uInt>(*r);
      }
    }
    if (z.stream_end) {
      // Concatenated gzip members are one stream (as gzip -d reads them).
      if (z.zs.avail_in == 0) {
        if (z.input_eof) break;
        continue;
      }
      inflateReset(&z.zs);
      z.stream_end = false;
    }
    if (z.zs.avail_in == 0 && z.input_eof) {
      if (z.zs.avail_out < n) break;  // hand out what was decoded; the error comes next call
      return IoError(fmt::format("{}: gzip data ends early (truncated file?) after {} bytes",
                                 name_, raw_bytes_));
    }
    int rc = inflate(&z.zs, Z_NO_FLUSH);
    if (rc == Z_STREAM_END) {
      z.stream_end = true;
      z.any_member = true;
    } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
      if (z.zs.avail_out < n) break;
      return IoError(fmt::format("{}: gzip data is corrupt near byte {}: {}", name_,
                                 raw_bytes_ - z.zs.avail_in, z.zs.msg ? z.zs.msg : "error"));
    }
    if (rc == Z_BUF_ERROR && z.zs.avail_in > 0) {
      return IoError(fmt::format("{}: gzip data is corrupt near byte {}", name_,
                                 raw_bytes_ - z.zs.avail_in));
    }
  }
  return n - z.zs.avail_out;
}

Status LineReader::Fill() {
  // Keep the unread part at the front; the buffer never grows.
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  size_t room = buf_.size() - kLinePadding - end_;
  if (room == 0) return Status::Ok();
  if (!started_) {
    started_ = true;
    auto r = ReadRaw(buf_.data(), std::min<size_t>(room, 1 << 16));
    if (!r.ok()) return r.status();
    if (*r >= 2 && static_cast<unsigned char>(buf_[0]) == 0x1f &&
        static_cast<unsigned char>(buf_[1]) == 0x8b) {
      gzip_ = true;
      inflater_ = std::make_unique<Inflater>();
      inflater_->in.resize(1 << 18);
      if (inflateInit2(&inflater_->zs, 15 + 32) != Z_OK) {
        return Internal("zlib initialisation failed");
      }
      std::memcpy(inflater_->in.data(), buf_.data(), *r);
      inflater_->zs.next_in = inflater_->in.data();
      inflater_->zs.avail_in = static_cast<uInt>(*r);
    } else {
      end_ += *r;
      if (*r == 0) eof_ = true;
      return Status::Ok();
    }
  }
  auto r = gzip_ ? ReadInflated(buf_.data() + end_, room) : ReadRaw(buf_.data() + end_, room);
  if (!r.ok()) return r.status();
  if (*r == 0) eof_ = true;
  end_ += *r;
  return Status::Ok();
}

StatusOr<std::optional<LineReader::Line>> LineReader::Next() {
  for (;;) {
    const char* base = buf_.data();
    const void* nl = std::memchr(base + begin_, '\n', end_ - begin_);
    if (skipping_) {
      if (nl) {
        begin_ = static_cast<const char*>(nl) - base + 1;
        skipping_ = false;
        continue;
      }
      begin_ = end_ = 0;
      if (eof_) return std::optional<Line>();
      VIGIL_RETURN_IF_ERROR(Fill());
      continue;
    }
    size_t avail = end_ - begin_;
    if (nl || (eof_ && avail > 0)) {
      size_t stop = nl ? static_cast<size_t>(static_cast<const char*>(nl) - base) : end_;
      size_t len = stop - begin_;
      if (len > options_.max_line_bytes) {
        Line line{std::string_view(base + begin_, options_.max_line_bytes), ++line_no_, true, len};
        begin_ = nl ? stop + 1 : end_;
        return std::optional<Line>(line);
      }
      std::string_view text(base + begin_, len);
      if (!text.empty() && text.back() == '\r') text.remove_suffix(1);
      begin_ = nl ? stop + 1 : end_;
      return std::optional<Line>(Line{text, ++line_no_, false, len});
    }
    if (eof_) return std::optional<Line>();
    if (avail > options_.max_line_bytes) {
      // Over-long line: hand out its prefix, then discard up to the next newline.
      Line line{std::string_view(base + begin_, options_.max_line_bytes), ++line_no_, true, avail};
      skipping_ = true;
      begin_ = end_;  // the prefix view stays valid: Fill() runs on the next call only
      return std::optional<Line>(line);
    }
    VIGIL_RETURN_IF_ERROR(Fill());
  }
}

}  // namespace vigil
