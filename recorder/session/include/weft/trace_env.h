// trace_env.h — what a trace keeps of the program's environment and executable: secret-looking
// variables as a name and a salted, slow digest (never the value), the executable's build-id,
// and, for a replay, the environment put back together from the current one.
#pragma once

#include <string>
#include <vector>

#include "weft/result.h"
#include "weft/trace.h"

namespace weft::session {

// The digest scheme every new trace uses (formats/FORMAT.md, header.env): scrypt with
// N = 16384, r = 8, p = 1, 32 bytes, over the value, salted with the trace's salt, a NUL and
// the variable's name.
inline constexpr const char* kEnvDigestScheme = "scrypt-n16384-r8-p1";

// Whether a variable is redacted by default: its name looks secret (contains KEY, TOKEN,
// SECRET, PASSWORD, PASSWD, PASSPHRASE, CREDENTIAL, AUTH, COOKIE or PRIVATE, in any case;
// not AUTHOR… and not a name ending in _SOCK, _FILE, _PATH or _DIR, which name files), or
// its value holds a URL with a password (scheme://user:password@host).
bool LooksSecret(const std::string& name, const std::string& value);

// Which variables a trace stores as name and digest only: the rule (LooksSecret), less the
// names in `keep`, plus the names in `redact`.
struct EnvPolicy {
  std::vector<std::string> keep;    // --keep-env NAME
  std::vector<std::string> redact;  // --redact-env NAME
};

// Fills header->env, env_redacted, env_salt, env_digest_scheme and env_kept from `env`
// ("K=V", the program's environment). The salt is drawn once per process and digests are
// cached, so the many traces of one explore pay for each variable once.
Status RedactEnvironment(const std::vector<std::string>& env, const EnvPolicy& policy,
                         format::Header* header);

// The digest of one value under `scheme` and `salt_hex`; an error for an unknown scheme.
Result<std::string> EnvDigest(const std::string& scheme, const std::string& salt_hex,
                              const std::string& name, const std::string& value);

// The environment of a run of `header`'s program: the recorded one, with each redacted
// variable's value taken from `current` ("K=V") and checked against its digest.
struct RestoredEnvironment {
  std::vector<std::string> env;       // "K=V", in the recorded order
  std::vector<std::string> missing;   // redacted names not set in `current` (left unset)
  std::vector<std::string> differs;   // redacted names set to another value than recorded
  std::vector<std::string> redacted;  // every redacted name
  bool unknown_scheme = false;        // the digests could not be checked
  EnvPolicy policy;                   // for a trace of this run: the same names redacted and kept
};
RestoredEnvironment RestoreEnvironment(const format::Header& header,
                                       const std::vector<std::string>& current);

// What identifies an executable file: its GNU build-id (lower-case hex) or, when it has
// none, the SHA-256 of its bytes.
struct ExecutableIdentity {
  std::string build_id;
  std::string sha256;  // only when build_id is ""
};
// Reads `path` (cached by device, inode, size and modification time). Errors name the file.
Result<ExecutableIdentity> IdentifyExecutable(const std::string& path);

}  // namespace weft::session
