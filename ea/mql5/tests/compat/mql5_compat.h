// mql5_compat.h — just enough of the MQL5 runtime, with MQL5 semantics, for the terminal-independent
// Kopitra includes to compile and run as C++17 (g++) in unit tests. It is never used by MetaEditor.
//
// Deliberate differences from the terminal, kept small and documented:
//  * `string` holds UTF-8 bytes; MQL5 strings are UTF-16. Our includes only ever inspect ASCII
//    characters and copy everything else through, so both behave the same on the wire.
//  * Files live under $KP_COMPAT_FILES (default /tmp/kp-compat-files); FILE_COMMON maps to a
//    "common" subfolder, everything else to "local".
//  * WebRequest calls a test hook (g_compat_webrequest) instead of the network.
#pragma once
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <chrono>
#include <filesystem>
#include <functional>
#include <iostream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

typedef unsigned char uchar;
typedef unsigned short ushort;
typedef unsigned int uint;
typedef unsigned long ulong;  // 64-bit on LP64 Linux, as in MQL5
typedef long datetime;
static_assert(sizeof(long) == 8, "MQL5 long is 64-bit");

// ---------------------------------------------------------------- string
class string {
 public:
  std::string s;
  string() {}
  string(const char *c) : s(c ? c : "") {}
  string(const std::string &x) : s(x) {}
  string &operator+=(const string &o) { s += o.s; return *this; }
  string &operator+=(const char *o) { s += o; return *this; }
  bool operator==(const string &o) const { return s == o.s; }
  bool operator!=(const string &o) const { return s != o.s; }
  bool operator<(const string &o) const { return s < o.s; }
  bool operator>(const string &o) const { return s > o.s; }
  bool operator==(const char *o) const { return s == o; }
  bool operator!=(const char *o) const { return s != o; }
  const char *c_str() const { return s.c_str(); }
};
inline string operator+(const string &a, const string &b) { return string(a.s + b.s); }
inline string operator+(const char *a, const string &b) { return string(std::string(a) + b.s); }
inline string operator+(const string &a, const char *b) { return string(a.s + b); }
inline std::ostream &operator<<(std::ostream &o, const string &x) { return o << x.s; }

// ---------------------------------------------------------------- dynamic arrays
template <typename T>
class MqlArray {
 public:
  std::vector<T> v;
  T &operator[](int i) {
    if (i < 0 || i >= (int)v.size()) { fprintf(stderr, "array out of range: %d of %d\n", i, (int)v.size()); abort(); }
    return v[(size_t)i];
  }
  const T &operator[](int i) const {
    if (i < 0 || i >= (int)v.size()) { fprintf(stderr, "array out of range: %d of %d\n", i, (int)v.size()); abort(); }
    return v[(size_t)i];
  }
};
template <typename T> int ArrayResize(MqlArray<T> &a, int n, int reserve = 0) { (void)reserve; if (n < 0) return -1; a.v.resize((size_t)n); return n; }
template <typename T> int ArraySize(const MqlArray<T> &a) { return (int)a.v.size(); }
template <typename T> void ArrayFree(MqlArray<T> &a) { a.v.clear(); }
template <typename T, size_t N> int ArraySize(const T (&)[N]) { return (int)N; }
template <typename T> int ArrayCopy(MqlArray<T> &dst, const MqlArray<T> &src, int dst_start = 0, int src_start = 0, int count = -1) {
  int n = count < 0 ? (int)src.v.size() - src_start : count;
  if ((int)dst.v.size() < dst_start + n) dst.v.resize((size_t)(dst_start + n));
  for (int i = 0; i < n; i++) dst.v[(size_t)(dst_start + i)] = src.v[(size_t)(src_start + i)];
  return n;
}

// ---------------------------------------------------------------- constants
#define WHOLE_ARRAY -1
#define CP_ACP 0
#define CP_UTF8 65001
#define INVALID_HANDLE -1
#define FILE_READ 1
#define FILE_WRITE 2
#define FILE_BIN 4
#define FILE_CSV 8
#define FILE_TXT 16
#define FILE_ANSI 32
#define FILE_UNICODE 64
#define FILE_SHARE_READ 128
#define FILE_SHARE_WRITE 256
#define FILE_REWRITE 512
#define FILE_COMMON 4096
#define SEEK_SET_MQL 0
#define EMPTY_VALUE 1.7976931348623157e308

// ---------------------------------------------------------------- strings
inline int StringLen(const string &s) { return (int)s.s.size(); }
inline string StringSubstr(const string &s, int start, int length = -1) {
  if (start < 0 || start >= (int)s.s.size()) return string("");
  if (length < 0) return string(s.s.substr((size_t)start));
  return string(s.s.substr((size_t)start, (size_t)length));
}
inline int StringFind(const string &s, const string &sub, int start = 0) {
  if (start < 0) start = 0;
  size_t p = s.s.find(sub.s, (size_t)start);
  return p == std::string::npos ? -1 : (int)p;
}
inline ushort StringGetCharacter(const string &s, int pos) {
  if (pos < 0 || pos >= (int)s.s.size()) return 0;
  return (ushort)(uchar)s.s[(size_t)pos];
}
inline string ShortToString(ushort c) { return string(std::string(1, (char)c)); }
// MQL5: copies the text into a uchar array including the terminating zero when count is WHOLE_ARRAY.
inline int StringToCharArray(const string &text, MqlArray<uchar> &arr, int start = 0, int count = -1, uint codepage = CP_ACP) {
  (void)codepage;
  std::string src = text.s;
  int n = (int)src.size() + 1;  // + terminating zero
  if (count >= 0 && count < n) n = count;
  if ((int)arr.v.size() < start + n) arr.v.resize((size_t)(start + n));
  for (int i = 0; i < n; i++) arr.v[(size_t)(start + i)] = i < (int)src.size() ? (uchar)src[(size_t)i] : 0;
  return n;
}
inline string CharArrayToString(const MqlArray<uchar> &arr, int start = 0, int count = -1, uint codepage = CP_ACP) {
  (void)codepage;
  std::string out;
  int end = count < 0 ? (int)arr.v.size() : std::min((int)arr.v.size(), start + count);
  for (int i = start; i < end; i++) { if (arr.v[(size_t)i] == 0) break; out.push_back((char)arr.v[(size_t)i]); }
  return string(out);
}
inline string IntegerToString(long v, int len = 0, ushort fill = ' ') {
  std::string s = std::to_string(v);
  while ((int)s.size() < len) s.insert(s.begin(), (char)fill);
  return string(s);
}
inline string DoubleToString(double v, int digits = 8) {
  char buf[512];
  if (digits < 0) digits = 8;
  if (digits > 16) digits = 16;
  snprintf(buf, sizeof buf, "%.*f", digits, v);
  return string(buf);
}
inline long StringToInteger(const string &s) { return strtol(s.s.c_str(), nullptr, 10); }
inline double StringToDouble(const string &s) { return strtod(s.s.c_str(), nullptr); }
inline bool StringToLower(string &s) { for (auto &c : s.s) c = (char)tolower((uchar)c); return true; }
inline bool StringToUpper(string &s) { for (auto &c : s.s) c = (char)toupper((uchar)c); return true; }
inline int StringReplace(string &s, const string &find, const string &rep) {
  if (find.s.empty()) return -1;
  int n = 0; size_t p = 0;
  while ((p = s.s.find(find.s, p)) != std::string::npos) { s.s.replace(p, find.s.size(), rep.s); p += rep.s.size(); n++; }
  return n;
}
inline int StringTrimLeft(string &s) { size_t i = 0; while (i < s.s.size() && isspace((uchar)s.s[i])) i++; s.s.erase(0, i); return (int)i; }
inline int StringTrimRight(string &s) { size_t n = 0; while (!s.s.empty() && isspace((uchar)s.s.back())) { s.s.pop_back(); n++; } return (int)n; }

// ---------------------------------------------------------------- math
inline double MathFloor(double x) { return std::floor(x); }
inline double MathCeil(double x) { return std::ceil(x); }
inline double MathRound(double x) { return std::round(x); }
inline double MathAbs(double x) { return std::fabs(x); }
inline double MathPow(double b, double e) { return std::pow(b, e); }
inline double MathLog10(double x) { return std::log10(x); }
inline double MathMax(double a, double b) { return a > b ? a : b; }
inline double MathMin(double a, double b) { return a < b ? a : b; }
inline bool MathIsValidNumber(double x) { return std::isfinite(x); }
inline double NormalizeDouble(double v, int digits) { double p = std::pow(10.0, digits); return std::round(v * p) / p; }
// MQL5 MathRand: 0..32767; deterministic LCG here, seeded by MathSrand.
inline uint &compat_rand_state() { static uint s = 1; return s; }
inline void MathSrand(uint seed) { compat_rand_state() = seed; }
inline int MathRand() { compat_rand_state() = compat_rand_state() * 1103515245u + 12345u; return (int)((compat_rand_state() >> 16) & 0x7FFF); }

// ---------------------------------------------------------------- time (controllable from tests)
inline ulong &compat_tick_ms() { static ulong t = 1000000; return t; }
inline long &compat_gmt_offset_s() { static long o = 0; return o; }
inline ulong GetTickCount64() { return compat_tick_ms(); }
inline uint GetTickCount() { return (uint)compat_tick_ms(); }
// TimeGMT follows the (test-controlled) tick count from the real time at first use, so that advancing
// compat_tick_ms() advances every clock consistently.
inline datetime TimeGMT() {
  static long startS = (long)std::chrono::duration_cast<std::chrono::seconds>(std::chrono::system_clock::now().time_since_epoch()).count();
  static ulong startTick = compat_tick_ms();
  return (datetime)(startS + (long)((compat_tick_ms() - startTick) / 1000) + compat_gmt_offset_s());
}
inline datetime TimeCurrent() { return TimeGMT(); }

// ---------------------------------------------------------------- logging
inline std::vector<std::string> &compat_log() { static std::vector<std::string> l; return l; }
inline bool &compat_log_echo() { static bool e = false; return e; }
template <typename... A> void Print(const A &...a) {
  std::ostringstream o; (void)std::initializer_list<int>{((o << a), 0)...};
  compat_log().push_back(o.str());
  if (compat_log_echo()) std::cerr << o.str() << "\n";
}
inline int &compat_last_error() { static int e = 0; return e; }
inline int GetLastError() { return compat_last_error(); }
inline void ResetLastError() { compat_last_error() = 0; }

// ---------------------------------------------------------------- files
namespace compat_fs = std::filesystem;
inline compat_fs::path compat_files_root() {
  const char *e = getenv("KP_COMPAT_FILES");
  return compat_fs::path(e && *e ? e : "/tmp/kp-compat-files");
}
inline compat_fs::path compat_path(const string &name, int flags) {
  std::string n = name.s; std::replace(n.begin(), n.end(), '\\', '/');
  return compat_files_root() / ((flags & FILE_COMMON) ? "common" : "local") / n;
}
struct CompatFile { FILE *f; };
inline std::map<int, CompatFile> &compat_files() { static std::map<int, CompatFile> m; return m; }
// Test hooks: make the next FileMove fail (simulates a crash between writing the temp file and the rename).
inline int &compat_fail_moves() { static int n = 0; return n; }
// Test hook: make the next n FileOpen(FILE_WRITE) calls fail (simulates dying before anything reached the disk).
inline int &compat_fail_writes() { static int n = 0; return n; }
inline int FileOpen(const string &name, int flags, short delimiter = '\t', uint codepage = CP_ACP) {
  (void)delimiter; (void)codepage;
  if ((flags & FILE_WRITE) && compat_fail_writes() > 0) { compat_fail_writes()--; compat_last_error() = 5004; return INVALID_HANDLE; }
  compat_fs::path p = compat_path(name, flags);
  std::error_code ec;
  compat_fs::create_directories(p.parent_path(), ec);
  const char *mode;
  if ((flags & FILE_WRITE) && (flags & FILE_READ)) mode = compat_fs::exists(p) ? "r+b" : "w+b";
  else if (flags & FILE_WRITE) mode = "wb";
  else mode = "rb";
  FILE *f = fopen(p.c_str(), mode);
  if (!f) { compat_last_error() = 5004; return INVALID_HANDLE; }
  static int next = 1;
  int h = next++;
  compat_files()[h] = CompatFile{f};
  return h;
}
inline void FileClose(int h) { auto it = compat_files().find(h); if (it != compat_files().end()) { fclose(it->second.f); compat_files().erase(it); } }
inline void FileFlush(int h) { auto it = compat_files().find(h); if (it != compat_files().end()) fflush(it->second.f); }
inline ulong FileSize(int h) {
  auto it = compat_files().find(h); if (it == compat_files().end()) return 0;
  long cur = ftell(it->second.f); fseek(it->second.f, 0, SEEK_END); long n = ftell(it->second.f); fseek(it->second.f, cur, SEEK_SET);
  return (ulong)n;
}
inline bool FileSeek(int h, long offset, int origin) {
  auto it = compat_files().find(h); if (it == compat_files().end()) return false;
  return fseek(it->second.f, offset, origin == 2 ? SEEK_END : (origin == 1 ? SEEK_CUR : SEEK_SET)) == 0;
}
#define SEEK_END_MQL 2
template <typename T> uint FileWriteArray(int h, const MqlArray<T> &arr, int start = 0, int count = -1) {
  auto it = compat_files().find(h); if (it == compat_files().end()) return 0;
  int n = count < 0 ? (int)arr.v.size() - start : count;
  if (n <= 0) return 0;
  return (uint)fwrite(arr.v.data() + start, sizeof(T), (size_t)n, it->second.f);
}
template <typename T> uint FileReadArray(int h, MqlArray<T> &arr, int start = 0, int count = -1) {
  auto it = compat_files().find(h); if (it == compat_files().end()) return 0;
  if (count < 0) count = (int)(FileSize(h) / sizeof(T));
  if ((int)arr.v.size() < start + count) arr.v.resize((size_t)(start + count));
  size_t got = fread(arr.v.data() + start, sizeof(T), (size_t)count, it->second.f);
  arr.v.resize((size_t)start + got);
  return (uint)got;
}
inline bool FileIsExist(const string &name, int common_flag = 0) { return compat_fs::exists(compat_path(name, common_flag)); }
inline bool FileDelete(const string &name, int common_flag = 0) { std::error_code ec; return compat_fs::remove(compat_path(name, common_flag), ec); }
inline bool FileMove(const string &src, int common_flag, const string &dst, int mode_flags) {
  if (compat_fail_moves() > 0) { compat_fail_moves()--; compat_last_error() = 5004; return false; }
  compat_fs::path d = compat_path(dst, mode_flags);
  if (compat_fs::exists(d) && !(mode_flags & FILE_REWRITE)) return false;
  std::error_code ec;
  compat_fs::create_directories(d.parent_path(), ec);
  compat_fs::rename(compat_path(src, common_flag), d, ec);  // rename(2): atomic replace, as MoveFileEx is on NTFS
  return !ec;
}

// ---------------------------------------------------------------- WebRequest (test hook)
// MQL5: int WebRequest(method, url, headers, timeout, const char &data[], char &result[], string &result_headers)
struct CompatHttpCall { std::string method, url, headers, body; int timeout; };
inline std::function<int(const CompatHttpCall &, std::string &, std::string &)> &g_compat_webrequest() {
  static std::function<int(const CompatHttpCall &, std::string &, std::string &)> f;
  return f;
}
inline int WebRequest(const string &method, const string &url, const string &headers, int timeout,
                      const MqlArray<char> &data, MqlArray<char> &result, string &result_headers) {
  CompatHttpCall c{method.s, url.s, headers.s, std::string(data.v.begin(), data.v.end()), timeout};
  std::string body, rh;
  int status = g_compat_webrequest() ? g_compat_webrequest()(c, body, rh) : -1;
  if (status < 0) compat_last_error() = 5203;
  result.v.assign(body.begin(), body.end());
  result_headers = string(rh);
  return status;
}
