// seg-split's work: demux the input, cut at keyframes on the stream's own
// timeline, remux each piece (stream copy) into its own file, report it.
#include <algorithm>
#include <cmath>
#include <cerrno>
#include <csignal>
#include <fcntl.h>
#include <memory>
#include <string_view>
#include <unistd.h>
#include <vector>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/paths.hpp"
#include "hlswarm/media/playlist.hpp"
#include "hlswarm/media/segment.hpp"
#include "hlswarm/base/signals.hpp"
#include "hlswarm/media/timeline.hpp"
#include "ffmpeg_log.hpp"
#include "segment_muxer.hpp"
#include "segment_publisher.hpp"

namespace hlswarm {
namespace {

constexpr AVRational microseconds = {1, 1000000};

// A forward jump this large is a discontinuity, not a gap in the media
// (FFmpeg's own command line uses the same 10 s threshold).
constexpr std::int64_t jump_limit_us = 10'000'000;

int interrupt_on_stop(void *) { return stop_requested() ? 1 : 0; }

/// The demuxer and the byte stream under it. The byte stream is ours, so
/// that after a failed probe we can still tell an empty input from a bad one.
struct Input {
  AVFormatContext *context = nullptr;
  AVIOContext *io = nullptr;

  Input() = default;
  Input(const Input &) = delete;
  Input &operator=(const Input &) = delete;
  ~Input() {
    avformat_close_input(&context);
    avio_closep(&io);
  }
};

struct PacketFree {
  void operator()(AVPacket *pkt) const { av_packet_free(&pkt); }
};
using Packet = std::unique_ptr<AVPacket, PacketFree>;

/// Opens and probes the input. Returns false when a stop was requested
/// meanwhile.
bool open_input(Input &input, const std::string &path,
                const std::string &name) {
  if (path == "-" && ::isatty(STDIN_FILENO))
    throw Error(Exit::usage, name,
                "is a terminal: pipe media in, or name a file");
  std::error_code ignored;
  if (path != "-" && std::filesystem::is_directory(path, ignored))
    throw Error(Exit::no_input, name, "is a folder");
  const AVIOInterruptCB interrupt = {&interrupt_on_stop, nullptr};
  // Local files and stdin only: a name like "http://..." or "concat:..."
  // is a file name here, and a playlist cannot reach out to the network.
  const char *protocols = "file,pipe";
  std::string url = path == "-" ? "pipe:0" : "file:" + path;

  AVDictionary *options = nullptr;
  av_dict_set(&options, "protocol_whitelist", protocols, 0);
  int rc = avio_open2(&input.io, url.c_str(), AVIO_FLAG_READ, &interrupt,
                      &options);
  av_dict_free(&options);
  if (rc < 0) {
    if (stop_requested())
      return false;
    Exit code = rc == AVERROR(ENOENT) || rc == AVERROR(ENOTDIR) ||
                        rc == AVERROR(EACCES)
                    ? Exit::no_input
                    : Exit::data;
    throw Error(code, name, ffmpeg_failure(rc, ""));
  }

  input.context = avformat_alloc_context();
  if (!input.context)
    throw std::bad_alloc();
  input.context->interrupt_callback = interrupt;
  input.context->pb = input.io;
  input.context->flags |= AVFMT_FLAG_CUSTOM_IO;
  av_dict_set(&options, "protocol_whitelist", protocols, 0);
  rc = avformat_open_input(&input.context, url.c_str(), nullptr, &options);
  av_dict_free(&options);
  if (rc < 0) {
    if (stop_requested())
      return false;
    if (input.io->bytes_read == 0)
      throw Error(Exit::data, name, "empty input");
    throw Error(Exit::data, name,
                ffmpeg_failure(rc, "not a media file, or truncated"));
  }
  rc = avformat_find_stream_info(input.context, nullptr);
  if (rc < 0) {
    if (stop_requested())
      return false;
    throw Error(Exit::data, name, ffmpeg_failure(rc, "cannot read the streams"));
  }
  return true;
}

/// Removes temporary files (".NAME.tmp-PID") that a run which is no longer
/// alive left in `dir` when it was killed.
void remove_stale_temporaries(const std::filesystem::path &dir) {
  std::error_code ec;
  for (const auto &entry : std::filesystem::directory_iterator(dir, ec)) {
    const std::filesystem::path &path = entry.path();
    if (!is_temporary_name(path))
      continue;
    std::string name = path.filename().string();
    std::string_view pid_text =
        std::string_view(name).substr(name.rfind(".tmp-") + 5);
    if (pid_text.empty() ||
        pid_text.find_first_not_of("0123456789") != std::string_view::npos ||
        pid_text.size() > 9)
      continue;
    pid_t pid = static_cast<pid_t>(std::stol(std::string(pid_text)));
    // Only a process that no longer exists cannot still be writing it.
    if (pid > 0 && ::kill(pid, 0) != 0 && errno == ESRCH)
      remove_quietly(path);
  }
}

/// How far a stream's dts may lie below its pts, on its time base: the
/// decoder's reorder delay in frames (B-frames) times the frame duration.
std::int64_t reorder_window(const AVStream *stream) {
  const AVCodecParameters *par = stream->codecpar;
  if (par->codec_type != AVMEDIA_TYPE_VIDEO || par->video_delay <= 0)
    return 0;
  AVRational rate = stream->avg_frame_rate;
  if (rate.num <= 0 || rate.den <= 0)
    rate = stream->r_frame_rate;
  // Without a frame rate, assume a slow one (10 fps): too wide a window
  // only lets a real step backwards pass as reordering.
  AVRational frame = rate.num > 0 && rate.den > 0 ? av_inv_q(rate)
                                                   : AVRational{1, 10};
  return av_rescale_q(par->video_delay, frame, stream->time_base);
}

/// True when `format`'s container can carry `codec` playably (FFmpeg's
/// MPEG-TS muxer writes any other codec as private data that nothing plays).
bool can_carry(SegmentFormat format, AVCodecID codec) {
  if (format == SegmentFormat::mpegts) {
    switch (codec) {
    case AV_CODEC_ID_H264: case AV_CODEC_ID_HEVC: case AV_CODEC_ID_MPEG1VIDEO:
    case AV_CODEC_ID_MPEG2VIDEO: case AV_CODEC_ID_MPEG4: case AV_CODEC_ID_VC1:
    case AV_CODEC_ID_AAC: case AV_CODEC_ID_AAC_LATM: case AV_CODEC_ID_MP2:
    case AV_CODEC_ID_MP3: case AV_CODEC_ID_AC3: case AV_CODEC_ID_EAC3:
    case AV_CODEC_ID_DTS: case AV_CODEC_ID_TRUEHD: case AV_CODEC_ID_OPUS:
      return true;
    default:
      return false;
    }
  }
  return avformat_query_codec(av_guess_format("mp4", nullptr, nullptr), codec,
                              FF_COMPLIANCE_NORMAL) == 1;
}

/// Refuses, before anything is written, a stream the segments cannot carry.
void check_codecs(const std::vector<AVStream *> &streams,
                  SegmentFormat format, const std::string &name) {
  for (const AVStream *stream : streams) {
    AVCodecID codec = stream->codecpar->codec_id;
    if (can_carry(format, codec))
      continue;
    const char *container =
        format == SegmentFormat::mpegts ? "MPEG-TS" : "fMP4";
    const bool audio = stream->codecpar->codec_type == AVMEDIA_TYPE_AUDIO;
    const char *advice = format == SegmentFormat::mpegts &&
                                 can_carry(SegmentFormat::fmp4, codec)
                             ? "use --format fmp4"
                         : audio ? "re-encode it first (e.g. ffmpeg -c:a aac)"
                                 : "re-encode it first (e.g. ffmpeg -c:v "
                                   "libx264)";
    throw Error(Exit::data, name,
                fmt::format("stream {} ({}) cannot go into {}: {}",
                            stream->index, avcodec_get_name(codec), container,
                            advice));
  }
}

/// The streams to copy: the first video stream (cover pictures aside) and
/// every audio stream. The reference stream, which decides the cuts, is the
/// video one, or the first audio stream for audio-only input.
std::vector<AVStream *> select_streams(AVFormatContext *input,
                                       const std::string &name) {
  AVStream *video = nullptr;
  std::vector<AVStream *> audio;
  for (unsigned i = 0; i < input->nb_streams; ++i) {
    AVStream *stream = input->streams[i];
    const AVCodecParameters *par = stream->codecpar;
    if (par->codec_id == AV_CODEC_ID_NONE)
      continue;
    if (par->codec_type == AVMEDIA_TYPE_VIDEO &&
        !(stream->disposition & AV_DISPOSITION_ATTACHED_PIC)) {
      if (video)
        diag::notef("{}: stream {}: a second video stream, left out", name,
                    i);
      else
        video = stream;
    } else if (par->codec_type == AVMEDIA_TYPE_AUDIO) {
      audio.push_back(stream);
    }
  }
  std::vector<AVStream *> chosen;
  if (video)
    chosen.push_back(video); // the reference stream comes first
  chosen.insert(chosen.end(), audio.begin(), audio.end());
  if (chosen.empty())
    throw Error(Exit::data, name, "no audio or video stream");
  return chosen;
}

/// The state of one run: the streams being copied, what has been cut so
/// far, and where it goes.
class Splitter {
public:
  Splitter(const SplitOptions &options,
           const std::function<void(const Segment &)> &on_segment)
      : options_(options), on_segment_(on_segment),
        name_(options.input == "-" ? "stdin" : options.input),
        pattern_(options.name_pattern.empty()
                     ? default_name_pattern(options.format)
                     : options.name_pattern),
        out_dir_(absolute_path(options.out_dir)),
        schedule_(std::llround(options.duration * 1e6)) {
    check_name_pattern(pattern_);
    if (options.playlist)
      playlist_path_ = absolute_path(*options.playlist);
  }
  Splitter(const Splitter &) = delete;
  Splitter &operator=(const Splitter &) = delete;
  ~Splitter();

  SplitResult run();

private:
  /// Refuses to start where the first segment's file already exists (an
  /// earlier run's, which a chain may point to); cleans up after killed
  /// runs.
  void check_out_dir() const;
  /// Makes sure the playlist can be written, before any input is read.
  void check_playlist_dir() const;
  /// The playlist of an earlier run, to continue, if it ends right before
  /// --start-seq and has the same init segment.
  std::optional<MediaPlaylist> continued_playlist(const std::string &init_uri) const;
  void start_output(AVFormatContext *input);
  /// Cuts, corrects and writes one packet of a copied stream.
  void take(AVPacket *pkt, std::size_t out);
  void open_segment(std::int64_t start_us);
  void close_segment(std::int64_t end_us, bool last);

  const SplitOptions &options_;
  const std::function<void(const Segment &)> &on_segment_;
  std::string name_;
  std::string pattern_;
  std::filesystem::path out_dir_;
  std::optional<std::filesystem::path> playlist_path_;

  std::vector<AVStream *> streams_;  ///< copied; [0] is the reference
  std::vector<int> output_index_;    ///< input stream index -> streams_
  std::vector<StreamTimeline> timelines_;
  bool reference_is_video_ = false;
  std::unique_ptr<SegmentMuxer> muxer_;
  std::unique_ptr<SegmentPublisher> publisher_;

  CutSchedule schedule_;
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

void Splitter::check_out_dir() const {
  std::error_code ec;
  if (!std::filesystem::is_directory(out_dir_, ec))
    return;
  remove_stale_temporaries(out_dir_);
  auto exists = [&](std::int64_t seq) {
    return std::filesystem::exists(out_dir_ / segment_file_name(pattern_, seq),
                                   ec);
  };
  if (!exists(options_.start_seq))
    return;
  std::int64_t free_seq = options_.start_seq + 1;
  while (free_seq < max_start_seq && exists(free_seq))
    ++free_seq;
  throw Error(Exit::cant_create,
              (out_dir_ / segment_file_name(pattern_, options_.start_seq))
                  .string(),
              fmt::format("exists (from an earlier run?): continue with "
                          "--start-seq {} or use another --out folder",
                          free_seq));
}

std::optional<MediaPlaylist>
Splitter::continued_playlist(const std::string &init_uri) const {
  // A restart into the same folder (--start-seq) goes on with the playlist
  // of the run before, so that a player sees one stream with a
  // discontinuity rather than losing what came before.
  std::error_code ec;
  if (options_.start_seq == 0 || !std::filesystem::exists(*playlist_path_, ec))
    return std::nullopt;
  std::string text;
  try {
    text = read_whole_file(*playlist_path_);
  } catch (const Error &) {
    return std::nullopt; // replaced below, as before
  }
  auto playlist = MediaPlaylist::continued(text, options_.start_seq,
                                           options_.duration, init_uri);
  if (!playlist)
    diag::warningf("{}: not continued (it must end right before seq {}, "
                   "with the same init segment): starting a new playlist",
                   playlist_path_->string(), options_.start_seq);
  return playlist;
}

void Splitter::check_playlist_dir() const {
  if (!playlist_path_)
    return;
  const std::filesystem::path &path = *playlist_path_;
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec))
    throw Error(Exit::cant_create, path.string(), "is a folder");
  make_dirs(path.parent_path());
  // The playlist is rewritten after each segment under a temporary name:
  // find out now, not after the first segment, if that cannot work.
  std::filesystem::path probe = temporary_name_for(path);
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC,
                  0644);
  if (fd < 0)
    throw system_error(Exit::cant_create, path.string(), errno);
  ::close(fd);
  remove_quietly(probe);
}

void Splitter::start_output(AVFormatContext *input) {
  streams_ = select_streams(input, name_);
  check_codecs(streams_, options_.format, name_);
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

  make_dirs(out_dir_);
  std::filesystem::path init = out_dir_ / options_.init_name;
  muxer_ = std::make_unique<SegmentMuxer>(options_.format, streams_, init);
  std::optional<MediaPlaylist> playlist;
  if (playlist_path_) {
    make_dirs(playlist_path_->parent_path());
    std::string init_uri;
    if (options_.format == SegmentFormat::fmp4)
      init_uri = relative_uri(init, playlist_path_->parent_path());
    playlist = continued_playlist(init_uri);
    if (!playlist)
      playlist.emplace(options_.start_seq, options_.duration, init_uri);
  }
  publisher_ = std::make_unique<SegmentPublisher>(on_segment_, playlist_path_,
                                                  std::move(playlist));
}

void Splitter::take(AVPacket *pkt, std::size_t out) {
  saw_packet_ = true;
  const AVStream *stream = streams_[out];
  StreamTimeline &timeline = timelines_[out];
  PacketTimes times = timeline.correct({pkt->pts, pkt->dts, pkt->duration});
  if (timeline.last_was_discontinuity())
    diag::warningf("{}: stream {}: timestamps jump by {:.3f} s; closed up",
                   name_, stream->index,
                   static_cast<double>(av_rescale_q(timeline.last_jump(),
                                                    stream->time_base,
                                                    microseconds)) /
                       1e6);
  pkt->pts = times.pts;
  pkt->dts = times.dts;
  pkt->duration = times.duration;
  pkt->stream_index = static_cast<int>(out);

  const bool is_reference = out == 0;
  std::int64_t end_us = 0;
  if (is_reference) {
    std::int64_t pts_us =
        av_rescale_q(times.pts, stream->time_base, microseconds);
    end_us = pts_us + av_rescale_q(times.duration, stream->time_base,
                                   microseconds);
    bool cut_point =
        !reference_is_video_ || (pkt->flags & AV_PKT_FLAG_KEY) != 0;
    if (schedule_.offer(pts_us, cut_point)) {
      if (segment_open_)
        close_segment(pts_us, false);
      open_segment(pts_us);
    }
  }
  // Until the first keyframe there is nothing a segment could start with.
  if (!segment_open_)
    return;
  if (muxer_->write(pkt)) {
    if (is_reference)
      reference_end_us_ = std::max(reference_end_us_, end_us);
    return;
  }
  // A damaged packet (the cut-off end of a file, say) that FFmpeg cannot
  // remux is left out; refusing an intact one is an error.
  if (!(pkt->flags & AV_PKT_FLAG_CORRUPT))
    throw Error(Exit::data, name_,
                ffmpeg_failure(AVERROR_INVALIDDATA,
                               fmt::format("stream {}: cannot remux a packet",
                                           stream->index)));
  ++damaged_left_out_;
}

void Splitter::open_segment(std::int64_t start_us) {
  std::int64_t seq = options_.start_seq + result_.segments;
  segment_path_ = out_dir_ / segment_file_name(pattern_, seq);
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
  check_out_dir();
  check_playlist_dir();
  FfmpegLogCapture log_capture;
  Input input;
  if (!open_input(input, options_.input, name_)) {
    result_.interrupted = true;
    return result_;
  }
  start_output(input.context);

  Packet pkt(av_packet_alloc());
  if (!pkt)
    throw std::bad_alloc();
  while (!stop_requested()) {
    int rc = av_read_frame(input.context, pkt.get());
    if (rc == AVERROR(EAGAIN))
      continue;
    if (rc == AVERROR_EOF || (rc < 0 && stop_requested()))
      break;
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
  const std::string &init = options.init_name;
  if (init.empty() || init == "." || init == ".." ||
      init.find('/') != std::string::npos)
    throw Error(Exit::usage, "--init-name",
                fmt::format("'{}': a file name, not a path (use --out for "
                            "the folder)",
                            init));
  return Splitter(options, on_segment).run();
}

} // namespace hlswarm
