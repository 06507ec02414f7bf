// Where a viewer's verified segments go: a byte stream that a player reads
// (standard output, -o FILE) or a folder that any HLS player follows
// (--hls DIR), or several of them at once. peer-fetch hands each segment
// over in seq order, once it is verified; these outputs only write.
#pragma once

#include <cstdint>
#include <filesystem>
#include <memory>
#include <string>
#include <vector>

namespace hlswarm {

/// One verified piece of media, handed to outputs in seq order.
struct OutputSegment {
  std::int64_t seq = 0;
  std::filesystem::path file; ///< the verified file (stays where it is; it is in the store)
  std::string name;           ///< file name from its record (plain name)
  double duration_s = 0;      ///< 0 for an init segment
  bool init = false;          ///< an fMP4 init segment (written once before the fragments that need it; again only if it changes)
  bool discontinuity = false; ///< timestamps jump here (EXT-X-DISCONTINUITY)
};

/// What an HLS folder's playlist becomes when it is complete.
enum class OutputKind {
  live, ///< a broadcast: EVENT, then EXT-X-ENDLIST
  vod,  ///< a prepared video: EVENT while it grows, VOD once complete
};

/// A place verified segments are written to, in seq order.
class ViewerOutput {
public:
  virtual ~ViewerOutput() = default;
  /// Writes one segment. Returns false when the consumer went away
  /// (stdout's reader closed the pipe: EPIPE); nothing more is written
  /// then. Throws Error(io / cant_create) for real failures,
  /// Error(interrupted) when SIGINT/SIGTERM stops a write that waits for a
  /// reader (a paused player), Error(data) for a name that is not a plain
  /// file name.
  virtual bool write(const OutputSegment &segment) = 0;
  /// The room ended (live) or the requested span is complete: ENDLIST etc.
  virtual void finish() = 0;
};

/// Byte stream to a file descriptor the caller owns (stdout): segments back
/// to back (MPEG-TS), or init then fragments (fMP4); an init segment that
/// is byte for byte the last one written is not written again. `what`
/// names the stream in errors ("standard output").
///
/// The program must ignore SIGPIPE (hlswarm::Tool does, in
/// install_stop_handlers): a closed pipe is then EPIPE, which write()
/// reports as false; on a socket, writes use MSG_NOSIGNAL anyway. Partial
/// writes, EINTR and a non-blocking descriptor (EAGAIN) are handled.
std::unique_ptr<ViewerOutput> make_stream_output(int fd, std::string what);

/// -o FILE: creates/truncates the file (written progressively: a player
/// may read it while it grows), else Error(cant_create). A FIFO works too
/// (its reader going away is write() returning false).
std::unique_ptr<ViewerOutput> make_file_output(const std::filesystem::path &file);

/// --hls DIR (created if missing, else Error(cant_create)): each segment is
/// linked into DIR under its name (a hard link to the store's file on the
/// same file system, else a copy; an earlier file of that name is
/// replaced; an init segment that differs from an earlier one of the same
/// name is linked as NAME-SEQ.EXT), and DIR/index.m3u8 is rewritten
/// atomically after each: EXT-X-MEDIA-SEQUENCE is the first seq written,
/// EXT-X-TARGETDURATION the longest segment rounded up, EXT-X-MAP names
/// the init segment (again, with a discontinuity, when it changes),
/// EXT-X-DISCONTINUITY where a segment says so. The playlist is EVENT
/// while it grows; finish() adds EXT-X-ENDLIST and, for OutputKind::vod,
/// makes it a VOD playlist. Nothing is written before the first segment.
std::unique_ptr<ViewerOutput> make_hls_output(const std::filesystem::path &dir,
                                              OutputKind kind);

/// Several outputs fed the same segments, in the order they were added
/// (standard output and --hls DIR at once). An output whose consumer went
/// away gets nothing more; the others go on.
class OutputSet : public ViewerOutput {
public:
  /// Adds an output; `what` names it in gone() ("standard output").
  void add(std::unique_ptr<ViewerOutput> output, std::string what);
  /// Writes to every output still there. Returns false once none is left
  /// (every consumer went away); check gone() for which went away when.
  /// An error of one output propagates at once (the later ones do not get
  /// this segment).
  bool write(const OutputSegment &segment) override;
  /// Finishes every output still there.
  void finish() override;
  /// The names of the outputs whose consumer went away, in that order.
  const std::vector<std::string> &gone() const { return gone_; }
  /// How many outputs are still written to.
  std::size_t remaining() const { return outputs_.size(); }

private:
  struct Named {
    std::unique_ptr<ViewerOutput> output;
    std::string what;
  };
  std::vector<Named> outputs_;
  std::vector<std::string> gone_;
};

} // namespace hlswarm
