#include "hlswarm/chain/chain.hpp"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "record_fixtures.hpp"

#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/base/text_encoding.hpp"
#include "temp_folder.hpp"

using namespace hlswarm;

namespace {

std::string path_for(const SignedRecord &record) {
  const RecordFields &f = record.fields;
  if (f.end)
    return "";
  return "/videos/out/" + decode_segment_info(f.info_dict, "t").name;
}

std::string chain_text(const std::vector<SignedRecord> &records) {
  std::string text;
  for (const auto &record : records)
    text += render_chain_line(record, path_for(record)) + "\n";
  return text;
}

using ChainFiles = test::TempFolderTest;

} // namespace

TEST(ChainLine, RendersReadableFieldsFromTheRecord) {
  Identity identity = creator();
  SignedRecord first = make_record(identity, nullptr);
  std::string line = render_chain_line(first, path_for(first));
  EXPECT_EQ(line.rfind(R"({"v":1,"seq":0,"id":")", 0), 0u) << line;
  EXPECT_NE(line.find(R"("prev":null,"room":"hlswarm://)"), std::string::npos);
  EXPECT_NE(line.find(R"("start":0.000000,"duration":7.960000,"bytes":1234,"infohash":")"),
            std::string::npos);
  EXPECT_NE(line.find(R"("path":"/videos/out/seg0.ts","end":false,"record":")"),
            std::string::npos);
  Json object = Json::parse(line);
  EXPECT_EQ(object["infohash"], to_hex(digest_bytes(sha256(first.fields.info_dict))));
  EXPECT_EQ(object["record"], to_base64(first.bytes));

  ChainEntry entry = parse_chain_line(line, "t");
  EXPECT_EQ(entry.record.bytes, first.bytes);
  EXPECT_EQ(entry.path, "/videos/out/seg0.ts");

  SignedRecord end = make_record(identity, &first, true);
  std::string end_line = render_chain_line(end, "");
  EXPECT_NE(end_line.find(R"("end":true,"record")"), std::string::npos);
  EXPECT_EQ(end_line.find("path"), std::string::npos);
  EXPECT_EQ(parse_chain_line(end_line, "t").record.fields, end.fields);
}

TEST(ChainLine, InitLinesAndTheSegmentLinesThatNameThemAreVersion2) {
  Identity identity = creator();
  SignedRecord init = make_init_record(identity, nullptr);
  std::string line = render_chain_line(init, path_for(init));
  EXPECT_EQ(line.rfind(R"({"v":2,"seq":0,"id":")", 0), 0u) << line;
  EXPECT_NE(line.find(R"(","init":true,"bytes":800,"infohash":")"), std::string::npos)
      << line;
  EXPECT_NE(line.find(R"("path":"/videos/out/init0.mp4","end":false,"record":")"),
            std::string::npos) << line;
  EXPECT_EQ(line.find("start"), std::string::npos);
  EXPECT_EQ(line.find("init_seq"), std::string::npos);
  ChainEntry entry = parse_chain_line(line, "t");
  EXPECT_EQ(entry.record.fields, init.fields);
  EXPECT_EQ(entry.path, "/videos/out/init0.mp4");

  SignedRecord segment = make_fmp4_record(identity, init, 0);
  std::string segment_line = render_chain_line(segment, path_for(segment));
  EXPECT_EQ(segment_line.rfind(R"({"v":2,"seq":1,)", 0), 0u) << segment_line;
  EXPECT_NE(segment_line.find(R"("end":false,"init_seq":0,"record":")"),
            std::string::npos) << segment_line;
  EXPECT_EQ(parse_chain_line(segment_line, "t").record.fields, segment.fields);

  // A line that drops or adds a readable field is refused.
  std::string no_init = line;
  no_init.erase(no_init.find(R"("init":true,)"), 12);
  EXPECT_THROW(parse_chain_line(no_init, "t"), Error);
  std::string no_seq = segment_line;
  no_seq.erase(no_seq.find(R"("init_seq":0,)"), 13);
  EXPECT_THROW(parse_chain_line(no_seq, "t"), Error);
  std::string v1 = segment_line;
  v1.replace(0, 6, R"({"v":1)");
  EXPECT_THROW(parse_chain_line(v1, "t"), Error);
}

TEST(ChainLine, AnyChangedByteOutsideThePathFolderIsCaught) {
  Identity identity = creator();
  SignedRecord first = make_record(identity, nullptr);
  SignedRecord second = make_record(identity, &first);
  std::string line = render_chain_line(second, path_for(second));
  std::size_t folder_begin = line.find("/videos/out/");
  std::size_t folder_end = folder_begin + std::string("/videos/out/").size() - 1;
  for (std::size_t at = 0; at < line.size(); ++at) {
    if (at >= folder_begin && at < folder_end)
      continue; // the folder of "path" is this machine's note, unsigned
    for (char flip : {'\x01', '\x20'}) {
      std::string changed = line;
      changed[at] ^= flip;
      EXPECT_THROW(parse_chain_line(changed, "t"), Error)
          << "byte " << at << " ^ " << int(flip) << ": " << changed;
    }
  }
  // Even a change to a number's spelling that keeps its value.
  std::string respelled = line;
  respelled.replace(respelled.find("\"duration\":7.960000"), 19, "\"duration\":7.96");
  EXPECT_THROW(parse_chain_line(respelled, "t"), Error);
  // The path must stay absolute, normal and end in the signed name.
  for (std::string path : {"videos/seg1.ts", "/videos/../seg1.ts", "/videos/seg2.ts"}) {
    std::string moved = line;
    moved.replace(moved.find("/videos/out/seg1.ts"), 19, path);
    EXPECT_THROW(parse_chain_line(moved, "t"), Error) << path;
  }
}

TEST(ChainLine, NamesTheFieldThatDisagrees) {
  Identity identity = creator();
  SignedRecord first = make_record(identity, nullptr);
  std::string line = render_chain_line(first, path_for(first));
  line.replace(line.find("\"duration\":7.96"), 15, "\"duration\":8.96");
  try {
    parse_chain_line(line, "t");
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(e.reason().find("\"duration\""), std::string::npos) << e.reason();
  }
}

TEST(ChainLinks, FollowSeqPrevRoomAndEnd) {
  Identity identity = creator();
  SignedRecord a = make_record(identity, nullptr);
  SignedRecord b = make_record(identity, &a);
  SignedRecord c = make_record(identity, &b);
  SignedRecord end = make_record(identity, &b, true);
  EXPECT_FALSE(link_problem(nullptr, a));
  EXPECT_FALSE(link_problem(&a, b));
  EXPECT_TRUE(link_problem(nullptr, b));      // does not start at 0
  EXPECT_TRUE(link_problem(&a, c));           // b missing
  EXPECT_TRUE(link_problem(&b, a));           // swapped
  EXPECT_TRUE(link_problem(&end, c));         // after the end
  SignedRecord forged = make_record(identity, &a);
  forged.fields.prev = sha256("elsewhere");
  forged = sign_record(forged.fields, identity);
  EXPECT_TRUE(link_problem(&a, forged));      // right seq, wrong prev
  SignedRecord other_room = make_record(identity, &a, false, "other");
  EXPECT_TRUE(link_problem(&a, other_room));
}

TEST(ChainLinks, InitSeqNamesAnInitRecordOfTheChain) {
  Identity identity = creator();
  SignedRecord init = make_init_record(identity, nullptr);
  SignedRecord a = make_fmp4_record(identity, init, 0);
  SignedRecord b = make_fmp4_record(identity, a, 0);
  SignedRecord init2 = make_init_record(identity, &b);
  SignedRecord c = make_fmp4_record(identity, init2, 3);
  SignedRecord d = make_fmp4_record(identity, c, 0); // an older init: allowed
  ChainSummary summary = read_chain(chain_text({init, a, b, init2, c, d}), "t");
  EXPECT_EQ(summary.records, 6u);
  EXPECT_EQ(summary.segments, 4u);
  EXPECT_EQ(summary.init_segments, 2u);
  EXPECT_EQ(summary.bytes, 2 * 800u + 4 * 1234u);
  ASSERT_EQ(summary.inits.size(), 2u);
  EXPECT_EQ(summary.inits.back().id, init2.id);
  EXPECT_EQ(summary.init_at(3), &summary.inits[1]);
  EXPECT_EQ(summary.init_at(2), nullptr);
  EXPECT_EQ(summary.timeline_end_us, d.fields.start_us + d.fields.duration_us);

  // An init record last does not move the timeline's end.
  EXPECT_EQ(read_chain(chain_text({init, a, b, init2}), "t").timeline_end_us,
            b.fields.start_us + b.fields.duration_us);

  // init_seq naming a segment record, or a record of another room.
  SignedRecord plain = make_record(identity, nullptr);
  SignedRecord names_plain = make_fmp4_record(identity, plain, 0);
  try {
    read_chain(chain_text({plain, names_plain}), "x.chain");
    FAIL();
  } catch (const Error &e) {
    EXPECT_NE(e.reason().find("line 2, seq 1: init_seq 0 is not an init record"),
              std::string::npos) << e.reason();
  }
  EXPECT_TRUE(init_problem(names_plain, &plain));
  EXPECT_TRUE(init_problem(a, nullptr));
  EXPECT_TRUE(init_problem(a, &init2)); // init2 is seq 3, a names seq 0
  EXPECT_FALSE(init_problem(a, &init));
  EXPECT_FALSE(init_problem(plain, nullptr)); // names no init
  SignedRecord other_room = make_init_record(identity, nullptr, "other");
  EXPECT_TRUE(init_problem(a, &other_room));
}

TEST_F(ChainFiles, AppendsDurablyAndRepairsATornLastLine) {
  Identity identity = creator();
  auto path = folder_ / "chains" / "room.chain";
  SignedRecord a = make_record(identity, nullptr);
  SignedRecord b = make_record(identity, &a);
  {
    ChainFile chain(path);
    EXPECT_EQ(chain.summary().records, 0u);
    chain.append({a, path_for(a)});
    chain.append({b, path_for(b)});
    EXPECT_THROW(chain.append({a, path_for(a)}), Error); // does not follow
    SignedRecord names_a = make_fmp4_record(identity, b, 0);
    EXPECT_THROW(chain.append({names_a, path_for(names_a)}), Error); // a is no init
    // One writer at a time.
    try {
      ChainFile second(path);
      ADD_FAILURE() << "second writer allowed";
    } catch (const Error &e) {
      EXPECT_EQ(e.code(), Exit::temp_fail);
    }
  }
  std::string whole_line = render_chain_line(make_record(identity, &b), "/x/seg2.ts");
  std::ofstream(path, std::ios::app) << whole_line.substr(0, 100); // a crash
  auto size_before = std::filesystem::file_size(path);
  {
    ChainFile chain(path);
    EXPECT_EQ(chain.summary().records, 2u);
    EXPECT_EQ(chain.summary().last->record.id, b.id);
    EXPECT_EQ(chain.summary().timeline_end_us, 8'000'000 + 7'960'000);
    EXPECT_EQ(std::filesystem::file_size(path), size_before - 100);
  }
  // A complete but damaged line is not "torn": it is refused, not removed.
  std::string content;
  {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    content = text.str();
  }
  content[content.size() - 30] ^= 1;
  std::ofstream(path, std::ios::trunc) << content;
  EXPECT_THROW(ChainFile{path}, Error);
  EXPECT_EQ(std::filesystem::file_size(path), content.size());
}

TEST(ChainRead, NamesTheFirstBrokenLineAndSeq) {
  Identity identity = creator();
  SignedRecord a = make_record(identity, nullptr);
  SignedRecord b = make_record(identity, &a);
  SignedRecord c = make_record(identity, &b);
  std::string chain = render_chain_line(a, path_for(a)) + "\n" +
                      render_chain_line(c, path_for(c)) + "\n";
  try {
    read_chain(chain, "x.chain");
    FAIL();
  } catch (const Error &e) {
    EXPECT_EQ(e.subject(), "x.chain");
    EXPECT_NE(e.reason().find("line 2, seq 2"), std::string::npos) << e.reason();
  }
  ChainSummary summary = read_chain(render_chain_line(a, path_for(a)) + "\npartial", "x");
  EXPECT_EQ(summary.records, 1u);
  EXPECT_EQ(summary.torn_bytes, 7u);
}
