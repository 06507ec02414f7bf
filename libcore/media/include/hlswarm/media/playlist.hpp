// HLS media playlists (RFC 8216) for the segments seg-split writes.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace hlswarm {

/// What a finished playlist says it is (EXT-X-PLAYLIST-TYPE).
enum class PlaylistType {
  event, ///< a stream that was followed as it grew
  vod,   ///< a complete video that never changes again
};

/// An HLS media playlist that grows one segment at a time: an EVENT
/// playlist while the stream runs, ended with EXT-X-ENDLIST at the end.
class MediaPlaylist {
public:
  /// `first_seq` is the EXT-X-MEDIA-SEQUENCE; `init_uri` (fMP4 only) goes
  /// into EXT-X-MAP; `target_duration` is the requested segment length.
  MediaPlaylist(std::int64_t first_seq, double target_duration,
                std::string init_uri = {});

  /// A playlist this class wrote, read back as it is; nullopt if `text` is
  /// not one (another tool's playlist, or not a playlist at all).
  static std::optional<MediaPlaylist> read(std::string_view text);

  /// A playlist this class wrote, read back to be continued by a run that
  /// starts at `next_seq` with init segment `init_uri` ("" for MPEG-TS):
  /// its segments stay, ENDLIST goes, and the first new segment is marked
  /// a discontinuity (a new run starts new timestamps). nullopt if `text`
  /// is not such a playlist, does not end right before `next_seq`, or has
  /// another init segment (one EXT-X-MAP serves every segment).
  static std::optional<MediaPlaylist> continued(std::string_view text,
                                                std::int64_t next_seq,
                                                double target_duration,
                                                std::string_view init_uri);

  /// Adds a segment; `uri` is relative to the playlist's folder.
  /// `discontinuity`: its timestamps do not follow the segment before
  /// (EXT-X-DISCONTINUITY).
  void add(std::string uri, double duration, bool discontinuity = false);
  /// The init segment (EXT-X-MAP) of the segments added from now on: in
  /// the header before the first segment, else before the next one.
  void set_map(std::string init_uri);
  /// Raises the target duration to at least `seconds` (it never shrinks).
  void raise_target_duration(double seconds);
  /// Marks the playlist complete (EXT-X-ENDLIST); `type` vod also turns
  /// EXT-X-PLAYLIST-TYPE from EVENT into VOD.
  void end(PlaylistType type = PlaylistType::event) {
    ended_ = true;
    type_ = type;
  }

  /// The playlist text.
  std::string text() const;

  /// The URIs of its segments, in order.
  std::vector<std::string> uris() const;

private:
  struct Entry {
    std::string uri;
    double duration;
    bool discontinuity = false; ///< EXT-X-DISCONTINUITY before it
    std::string map;            ///< a new EXT-X-MAP before it, if not empty
  };

  /// The init segment of the last segment (of the next, if none).
  const std::string &current_init_uri() const;

  std::int64_t first_seq_;
  double target_duration_;
  std::string init_uri_;
  std::vector<Entry> entries_;
  bool ended_ = false;
  PlaylistType type_ = PlaylistType::event;
  bool discontinuity_next_ = false;
  std::string map_next_; ///< set_map's URI, for the next segment
};

/// `file` as a playlist in `folder` refers to it: a relative URI,
/// percent-encoded where a path character is not allowed in a URI.
std::string relative_uri(const std::filesystem::path &file,
                         const std::filesystem::path &folder);

} // namespace hlswarm
