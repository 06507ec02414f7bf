#include "segment_muxer.hpp"

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <fcntl.h>
#include <fstream>
#include <iterator>
#include <string>
#include <utility>
#include <unistd.h>

extern "C" {
#include <libavcodec/bsf.h>
#include <libavformat/avformat.h>
#include <libavutil/opt.h>
}

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "ffmpeg_log.hpp"

namespace hlswarm {
namespace {

// Large writes keep system calls few; a segment is megabytes.
constexpr int io_buffer_size = 256 * 1024;

Exit exit_for_write_errno(int errno_value) {
  // A full or read-only disk is "cannot create output"; anything else is a
  // plain I/O error.
  switch (errno_value) {
  case ENOSPC: case EDQUOT: case EACCES: case EPERM: case EROFS:
    return Exit::cant_create;
  default:
    return Exit::io;
  }
}

/// Renames `from` to `to` unless `to` exists; false (errno EEXIST) if it
/// does. Where the file system cannot rename that way, link+unlink does
/// the same.
bool rename_no_replace(const std::filesystem::path &from,
                       const std::filesystem::path &to) {
  if (::renameat2(AT_FDCWD, from.c_str(), AT_FDCWD, to.c_str(),
                  RENAME_NOREPLACE) == 0)
    return true;
  if (errno != EINVAL && errno != ENOSYS)
    return false;
  if (::link(from.c_str(), to.c_str()) != 0)
    return false;
  ::unlink(from.c_str());
  return true;
}

bool same_contents(const std::filesystem::path &a,
                   const std::filesystem::path &b) {
  std::ifstream fa(a, std::ios::binary);
  std::ifstream fb(b, std::ios::binary);
  if (!fa || !fb)
    return false;
  return std::equal(std::istreambuf_iterator<char>(fa),
                    std::istreambuf_iterator<char>(),
                    std::istreambuf_iterator<char>(fb),
                    std::istreambuf_iterator<char>());
}

} // namespace

PendingFile::PendingFile(PendingFile &&other) noexcept
    : final_(std::move(other.final_)),
      temporary_(std::exchange(other.temporary_, {})),
      fd_(std::exchange(other.fd_, -1)), bytes_(other.bytes_) {}

PendingFile &PendingFile::operator=(PendingFile &&other) noexcept {
  if (this != &other) {
    discard();
    final_ = std::move(other.final_);
    temporary_ = std::exchange(other.temporary_, {});
    fd_ = std::exchange(other.fd_, -1);
    bytes_ = other.bytes_;
  }
  return *this;
}

void PendingFile::open(const std::filesystem::path &final_path) {
  discard();
  final_ = final_path;
  temporary_ = temporary_name_for(final_path);
  fd_ = ::open(temporary_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC,
               0644);
  if (fd_ < 0)
    throw system_error(Exit::cant_create, final_.string(), errno);
  bytes_ = 0;
}

int PendingFile::write(const std::uint8_t *data, std::size_t size) noexcept {
  while (size > 0) {
    ssize_t n = ::write(fd_, data, size);
    if (n < 0 && errno == EINTR)
      continue;
    if (n < 0)
      return errno;
    data += n;
    size -= static_cast<std::size_t>(n);
    bytes_ += static_cast<std::uint64_t>(n);
  }
  return 0;
}

std::uint64_t PendingFile::commit(bool same_may_exist) {
  int fd = fd_;
  fd_ = -1;
  if (::close(fd) != 0) {
    int saved = errno;
    remove_quietly(temporary_);
    throw system_error(exit_for_write_errno(saved), final_.string(), saved);
  }
  try {
    fsync_path(temporary_);
    // Never over an existing file: an earlier run's segment may be what a
    // signed chain points to, and a file may appear after the check at
    // start.
    if (!rename_no_replace(temporary_, final_)) {
      int saved = errno;
      if (saved != EEXIST)
        throw system_error(Exit::cant_create, final_.string(), saved);
      if (!same_may_exist || !same_contents(temporary_, final_))
        throw Error(Exit::cant_create, final_.string(),
                    "exists (from an earlier run?): continue with "
                    "--start-seq or use another --out folder");
      remove_quietly(temporary_);
    }
    auto folder = final_.parent_path();
    fsync_path(folder.empty() ? std::filesystem::path(".") : folder);
  } catch (...) {
    remove_quietly(temporary_);
    throw;
  }
  temporary_.clear();
  return bytes_;
}

void PendingFile::discard() noexcept {
  if (fd_ >= 0) {
    ::close(fd_);
    fd_ = -1;
  }
  if (!temporary_.empty()) {
    remove_quietly(temporary_);
    temporary_.clear();
  }
}

SegmentMuxer::SegmentMuxer(SegmentFormat format,
                           std::span<AVStream *const> inputs,
                           std::filesystem::path init_path)
    : format_(format), inputs_(inputs), init_final_(std::move(init_path)) {
  const char *muxer = format == SegmentFormat::fmp4 ? "mp4" : "mpegts";
  int rc = avformat_alloc_output_context2(&context_, nullptr, muxer, nullptr);
  if (rc < 0)
    fail(rc, "cannot set up the muxer");

  auto *buffer = static_cast<unsigned char *>(av_malloc(io_buffer_size));
  if (!buffer)
    throw std::bad_alloc();
  io_ = avio_alloc_context(buffer, io_buffer_size, 1, this, nullptr,
                           &SegmentMuxer::write_bytes, nullptr);
  if (!io_) {
    av_free(buffer);
    throw std::bad_alloc();
  }
  context_->pb = io_;
  context_->flags |= AVFMT_FLAG_CUSTOM_IO;
  // FFmpeg's command line muxes MPEG-TS with 0.7 s between PCR and DTS; a
  // zero delay leaves strict decoders no buffer.
  context_->max_delay = 700000;
  // Nobody reads a segment before it is complete: fill the whole buffer
  // between writes instead of a write(2) per packet.
  context_->flush_packets = 0;

  for (AVStream *input : inputs_) {
    AVStream *output = avformat_new_stream(context_, nullptr);
    if (!output)
      throw std::bad_alloc();
    rc = avcodec_parameters_copy(output->codecpar, input->codecpar);
    if (rc < 0)
      fail(rc, "cannot copy codec parameters");
    // The input container's codec tag means nothing in the output one.
    output->codecpar->codec_tag = 0;
    output->time_base = input->time_base;
    output->disposition = input->disposition;

    AVBSFContext *filter = nullptr;
    if (format == SegmentFormat::fmp4 &&
        input->codecpar->codec_id == AV_CODEC_ID_AAC) {
      // MP4 carries AAC without ADTS headers (MPEG-TS input has them), and
      // FFmpeg's mp4 muxer does not strip them by itself. The filter passes
      // packets that have none through unchanged.
      rc = av_bsf_alloc(av_bsf_get_by_name("aac_adtstoasc"), &filter);
      if (rc < 0)
        fail(rc, "cannot set up the AAC filter");
      filters_.push_back(filter);
      avcodec_parameters_copy(filter->par_in, input->codecpar);
      filter->time_base_in = input->time_base;
      rc = av_bsf_init(filter);
      if (rc < 0)
        fail(rc, "cannot set up the AAC filter");
      avcodec_parameters_copy(output->codecpar, filter->par_out);
      output->codecpar->codec_tag = 0;
    } else {
      filters_.push_back(nullptr);
    }
  }
}

SegmentMuxer::~SegmentMuxer() {
  target_ = nullptr;
  for (AVBSFContext *&filter : filters_)
    av_bsf_free(&filter);
  if (context_) {
    context_->pb = nullptr;
    avformat_free_context(context_);
  }
  if (io_) {
    av_freep(&io_->buffer);
    avio_context_free(&io_);
  }
}

int SegmentMuxer::write_bytes(void *opaque, std::uint8_t *data, int size) {
  auto *self = static_cast<SegmentMuxer *>(opaque);
  if (!self->target_ || size <= 0)
    return size;
  if (int error = self->target_->write(data, static_cast<std::size_t>(size))) {
    self->write_errno_ = error;
    self->write_error_path_ = self->target_->final_path();
    return AVERROR(error);
  }
  return size;
}

void SegmentMuxer::fail(int averror, const char *what) {
  if (write_errno_ != 0)
    throw system_error(exit_for_write_errno(write_errno_),
                       write_error_path_.string(), write_errno_);
  throw Error(Exit::data, std::string(format_name(format_)) + " output",
              ffmpeg_failure(averror, what));
}

void SegmentMuxer::flush(const char *what) {
  avio_flush(io_);
  if (io_->error < 0)
    fail(io_->error, what);
}

void SegmentMuxer::begin(const std::filesystem::path &final_path) {
  segment_.open(final_path);
  target_ = &segment_;
  if (header_written_) {
    if (format_ == SegmentFormat::mpegts)
      // Each file must play alone: PAT and PMT again at its start.
      av_opt_set(context_->priv_data, "mpegts_flags", "+resend_headers", 0);
    return;
  }
  AVDictionary *options = nullptr;
  if (format_ == SegmentFormat::fmp4)
    // frag_custom: a fragment ends only when we say so (at a cut);
    // delay_moov: the moov waits for the first fragment, when every codec
    // header (e.g. AAC from ADTS) is known; default_base_moof: offsets
    // relative to each fragment, so each file stands alone.
    av_dict_set(&options, "movflags",
                "+frag_custom+empty_moov+delay_moov+default_base_moof"
                "+skip_trailer",
                0);
  int rc = avformat_write_header(context_, &options);
  av_dict_free(&options);
  if (rc < 0)
    fail(rc, "cannot start the output");
  header_written_ = true;
}

bool SegmentMuxer::write(AVPacket *pkt) {
  const AVStream *input = inputs_[static_cast<std::size_t>(pkt->stream_index)];
  const AVStream *output = context_->streams[pkt->stream_index];
  pkt->pos = -1;
  AVBSFContext *filter = filters_[static_cast<std::size_t>(pkt->stream_index)];
  if (!filter) {
    av_packet_rescale_ts(pkt, input->time_base, output->time_base);
    return check_write(av_write_frame(context_, pkt));
  }
  int stream_index = pkt->stream_index;
  int rc = av_bsf_send_packet(filter, pkt);
  if (rc < 0)
    return check_write(rc);
  bool accepted = true;
  while ((rc = av_bsf_receive_packet(filter, pkt)) >= 0) {
    pkt->stream_index = stream_index;
    av_packet_rescale_ts(pkt, filter->time_base_out, output->time_base);
    accepted = check_write(av_write_frame(context_, pkt)) && accepted;
    av_packet_unref(pkt);
  }
  if (rc != AVERROR(EAGAIN) && rc != AVERROR_EOF)
    return check_write(rc);
  return accepted;
}

bool SegmentMuxer::check_write(int rc) {
  if (rc >= 0)
    return true;
  if (rc == AVERROR_INVALIDDATA && write_errno_ == 0)
    return false;
  fail(rc, "cannot write a packet");
}

PendingFile SegmentMuxer::end(bool last) {
  if (format_ == SegmentFormat::fmp4 && !init_written_) {
    // With delay_moov, the first flush writes only ftyp+moov: that is the
    // init segment. The fragment itself comes with the next flush.
    init_.open(init_final_);
    target_ = &init_;
    int rc = av_write_frame(context_, nullptr);
    if (rc < 0)
      fail(rc, "cannot write the init segment");
    flush("cannot write the init segment");
    target_ = &segment_;
    // A restart (--start-seq) writes the same init segment again.
    init_.commit(true);
    init_written_ = init_final_;
  }
  if (last && format_ == SegmentFormat::mpegts) {
    int rc = av_write_trailer(context_);
    if (rc < 0)
      fail(rc, "cannot finish the output");
  } else {
    int rc = av_write_frame(context_, nullptr); // ends the PES or fragment
    if (rc < 0)
      fail(rc, "cannot finish a segment");
  }
  flush("cannot write a segment");
  target_ = nullptr;
  if (last && format_ == SegmentFormat::fmp4) {
    int rc = av_write_trailer(context_); // skip_trailer: nothing to write
    if (rc < 0)
      fail(rc, "cannot finish the output");
  }
  return std::move(segment_);
}

} // namespace hlswarm
