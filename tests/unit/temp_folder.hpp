// The one temporary-folder fixture of the unit tests: a fresh, empty folder
// per test, named after the test and the process (so parallel ctest runs
// never share one), removed when the test ends.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

#include <gtest/gtest.h>

namespace hlswarm::test {

/// A fresh, empty folder for the running test; removed with this object.
class TempFolder {
public:
  TempFolder() {
    const auto *test = ::testing::UnitTest::GetInstance()->current_test_info();
    std::string name = "hlswarm-test-" + std::to_string(::getpid());
    if (test)
      name += std::string("-") + test->test_suite_name() + "-" + test->name();
    path_ = std::filesystem::temp_directory_path() / name;
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TempFolder() {
    std::error_code ignored; // a test may have removed it already
    std::filesystem::remove_all(path_, ignored);
  }
  TempFolder(const TempFolder &) = delete;
  TempFolder &operator=(const TempFolder &) = delete;

  const std::filesystem::path &path() const { return path_; }
  operator const std::filesystem::path &() const { return path_; }
  std::filesystem::path operator/(const std::filesystem::path &name) const {
    return path_ / name;
  }

private:
  std::filesystem::path path_;
};

/// A GoogleTest fixture whose tests each get `folder_`, a TempFolder.
class TempFolderTest : public ::testing::Test {
protected:
  TempFolder folder_;
};

} // namespace hlswarm::test
