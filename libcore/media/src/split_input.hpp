// Internal to libcore: the input side of seg-split. The input is opened and
// probed with libavformat (local files and stdin only); the streams worth
// copying are chosen and checked against the segment container.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

extern "C" {
#include <libavcodec/packet.h>
}

#include "hlswarm/media/segment.hpp"

struct AVFormatContext;
struct AVIOContext;
struct AVStream;

namespace hlswarm {

/// The demuxer and the byte stream under it. The byte stream is ours, so
/// that after a failed probe we can still tell an empty input from a bad one.
struct Input {
  AVFormatContext *context = nullptr;
  AVIOContext *io = nullptr;

  Input() = default;
  Input(const Input &) = delete;
  Input &operator=(const Input &) = delete;
  ~Input();
};

struct PacketFree {
  void operator()(AVPacket *pkt) const { av_packet_free(&pkt); }
};
/// An AVPacket that frees itself.
using Packet = std::unique_ptr<AVPacket, PacketFree>;

/// Opens and probes `path` ("-" for stdin) into `input`; `name` is how
/// messages call it. Returns false when a stop was requested meanwhile.
/// Throws Error: usage (stdin is a terminal), no_input, data (empty, not
/// media, an MP4 that cannot be read from a pipe).
bool open_input(Input &input, const std::string &path,
                const std::string &name);

/// True for an MP4 on a pipe whose index (moov) came after the media: the
/// demuxer has read past the packets it knows of, and a pipe cannot go back
/// to them (FFmpeg then says "partial file").
bool index_after_media(const Input &input);

/// The streams to copy: the first video stream (cover pictures aside) and
/// every audio stream. The reference stream, which decides the cuts, is the
/// video one, or the first audio stream for audio-only input; it comes
/// first. Throws Error(data) when there is none, or when the segments'
/// container cannot carry one of them.
std::vector<AVStream *> select_streams(AVFormatContext *input,
                                       SegmentFormat format,
                                       const std::string &name);

/// How far a stream's dts may lie below its pts, on its time base: the
/// decoder's reorder delay in frames (B-frames) times the frame duration.
std::int64_t reorder_window(const AVStream *stream);

} // namespace hlswarm
