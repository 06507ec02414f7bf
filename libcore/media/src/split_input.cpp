#include "split_input.hpp"

#include <string_view>
#include <unistd.h>

extern "C" {
#include <libavcodec/avcodec.h>
#include <libavformat/avformat.h>
}

#include <fmt/format.h>

#include "hlswarm/base/diag.hpp"
#include "hlswarm/base/error.hpp"
#include "hlswarm/base/signals.hpp"
#include "ffmpeg_log.hpp"

namespace hlswarm {
namespace {

int interrupt_on_stop(void *) { return stop_requested() ? 1 : 0; }

} // namespace

Input::~Input() {
  avformat_close_input(&context);
  avio_closep(&io);
}

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

namespace {

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

} // namespace

std::vector<AVStream *> select_streams(AVFormatContext *input,
                                       SegmentFormat format,
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
  check_codecs(chosen, format, name);
  return chosen;
}

bool index_after_media(const Input &input) {
  if ((input.io->seekable & AVIO_SEEKABLE_NORMAL) ||
      !std::string_view(input.context->iformat->name).starts_with("mov,"))
    return false;
  std::int64_t position = avio_tell(input.io);
  for (unsigned i = 0; i < input.context->nb_streams; ++i) {
    const AVIndexEntry *first =
        avformat_index_get_entry(input.context->streams[i], 0);
    if (first && first->pos < position)
      return true;
  }
  return false;
}

} // namespace hlswarm
