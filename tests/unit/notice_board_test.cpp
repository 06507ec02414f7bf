// Notice boards between real libtorrent sessions on loopback.
#include "hlswarm/net/notice_board.hpp"

#include <chrono>
#include <thread>

#include <gtest/gtest.h>

#include "hlswarm/net/node.hpp"
#include "loopback_node.hpp"

using namespace hlswarm;
using test::loopback_node;
using std::chrono::seconds;

namespace {

HostPort where(const Node &node) { return node.listen_endpoints().front(); }

/// The notice `board` got from `from`, waiting up to 10 s for it ("" if none).
std::string notice_from(const NoticeBoard &board, const HostPort &from) {
  auto deadline = std::chrono::steady_clock::now() + seconds(10);
  while (std::chrono::steady_clock::now() < deadline) {
    for (const auto &notice : board.notices())
      if (notice.from == from)
        return notice.notice;
    std::this_thread::sleep_for(std::chrono::milliseconds(20)); // between polls
  }
  return {};
}

} // namespace

TEST(NoticeBoard, TorrentContentDependsOnTheNameOnly) {
  EXPECT_EQ(notice_board_content("offers"), notice_board_content("offers"));
  EXPECT_NE(notice_board_content("offers"), notice_board_content("other"));
}

TEST(NoticeBoard, PeersHandEachOtherTheirNoticesWhenTheyMeet) {
  Node a(loopback_node("127.0.0.81:0")), b(loopback_node("127.0.0.82:0"));
  auto board_a = a.join_board("test");
  EXPECT_EQ(a.join_board("test"), board_a) << "one board per name";
  board_a->post("notice of A");
  auto board_b = b.join_board("test");
  board_b->post("notice of B");
  board_b->connect({where(a)}); // B dials A: each learns the other's
  EXPECT_EQ(notice_from(*board_b, where(a)), "notice of A");
  EXPECT_EQ(notice_from(*board_a, where(b)), "notice of B")
      << "A names B by its listen port, not the port B dialled from";

  // A notice posted later reaches those met later; a board of another
  // name never meets this one.
  board_a->post("notice of A, changed");
  Node c(loopback_node("127.0.0.83:0"));
  auto board_c = c.join_board("test");
  auto other = c.join_board("other");
  other->connect({where(a)});
  board_c->connect({where(a)});
  EXPECT_EQ(notice_from(*board_c, where(a)), "notice of A, changed");
  EXPECT_TRUE(other->notices().empty());
}
