// seg-split's work: demux the input (split_input.cpp), put the streams'
// packets in time order, cut at keyframes on the reference stream's own
// timeline, remux each piece (stream copy) into its own file
// (segment_muxer.cpp) and report it (segment_publisher.cpp). What a run
// writes is checked before any input is read (split_outputs.cpp).
#include "hlswarm/media/split.hpp"

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstdlib>
#include <memory>
#include <optional>
#include <string_view>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/media/interleaver.hpp"
#include "hlswarm/media/playlist.hpp"
#include "hlswarm/media/timeline.hpp"
#include "ffmpeg_log.hpp"
#include "segment_muxer.hpp"
#include "segment_publisher.hpp"
#include "split_input.hpp"
#include "split_outputs.hpp"

namespace hlswarm {
namespace {

constexpr AVRational microseconds = {1, 1000000};

// A forward jump this large is a discontinuity, not a gap in the media
// (FFmpeg's own command line uses the same 10 s threshold).
constexpr std::int64_t jump_limit_us = 10'000'000;

// How far the streams may run ahead of one that has nothing queued before
// they stop waiting for it (FFmpeg's muxers wait as long: a stream that
// has ended or gone quiet must not hold the others, nor fill memory).
constexpr std::int64_t max_interleave_wait_us = 10'000'000;

/// A packet on its way from the demuxer to the muxer.
struct QueuedPacket {
  Packet packet;
  std::size_t out = 0;                        ///< index into the copied streams
  std::optional<std::int64_t> starts_segment; ///< a cut: the new segment's start
  std::int64_t end_us = 0;                    ///< reference stream: its end
};

/// The state of one run: the streams being copied, what has been cut so
/// far, and where it goes.
class Splitter {
public:
  Splitter(const SplitOptions &options,
           const std::function<void(const Segment &)> &on_segment)
      : options_(options), on_segment_(on_segment),
        name_(options.input == "-" ? "stdin" : options.input),
        outputs_(SplitOutputs::plan(options)),
        schedule_(std::llround(options.duration * 1e6)) {}
  Splitter(const Splitter &) = delete;
  Splitter &operator=(const Splitter &) = delete;
  ~Splitter();

  SplitResult run();

private:
  void start_output(AVFormatContext *input,
                    std::optional<MediaPlaylist> playlist);
  /// Corrects one packet's times, decides whether a segment starts with
  /// it, and queues it in time order.
  void take(AVPacket *pkt, std::size_t out);
  /// Writes the queued packets that may go out (all when `draining`).
  void write_ready(bool draining);
  void write(QueuedPacket &queued);
  void open_segment(std::int64_t start_us);
  void close_segment(std::int64_t end_us, bool last);

  const SplitOptions &options_;
  const std::function<void(const Segment &)> &on_segment_;
  std::string name_;
  SplitOutputs outputs_;

  std::vector<AVStream *> streams_;  ///< copied; [0] is the reference
  std::vector<int> output_index_;    ///< input stream index -> streams_
  std::vector<StreamTimeline> timelines_;
  bool reference_is_video_ = false;
  std::optional<Interleaver<QueuedPacket>> interleaver_;
  std::unique_ptr<SegmentMuxer> muxer_;
  std::unique_ptr<SegmentPublisher> publisher_;

  CutSchedule schedule_;
  std::optional<std::int64_t> last_cut_us_;
  SplitResult result_;
  bool segment_open_ = false;
  std::int64_t segment_start_us_ = 0;
  std::int64_t reference_end_us_ = 0; ///< end of the last reference packet
  std::filesystem::path segment_path_;
  bool saw_packet_ = false;
  std::int64_t damaged_left_out_ = 0;
};

Splitter::~Splitter() {
  // Said here so that it is said also when an error ends the run early.
  if (damaged_left_out_ > 0)
    diag::warningf("{}: {} damaged packet{} left out", name_,
                   damaged_left_out_, damaged_left_out_ == 1 ? "" : "s");
}

void Splitter::start_output(AVFormatContext *input,
                            std::optional<MediaPlaylist> playlist) {
  streams_ = select_streams(input, options_.format, name_);
  output_index_.assign(input->nb_streams, -1);
  for (std::size_t i = 0; i < streams_.size(); ++i) {
    output_index_[static_cast<std::size_t>(streams_[i]->index)] =
        static_cast<int>(i);
    timelines_.emplace_back(
        streams_[i]->pts_wrap_bits,
        av_rescale_q(jump_limit_us, microseconds, streams_[i]->time_base),
        reorder_window(streams_[i]));
  }
  reference_is_video_ =
      streams_[0]->codecpar->codec_type == AVMEDIA_TYPE_VIDEO;
  interleaver_.emplace(streams_.size(), max_interleave_wait_us);

  make_dirs(outputs_.out_dir);
  muxer_ = std::make_unique<SegmentMuxer>(options_.format, streams_,
                                          outputs_.init);
  publisher_ = std::make_unique<SegmentPublisher>(
      on_segment_, outputs_.playlist, std::move(playlist));
}

void Splitter::take(AVPacket *pkt, std::size_t out) {
  saw_packet_ = true;
  const AVStream *stream = streams_[out];
  StreamTimeline &timeline = timelines_[out];
  PacketTimes times = timeline.correct({pkt->pts, pkt->dts, pkt->duration});
  auto to_us = [&](std::int64_t ticks) {
    return av_rescale_q(ticks, stream->time_base, microseconds);
  };
  if (timeline.last_was_discontinuity())
    diag::warningf("{}: stream {}: timestamps jump by {:.3f} s; closed up",
                   name_, stream->index,
                   static_cast<double>(to_us(timeline.last_jump())) / 1e6);
  pkt->pts = times.pts;
  pkt->dts = times.dts;
  pkt->duration = times.duration;
  pkt->stream_index = static_cast<int>(out);

  QueuedPacket queued;
  const std::int64_t pts_us = to_us(times.pts);
  const std::int64_t duration_us = to_us(times.duration);
  std::int64_t time_us = 0;
  if (out == 0) {
    bool cut_point =
        !reference_is_video_ || (pkt->flags & AV_PKT_FLAG_KEY) != 0;
    if (schedule_.offer(pts_us, cut_point)) {
      queued.starts_segment = pts_us;
      last_cut_us_ = pts_us;
    }
    queued.end_us = pts_us + duration_us;
    // Decode order, except that a segment's packets go after everything
    // of the other streams that plays before the segment starts (its
    // keyframe is decoded before it is shown, with B-frames).
    time_us = std::max(to_us(times.dts), last_cut_us_.value_or(INT64_MIN));
  } else {
    // A packet of another stream goes with the segment its middle plays
    // in, so each segment holds the same span of every stream.
    time_us = pts_us + duration_us / 2;
  }
  queued.packet.reset(av_packet_alloc());
  if (!queued.packet)
    throw std::bad_alloc();
  av_packet_move_ref(queued.packet.get(), pkt);
  queued.out = out;
  interleaver_->push(out, time_us, std::move(queued));
  write_ready(false);
}

void Splitter::write_ready(bool draining) {
  while (auto queued = interleaver_->pop(draining))
    write(*queued);
}

void Splitter::write(QueuedPacket &queued) {
  if (queued.starts_segment) {
    if (segment_open_)
      close_segment(*queued.starts_segment, false);
    open_segment(*queued.starts_segment);
  }
  // Until the first keyframe there is nothing a segment could start with.
  if (!segment_open_)
    return;
  AVPacket *pkt = queued.packet.get();
  const bool corrupt = (pkt->flags & AV_PKT_FLAG_CORRUPT) != 0;
  if (muxer_->write(pkt)) {
    if (queued.out == 0)
      reference_end_us_ = std::max(reference_end_us_, queued.end_us);
    return;
  }
  // A damaged packet (the cut-off end of a file, say) that FFmpeg cannot
  // remux is left out; refusing an intact one is an error.
  if (!corrupt)
    throw Error(Exit::data, name_,
                ffmpeg_failure(AVERROR_INVALIDDATA,
                               fmt::format("stream {}: cannot remux a packet",
                                           streams_[queued.out]->index)));
  ++damaged_left_out_;
}

void Splitter::open_segment(std::int64_t start_us) {
  std::int64_t seq = options_.start_seq + result_.segments;
  segment_path_ = outputs_.segment(seq);
  muxer_->begin(segment_path_);
  segment_open_ = true;
  segment_start_us_ = start_us;
  reference_end_us_ = start_us;
}

void Splitter::close_segment(std::int64_t end_us, bool last) {
  Segment segment;
  segment.seq = options_.start_seq + result_.segments;
  segment.path = segment_path_;
  segment.format = options_.format;
  segment.start =
      static_cast<double>(segment_start_us_ - schedule_.origin()) / 1e6;
  segment.duration =
      static_cast<double>(std::max(end_us - segment_start_us_,
                                   std::int64_t{0})) /
      1e6;
  PendingFile file = muxer_->end(last);
  segment.init = muxer_->init_path();
  segment_open_ = false;
  ++result_.segments;
  publisher_->publish(std::move(file), std::move(segment), last);
}

SplitResult Splitter::run() {
  check_out_dir(outputs_, options_.start_seq);
  std::optional<MediaPlaylist> playlist = prepare_playlist(outputs_, options_);
  FfmpegLogCapture log_capture;
  Input input;
  if (!open_input(input, options_.input, name_)) {
    result_.interrupted = true;
    return result_;
  }
  start_output(input.context, std::move(playlist));

  Packet pkt(av_packet_alloc());
  if (!pkt)
    throw std::bad_alloc();
  while (!stop_requested()) {
    int rc = av_read_frame(input.context, pkt.get());
    if (rc == AVERROR(EAGAIN))
      continue;
    if (rc == AVERROR_EOF || (rc < 0 && stop_requested()))
      break;
    if (rc == AVERROR_INVALIDDATA && !saw_packet_ && index_after_media(input))
      throw Error(Exit::data, name_,
                  "an MP4 whose index (moov) comes after the media cannot "
                  "be read from a pipe: give the file by name, or remux it "
                  "with ffmpeg -c copy -movflags faststart");
    if (rc == AVERROR_INVALIDDATA)
      throw Error(Exit::data, name_,
                  ffmpeg_failure(rc, "bad or truncated data"));
    if (rc < 0)
      throw Error(Exit::io, name_, ffmpeg_failure(rc, "cannot read"));
    int out = output_index_.at(static_cast<std::size_t>(pkt->stream_index));
    if (out >= 0)
      take(pkt.get(), static_cast<std::size_t>(out));
    av_packet_unref(pkt.get());
  }
  result_.interrupted = stop_requested();

  write_ready(true);
  if (segment_open_)
    close_segment(reference_end_us_, true);
  publisher_->finish();
  if (result_.segments == 0 && !result_.interrupted)
    throw Error(Exit::data, name_,
                !saw_packet_          ? "no audio or video data"
                : reference_is_video_ ? "no video keyframe"
                                      : "no audio data");
  return result_;
}

} // namespace

double parse_segment_duration(std::string_view text) {
  auto bad = [&] {
    return Error(Exit::usage, "--duration",
                 fmt::format("must be a positive number of seconds, got '{}'",
                             text));
  };
  std::string copy(text);
  if (copy.empty() || copy.find_first_not_of("0123456789.") != std::string::npos)
    throw bad();
  char *end = nullptr;
  errno = 0;
  double seconds = std::strtod(copy.c_str(), &end);
  if (end != copy.c_str() + copy.size() || errno != 0 ||
      !std::isfinite(seconds) || !(seconds > 0))
    throw bad();
  if (seconds > max_segment_duration)
    throw Error(Exit::usage, "--duration",
                fmt::format("{}: out of range (at most {} seconds)", text,
                            max_segment_duration));
  return seconds;
}

std::int64_t parse_start_seq(std::string_view text) {
  if (text.empty() || text.find_first_not_of("0123456789") != std::string::npos)
    throw Error(Exit::usage, "--start-seq",
                fmt::format("must be a whole number from 0 to {}, got '{}'",
                            max_start_seq, text));
  std::size_t digits = text.find_first_not_of('0');
  std::string_view significant =
      digits == std::string_view::npos ? "0" : text.substr(digits);
  std::int64_t value = 0;
  bool in_range = significant.size() <= 13;
  if (in_range) {
    for (char c : significant)
      value = value * 10 + (c - '0');
    in_range = value <= max_start_seq;
  }
  if (!in_range)
    throw Error(Exit::usage, "--start-seq",
                fmt::format("{}: out of range (0 to {})", text,
                            max_start_seq));
  return value;
}

SplitResult split(const SplitOptions &options,
                  const std::function<void(const Segment &)> &on_segment) {
  if (!(options.duration > 0 && options.duration <= max_segment_duration))
    throw Error(Exit::usage, "--duration",
                fmt::format("{}: out of range (above 0, at most {} seconds)",
                            options.duration, max_segment_duration));
  if (options.start_seq < 0 || options.start_seq > max_start_seq)
    throw Error(Exit::usage, "--start-seq",
                fmt::format("{}: out of range (0 to {})", options.start_seq,
                            max_start_seq));
  return Splitter(options, on_segment).run();
}

Json end_line(const SplitResult &result) {
  return {{"v", 1}, {"end", true}, {"segments", result.segments}};
}

} // namespace hlswarm
