// ResolveProgram: finds programs and refuses, with a clear reason, what the shim cannot run.
#include <elf.h>
#include <gmock/gmock.h>
#include <gtest/gtest.h>
#include <stdlib.h>

#include <cstring>
#include <filesystem>
#include <string>

#include "test_util.h"
#include "weft/launcher.h"

namespace weft::launcher {
namespace {

using ::testing::HasSubstr;
using testing::Program;
using testing::ReadFile;
using testing::TempDir;

std::string ErrorOf(const std::string& argv0) {
  auto r = ResolveProgram(argv0);
  EXPECT_FALSE(r.ok()) << argv0 << " resolved to " << (r.ok() ? r->path : "");
  return r.ok() ? "" : r.error().message;
}

TEST(ResolveProgram, FindsAProgramThroughPath) {
  auto r = ResolveProgram("true");
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->path.front(), '/');
  EXPECT_TRUE(r->path.ends_with("/true")) << r->path;
}

TEST(ResolveProgram, MakesARelativePathAbsolute) {
  std::string dir = std::filesystem::path(Program("two_threads")).parent_path().string();
  std::string old_cwd = std::filesystem::current_path().string();
  std::filesystem::current_path(dir);
  auto r = ResolveProgram("./two_threads");
  std::filesystem::current_path(old_cwd);
  ASSERT_TRUE(r.ok()) << r.error().message;
  EXPECT_EQ(r->path, Program("two_threads"));
}

TEST(ResolveProgram, AcceptsTheHelperPrograms) {
  for (const char* name : {"crash_null", "two_threads", "crash_null_stripped"}) {
    auto r = ResolveProgram(Program(name));
    EXPECT_TRUE(r.ok()) << name << ": " << r.error().message;
  }
}

TEST(ResolveProgram, MissingFile) {
  std::string message = ErrorOf("./no-such-program-here");
  EXPECT_THAT(message, HasSubstr("'./no-such-program-here'"));
  EXPECT_THAT(message, HasSubstr("no such file"));
}

TEST(ResolveProgram, NotInPath) {
  std::string message = ErrorOf("weft-no-such-command-xyz");
  EXPECT_THAT(message, HasSubstr("'weft-no-such-command-xyz'"));
  EXPECT_THAT(message, HasSubstr("not found in PATH"));
}

TEST(ResolveProgram, OnlyANonExecutableFileInPath) {
  TempDir dir;
  dir.Write("weft-tool", "#!/bin/sh\n", 0644);
  std::string old_path = getenv("PATH");
  setenv("PATH", dir.path().c_str(), 1);
  auto r = ResolveProgram("weft-tool");
  setenv("PATH", old_path.c_str(), 1);
  ASSERT_FALSE(r.ok());
  EXPECT_THAT(r.error().message, HasSubstr("not executable"));
  EXPECT_THAT(r.error().message, HasSubstr(dir.path() + "/weft-tool"));
}

TEST(ResolveProgram, Directory) {
  TempDir dir;
  std::string message = ErrorOf(dir.path());
  EXPECT_THAT(message, HasSubstr(dir.path()));
  EXPECT_THAT(message, HasSubstr("is a directory"));
}

TEST(ResolveProgram, NotExecutable) {
  TempDir dir;
  std::string bytes = ReadFile(Program("two_threads"));
  std::string path = dir.Write("prog", bytes, 0644);
  std::string message = ErrorOf(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("not executable"));
  EXPECT_THAT(message, HasSubstr("chmod +x"));
}

TEST(ResolveProgram, ScriptIsRefusedWithTheInterpreterToUse) {
  TempDir dir;
  std::string path = dir.Write("run.sh", "#!/bin/sh\nexec ./prog\n", 0755);
  std::string message = ErrorOf(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("is a script"));
  EXPECT_THAT(message, HasSubstr("weft record -- /bin/sh " + path));
}

TEST(ResolveProgram, NotAnElf) {
  TempDir dir;
  std::string path = dir.Write("data", "hello, world\n", 0755);
  std::string message = ErrorOf(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("not an ELF program"));
}

TEST(ResolveProgram, StaticallyLinked) {
  std::string path = Program("static_hello");
  std::string message = ErrorOf(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("statically linked"));
  EXPECT_THAT(message, HasSubstr("rebuild without -static"));
}

TEST(ResolveProgram, ThirtyTwoBit) {
  TempDir dir;
  std::string bytes = ReadFile(Program("two_threads"));
  bytes[EI_CLASS] = ELFCLASS32;
  std::string path = dir.Write("prog32", bytes, 0755);
  std::string message = ErrorOf(path);
  EXPECT_THAT(message, HasSubstr(path));
  EXPECT_THAT(message, HasSubstr("32-bit"));
}

TEST(ResolveProgram, OtherArchitecture) {
  TempDir dir;
  std::string bytes = ReadFile(Program("two_threads"));
  Elf64_Ehdr ehdr;
  std::memcpy(&ehdr, bytes.data(), sizeof(ehdr));
  ehdr.e_machine = EM_AARCH64;
  std::memcpy(bytes.data(), &ehdr, sizeof(ehdr));
  std::string path = dir.Write("prog-arm", bytes, 0755);
  std::string message = ErrorOf(path);
  EXPECT_THAT(message, HasSubstr("AArch64"));
  EXPECT_THAT(message, HasSubstr("not x86-64"));
}

}  // namespace
}  // namespace weft::launcher
