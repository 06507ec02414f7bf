// seg-split: cut a media file or a live stream into HLS segments.
#include <CLI/CLI.hpp>

#include "hlswarm/base/error.hpp"
#include "hlswarm/base/jsonl.hpp"
#include "hlswarm/media/split.hpp"
#include "hlswarm/base/tool.hpp"

namespace {

/// A CLI11 check that runs a library parser and says what it says. No name,
/// so --help shows the plain type ("SECONDS", not "SECONDS:POSITIVE").
template <typename Parse> CLI::Validator check_with(Parse parse) {
  return CLI::Validator(
      [parse](std::string &text) -> std::string {
        try {
          parse(text);
          return {};
        } catch (const hlswarm::Error &e) {
          return e.reason();
        }
      },
      "", "");
}

} // namespace

int main(int argc, char **argv) {
  hlswarm::Tool tool("seg-split",
                     "Cut a media file or stream into HLS segments without "
                     "re-encoding; print one JSON line per finished segment");
  hlswarm::SplitOptions options;
  CLI::App &app = tool.app();

  app.add_option("INPUT", options.input,
                 "Media file, or - for standard input (default)")
      ->type_name("FILE");
  app.add_option("-o,--out", options.out_dir,
                 "Folder for the segments, created if missing (default: .)")
      ->type_name("DIR");
  app.add_option("-d,--duration", options.duration,
                 "Target segment length in seconds; cuts fall on the first "
                 "keyframe at or after each multiple (default: 8)")
      ->type_name("SECONDS")
      ->check(check_with(hlswarm::parse_segment_duration));
  app.add_option("--name", options.name_pattern,
                 "Segment file name with one %d for the number (default: "
                 "seg%05d.ts, or seg%05d.m4s with fmp4)")
      ->type_name("PATTERN");
  app.add_option_function<std::string>(
         "--format",
         [&](const std::string &name) {
           options.format = hlswarm::parse_segment_format(name);
         },
         "Segment container: mpegts (default) or fmp4")
      ->type_name("FORMAT")
      ->check(CLI::IsMember({"mpegts", "fmp4"}).description(""));
  app.add_option("--init-name", options.init_name,
                 "File name of the fmp4 init segment (default: init.mp4)")
      ->type_name("NAME");
  app.add_option("--playlist", options.playlist,
                 "Also keep an HLS media playlist at FILE (EVENT while "
                 "running, ENDLIST at the end)")
      ->type_name("FILE");
  app.add_option("--start-seq", options.start_seq,
                 "Number of the first segment, 0 to 10^12 (default: 0)")
      ->type_name("N")
      ->check(check_with(hlswarm::parse_start_seq));

  return tool.run(argc, argv, [&] {
    auto result = hlswarm::split(options, [](const hlswarm::Segment &segment) {
      hlswarm::write_json_line(hlswarm::segment_line(segment));
    });
    hlswarm::write_json_line(hlswarm::end_line(result));
    return result.interrupted ? hlswarm::Exit::interrupted
                              : hlswarm::Exit::ok;
  });
}
