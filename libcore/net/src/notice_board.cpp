// Notice boards: a libtorrent extension on a well-known torrent that sends
// one notice in the BEP 10 extension handshake and keeps the peers' ones
// (see notice_board.hpp and hlswarm(7), NOTICE BOARDS).
//
// Threads: the peer_plugin callbacks run on libtorrent's network thread;
// the notices and our own notice are behind BoardState::mutex_.
#include "hlswarm/net/notice_board.hpp"

#include <map>
#include <mutex>

#include <fmt/format.h>
#include <libtorrent/bdecode.hpp>
#include <libtorrent/entry.hpp>
#include <libtorrent/error_code.hpp>
#include <libtorrent/peer_connection_handle.hpp>

#include "hlswarm/base/fsutil.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "node_impl.hpp"

namespace hlswarm {

std::string notice_board_content(std::string_view name) {
  return fmt::format("hlswarm notice board {}\n{}\n", notice_board_version,
                     percent_encode(name));
}

namespace {

class BoardState final : public NoticeBoard {
public:
  void post(std::string notice) override {
    std::lock_guard lock(mutex_);
    notice_ = std::move(notice);
  }

  std::vector<ReceivedNotice> notices() const override {
    std::lock_guard lock(mutex_);
    std::vector<ReceivedNotice> result;
    for (const auto &[where, received] : received_)
      result.push_back(received);
    return result;
  }

  void connect(const std::vector<HostPort> &peers) override {
    lt::torrent_handle handle;
    {
      std::lock_guard lock(mutex_);
      handle = torrent_;
    }
    if (!handle.is_valid())
      return;
    for (const auto &peer : peers)
      handle.connect_peer(to_endpoint(peer, "peer"));
  }

  void set_torrent(lt::torrent_handle handle) {
    std::lock_guard lock(mutex_);
    torrent_ = std::move(handle);
  }

  std::string notice() const {
    std::lock_guard lock(mutex_);
    return notice_;
  }

  void receive(HostPort from, std::string notice) {
    std::lock_guard lock(mutex_);
    std::string where = from.to_string();
    received_[where] = ReceivedNotice{std::move(from), std::move(notice)};
  }

private:
  mutable std::mutex mutex_;
  std::string notice_;
  std::map<std::string, ReceivedNotice> received_; ///< by "ip:port"
  lt::torrent_handle torrent_;
};

class BoardPeer final : public lt::peer_plugin {
public:
  BoardPeer(std::shared_ptr<BoardState> board, lt::peer_connection_handle connection)
      : board_(std::move(board)), connection_(std::move(connection)) {}

  lt::string_view type() const override {
    return {notice_handshake_key.data(), notice_handshake_key.size()};
  }

  void add_handshake(lt::entry &handshake) override {
    if (auto notice = board_->notice(); !notice.empty())
      handshake[std::string(notice_handshake_key)] = notice;
  }

  bool on_extension_handshake(const lt::bdecode_node &handshake) override {
    if (handshake.type() != lt::bdecode_node::dict_t)
      return true;
    auto notice = handshake.dict_find_string(
        {notice_handshake_key.data(), notice_handshake_key.size()});
    if (!notice || static_cast<std::size_t>(notice.string_length()) > max_notice_bytes)
      return true;
    // Where it listens: "p" in its handshake, else the address we dialled
    // (or that it came from).
    auto remote = connection_.remote();
    std::int64_t port = handshake.dict_find_int_value("p", 0);
    HostPort from{remote.address().to_string(),
                  port > 0 && port < 65536 ? static_cast<std::uint16_t>(port)
                                           : remote.port()};
    board_->receive(std::move(from),
                    std::string(notice.string_ptr(),
                                static_cast<std::size_t>(notice.string_length())));
    return true;
  }

  bool can_disconnect(const lt::error_code &ec) override {
    // Every peer seeds the board, and libtorrent closes a connection
    // between two seeds the moment it sees the other's bitfield, which can
    // drop our handshake before it leaves. Idle connections still time out
    // (timed_out_no_interest, about a minute).
    return !(ec == lt::errors::upload_upload_connection ||
             ec == lt::errors::uninteresting_upload_peer);
  }

private:
  std::shared_ptr<BoardState> board_;
  lt::peer_connection_handle connection_;
};

class BoardTorrentPlugin final : public lt::torrent_plugin {
public:
  explicit BoardTorrentPlugin(std::shared_ptr<BoardState> board)
      : board_(std::move(board)) {}
  std::shared_ptr<lt::peer_plugin>
  new_connection(const lt::peer_connection_handle &connection) override {
    if (connection.type() != lt::connection_type::bittorrent)
      return nullptr;
    return std::make_shared<BoardPeer>(board_, connection);
  }

private:
  std::shared_ptr<BoardState> board_;
};

} // namespace

/// The userdata of a board torrent: which board it carries.
struct NoticeBoardTag {
  std::shared_ptr<BoardState> board;
};

std::function<std::shared_ptr<lt::torrent_plugin>(const lt::torrent_handle &,
                                                  lt::client_data_t)>
notice_board_extension() {
  return [](const lt::torrent_handle &, lt::client_data_t userdata)
             -> std::shared_ptr<lt::torrent_plugin> {
    auto *tag = userdata.get<NoticeBoardTag>();
    if (!tag)
      return nullptr;
    return std::make_shared<BoardTorrentPlugin>(tag->board);
  };
}

std::shared_ptr<NoticeBoard> Node::join_board(std::string_view name) {
  auto &impl = *impl_;
  std::string key(name);
  {
    std::lock_guard lock(impl.mutex);
    if (auto it = impl.boards.find(key); it != impl.boards.end())
      return it->second->board;
  }
  auto tag = std::make_shared<NoticeBoardTag>();
  tag->board = std::make_shared<BoardState>();
  {
    std::lock_guard lock(impl.mutex);
    impl.boards[key] = tag;
  }
  std::string infohash = impl.seed_content(notice_board_content(name), "board",
                                           lt::client_data_t(tag.get()));
  std::lock_guard lock(impl.mutex);
  tag->board->set_torrent(impl.torrents[infohash].handle);
  return tag->board;
}

} // namespace hlswarm
