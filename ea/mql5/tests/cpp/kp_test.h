// Tiny assertion kit for the off-terminal tests. Each group is a function; the runner prints one
// "GROUP <name> ok|FAIL checks=<n> failures=<m>" line per group so ea.test.ts can map groups to subtests.
#pragma once
#include "../compat/mql5_compat.h"
#include <functional>
#include <sstream>
#include <string>
#include <vector>

struct KpTestState { int checks = 0; int failures = 0; };
inline KpTestState &kp_state() { static KpTestState s; return s; }
template <typename T> std::string kp_show(const T &v) { std::ostringstream o; o.precision(17); o << v; return o.str(); }

#define CHECK(cond) do { kp_state().checks++; if (!(cond)) { kp_state().failures++; \
  fprintf(stderr, "  FAIL %s:%d: %s\n", __FILE__, __LINE__, #cond); } } while (0)
#define CHECK_EQ(a, b) do { kp_state().checks++; auto _a = (a); auto _b = (b); if (!(_a == _b)) { kp_state().failures++; \
  fprintf(stderr, "  FAIL %s:%d: %s == %s\n    got:      %s\n    expected: %s\n", __FILE__, __LINE__, #a, #b, \
  kp_show(_a).c_str(), kp_show(_b).c_str()); } } while (0)
#define CHECK_NEAR(a, b, eps) do { kp_state().checks++; double _a = (a), _b = (b); if (std::fabs(_a - _b) > (eps)) { \
  kp_state().failures++; fprintf(stderr, "  FAIL %s:%d: %s ~ %s (got %.17g, expected %.17g)\n", __FILE__, __LINE__, #a, #b, _a, _b); } } while (0)

struct KpGroup { std::string name; std::function<void()> fn; };
inline std::vector<KpGroup> &kp_groups() { static std::vector<KpGroup> g; return g; }
struct KpRegister { KpRegister(const char *n, std::function<void()> f) { kp_groups().push_back({n, f}); } };
#define TEST_GROUP(name) static void tg_##name(); static KpRegister reg_##name(#name, tg_##name); static void tg_##name()

// command line: --root <repo root> (for the published test vectors), --files <tmp dir>
inline std::string &kp_repo_root() { static std::string r = "."; return r; }
inline std::string &kp_build_dir() { static std::string r = "."; return r; }

// fresh file sandbox per group
inline void kp_fresh_files(const std::string &name) {
  std::string dir = kp_build_dir() + "/files-" + name;
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  setenv("KP_COMPAT_FILES", dir.c_str(), 1);
}
inline std::string kp_read_text(const std::string &path) {
  FILE *f = fopen(path.c_str(), "rb"); if (!f) return "";
  std::string s; char buf[4096]; size_t n;
  while ((n = fread(buf, 1, sizeof buf, f)) > 0) s.append(buf, n);
  fclose(f); return s;
}
