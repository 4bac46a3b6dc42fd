// trace_env_test.cc — which variables a trace redacts, the digests, and a replay's
// environment put back together.
#include "weft/trace_env.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "weft/run.h"
#include "weft/trace_io.h"

namespace weft::session {
namespace {

TEST(LooksSecret, NamesAndValues) {
  for (const char* name : {"MY_API_TOKEN", "AWS_SECRET_ACCESS_KEY", "PGPASSWORD", "db_passwd",
                           "GITHUB_AUTH", "SESSION_COOKIE", "SSH_PRIVATE", "APIKEY",
                           "GOOGLE_APPLICATION_CREDENTIALS_JSON", "PASSPHRASE"}) {
    EXPECT_TRUE(LooksSecret(name, "x")) << name;
  }
  for (const char* name : {"PATH", "HOME", "GIT_AUTHOR_NAME", "XAUTHORITY", "SSH_AUTH_SOCK",
                           "KEY_FILE", "TOKEN_PATH", "LANG", "TERM"}) {
    EXPECT_FALSE(LooksSecret(name, "x")) << name;
  }
  EXPECT_TRUE(LooksSecret("DATABASE_URL", "postgres://app:hunter2@db:5432/app"));
  EXPECT_FALSE(LooksSecret("DATABASE_URL", "postgres://app@db:5432/app"));
  EXPECT_FALSE(LooksSecret("HOMEPAGE", "https://example.org/a:b@c"));
}

TEST(EnvDigest, SaltedByTraceAndName) {
  auto d = [](const char* salt, const char* name, const char* value) {
    Result<std::string> r = EnvDigest(kEnvDigestScheme, salt, name, value);
    EXPECT_TRUE(r.ok());
    return r.ok() ? r.value() : std::string();
  };
  std::string a = d("00112233445566778899aabbccddeeff", "TOKEN", "s3cr3t");
  EXPECT_EQ(a.size(), 64u);
  EXPECT_EQ(a, d("00112233445566778899aabbccddeeff", "TOKEN", "s3cr3t"));
  EXPECT_NE(a, d("00112233445566778899aabbccddeefe", "TOKEN", "s3cr3t"));
  EXPECT_NE(a, d("00112233445566778899aabbccddeeff", "TOKEN2", "s3cr3t"));
  EXPECT_NE(a, d("00112233445566778899aabbccddeeff", "TOKEN", "s3cr3u"));
  EXPECT_FALSE(EnvDigest("md5", "00", "TOKEN", "x").ok());
}

TEST(RedactEnvironment, ValueNeverInHeaderNorFile) {
  format::Header h;
  ASSERT_TRUE(RedactEnvironment({"PATH=/bin", "MY_TOKEN=s3cr3t", "PLAIN=visible", "KEEP_KEY=k1"},
                                EnvPolicy{{"KEEP_KEY"}, {"PLAIN"}}, &h)
                  .ok());
  ASSERT_EQ(h.env.size(), 4u);
  EXPECT_EQ(h.env[1], (std::pair<std::string, std::string>("MY_TOKEN", "")));
  EXPECT_EQ(h.env[2].second, "");
  EXPECT_EQ(h.env[3].second, "k1");
  ASSERT_EQ(h.env_redacted.size(), 2u);
  EXPECT_EQ(h.env_redacted[0].index, 1u);
  EXPECT_EQ(h.env_redacted[1].index, 2u);
  EXPECT_EQ(h.env_kept, std::vector<std::string>{"KEEP_KEY"});
  EXPECT_EQ(h.env_digest_scheme, kEnvDigestScheme);
  EXPECT_EQ(h.env_salt.size(), 32u);

  // The writer never writes a redacted entry's value, whatever the caller left there.
  format::Trace t;
  t.header = h;
  t.header.env[1].second = "s3cr3t";
  std::string path = testing::TempDir() + "/redacted.weft";
  ASSERT_TRUE(format::WriteTrace(path, t).ok());
  Result<format::Trace> back = format::ReadTrace(path);
  ASSERT_TRUE(back.ok()) << back.error().message;
  EXPECT_EQ(back->header.env, h.env);
  EXPECT_EQ(back->header.env_redacted, h.env_redacted);
  EXPECT_EQ(back->header.env_kept, h.env_kept);
  EXPECT_EQ(back->header.env_salt, h.env_salt);
}

TEST(RestoreEnvironment, MissingDifferentAndPolicy) {
  format::Header h;
  ASSERT_TRUE(RedactEnvironment({"A_TOKEN=one", "B_TOKEN=two", "PATH=/bin", "OLD_KEY=clear"},
                                EnvPolicy{{"OLD_KEY"}, {}}, &h)
                  .ok());
  RestoredEnvironment r = RestoreEnvironment(h, {"A_TOKEN=one", "B_TOKEN=three", "PATH=/usr"});
  EXPECT_EQ(r.env, (std::vector<std::string>{"A_TOKEN=one", "B_TOKEN=three", "PATH=/bin",
                                             "OLD_KEY=clear"}));
  EXPECT_TRUE(r.missing.empty());
  EXPECT_EQ(r.differs, std::vector<std::string>{"B_TOKEN"});
  EXPECT_EQ(r.policy.redact, (std::vector<std::string>{"A_TOKEN", "B_TOKEN"}));
  EXPECT_EQ(r.policy.keep, std::vector<std::string>{"OLD_KEY"});
  RestoredEnvironment m = RestoreEnvironment(h, {"PATH=/usr"});
  EXPECT_EQ(m.missing, (std::vector<std::string>{"A_TOKEN", "B_TOKEN"}));
  EXPECT_EQ(m.env, (std::vector<std::string>{"PATH=/bin", "OLD_KEY=clear"}));
}

TEST(IdentifyExecutable, BuildIdOrDigest) {
  Result<ExecutableIdentity> self = IdentifyExecutable("/proc/self/exe");
  ASSERT_TRUE(self.ok()) << self.error().message;
  EXPECT_EQ(self->build_id.size() % 2, 0u);
  EXPECT_TRUE(!self->build_id.empty() || self->sha256.size() == 64);
  std::string path = testing::TempDir() + "/not-elf";
  FILE* f = fopen(path.c_str(), "w");
  ASSERT_NE(f, nullptr);
  fputs("abc", f);
  fclose(f);
  Result<ExecutableIdentity> text = IdentifyExecutable(path);
  ASSERT_TRUE(text.ok());
  EXPECT_EQ(text->build_id, "");
  // SHA-256("abc")
  EXPECT_EQ(text->sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_FALSE(IdentifyExecutable("/nonexistent/prog").ok());
}

// The environment's bytes are at the top of the program's stack: a session descriptor of one
// more digit (a fork server's children inherit the server's number, an exec'd run gets its
// own memfd's) must not move the program's stack addresses.
TEST(ProgramEnvironment, SessionFdTakesTheSameBytesWhateverItsNumber) {
  auto bytes = [](int fd) {
    size_t n = 0;
    for (const std::string& kv : ProgramEnvironment({"HOME=/root"}, "/lib/shim.so", fd)) {
      n += kv.size() + 1;
    }
    return n;
  };
  EXPECT_EQ(bytes(3), bytes(12));
  EXPECT_EQ(bytes(3), bytes(4095));
  std::vector<std::string> env = ProgramEnvironment({}, "/lib/shim.so", 12);
  EXPECT_NE(std::find(env.begin(), env.end(), "WEFT_SESSION_FD=0000012"), env.end());
}

}  // namespace
}  // namespace weft::session
