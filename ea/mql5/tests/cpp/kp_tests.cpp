// Off-terminal unit tests of the Kopitra MQL5 include library, compiled as C++17 via mql5_compat.h.
// Build + run: see ea/mql5/tests/ea.test.ts (or: g++ -std=c++17 -I ea/mql5/tests -I ea/mql5/Include ...).
#include "kp_test.h"
#include <Kopitra/KpGateway.mqh>
#include <Kopitra/KpMasterLogic.mqh>
#include <Kopitra/KpFollowerLogic.mqh>
#include <csignal>
#include <set>
#include <sys/wait.h>
#include <unistd.h>

static std::string S(const string &x) { return x.s; }
static string hexOf(const std::string &bytes) {
  MqlArray<uchar> a; a.v.assign(bytes.begin(), bytes.end());
  MqlArray<uchar> d; KpSha256(a, (int)bytes.size(), d); return KpHexLower(d, 32);
}
static string hmacOf(const std::string &key, const std::string &msg) {
  MqlArray<uchar> k; k.v.assign(key.begin(), key.end());
  MqlArray<uchar> m; m.v.assign(msg.begin(), msg.end());
  MqlArray<uchar> mac; KpHmacSha256(k, (int)key.size(), m, (int)msg.size(), mac); return KpHexLower(mac, 32);
}

// ------------------------------------------------------------------------------------------ crypto
TEST_GROUP(sha256) {
  CHECK_EQ(S(hexOf("")), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
  CHECK_EQ(S(hexOf("abc")), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  CHECK_EQ(S(hexOf("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq")),
           "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1");
  CHECK_EQ(S(hexOf(std::string(1000000, 'a'))), "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0");
  // RFC 4231 HMAC-SHA256 cases 1, 2, 6 (key longer than the block)
  CHECK_EQ(S(hmacOf(std::string(20, '\x0b'), "Hi There")), "b0344c61d8db38535ca8afceaf0bf12b881dc200c9833da726e9376c2e32cff7");
  CHECK_EQ(S(hmacOf("Jefe", "what do ya want for nothing?")), "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843");
  CHECK_EQ(S(hmacOf(std::string(131, '\xaa'), "Test Using Larger Than Block-Size Key - Hash Key First")),
           "60e431591ee0b67f0d8a26aacbf5b77f8e0bc6213728c5140546040f0ee37f54");
  // UTF-8 of a string excludes StringToCharArray's terminating zero
  MqlArray<uchar> b; CHECK_EQ(KpUtf8Bytes("Grüße", b), 7); CHECK_EQ(KpUtf8Bytes("", b), 0);
}

// cross-check against node:crypto: build/crypto-vectors.txt lines "<hex message> <hex key> <sha256> <hmac>"
// (written by ea.test.ts; every length 0..200 crosses the 55/56/64-byte padding boundaries)
TEST_GROUP(sha256_node_cross) {
  std::string text = kp_read_text(kp_build_dir() + "/crypto-vectors.txt");
  CHECK(!text.empty());
  std::istringstream in(text);
  std::string msgHex, keyHex, sha, mac; int n = 0;
  auto unhex = [](const std::string &h) { std::string o; for (size_t i = 0; i + 1 < h.size(); i += 2) o.push_back((char)strtol(h.substr(i, 2).c_str(), nullptr, 16)); return o; };
  while (in >> msgHex >> keyHex >> sha >> mac) {
    if (msgHex == "-") msgHex = "";
    if (keyHex == "-") keyHex = "";
    CHECK_EQ(S(hexOf(unhex(msgHex))), sha);
    CHECK_EQ(S(hmacOf(unhex(keyHex), unhex(msgHex))), mac);
    n++;
  }
  CHECK(n >= 200);
}

// ------------------------------------------------------------------------------------------ signing
TEST_GROUP(signing_vectors) {
  std::string path = kp_repo_root() + "/packages/protocol/test-vectors/signing-v1.json";
  std::string text = kp_read_text(path);
  CHECK(!text.empty());
  CKpJson j;
  CHECK(j.Parse(string(text)));
  CHECK_EQ(S(j.GetStr(j.Root(), "version", "")), "v1");
  int arr = j.Get(j.Root(), "vectors");
  int n = 0; bool sawNonAscii = false, sawEmptyGet = false;
  for (int v = j.FirstChild(arr); v >= 0; v = j.Next(v)) {
    string secret = j.GetStr(v, "secret", ""), ts = j.GetStr(v, "timestamp", ""), method = j.GetStr(v, "method", "");
    string p = j.GetStr(v, "path", ""), key = j.GetStr(v, "idempotencyKey", ""), body = j.GetStr(v, "body", "");
    fprintf(stderr, "  vector: %s\n", j.GetStr(v, "name", "").c_str());
    CHECK_EQ(S(KpSha256HexOfString(body)), S(j.GetStr(v, "bodySha256", "")));
    string canonical = KpCanonicalString(ts, method, p, key, KpSha256HexOfString(body));
    CHECK_EQ(S(canonical), S(j.GetStr(v, "canonical", "")));
    CHECK_EQ(S(KpSignRequest(secret, ts, method, p, key, body)), S(j.GetStr(v, "signature", "")));
    string headers = KpSignedHeaders("kid_1", secret, ts, method, p, key, body);
    CHECK(StringFind(headers, "X-Kopitra-Signature: " + j.GetStr(v, "signature", "") + "\r\n") >= 0);
    CHECK_EQ(StringFind(headers, "Idempotency-Key:") >= 0, method == "POST");
    for (char c : body.s) if ((unsigned char)c >= 0x80) sawNonAscii = true;
    if (method == "GET" && body.s.empty()) sawEmptyGet = true;
    n++;
  }
  CHECK(n >= 5);
  CHECK(sawNonAscii);
  CHECK(sawEmptyGet);
  // lower-case method is upper-cased in the canonical string
  CHECK_EQ(S(KpCanonicalString("1", "post", "/p", "k", "h")), "v1\n1\nPOST\n/p\nk\nh");
  CHECK_EQ(S(KpIdempotencyKey("exec:ord_1:filled")), "exec:ord_1:filled");
  CHECK_EQ(S(KpIdempotencyKey("a b/c")), "a_b_c");
  CHECK_EQ(StringLen(KpIdempotencyKey(string(std::string(300, 'x')))), 128);
}

// ------------------------------------------------------------------------------------------ json
TEST_GROUP(json) {
  CKpJsonWriter w;
  w.BeginObject(); w.KeyStr("a", "q\"b\\s\n\t\x01"); w.KeyNum("n", 1.08345, 5); w.KeyNum("v", 0.1 + 0.2, 8);
  w.KeyNum("i", 10000.0, 2); w.KeyNull("z"); w.Key("arr"); w.BeginArray(); w.Int(1); w.Bool(true); w.BeginObject(); w.EndObject();
  w.EndArray(); w.KeyPriceOrNull("sl", 0, 5); w.KeyStr("u", "Grüße ✓"); w.EndObject();
  CHECK_EQ(S(w.Text()), "{\"a\":\"q\\\"b\\\\s\\n\\t\\u0001\",\"n\":1.08345,\"v\":0.3,\"i\":10000,\"z\":null,\"arr\":[1,true,{}],\"sl\":null,\"u\":\"Grüße ✓\"}");
  CHECK_EQ(S(KpNumberText(-0.0000000001, 8)), "0");
  CHECK_EQ(S(KpNumberText(std::nan(""), 8)), "null");
  CHECK_EQ(S(KpNumberText(18500.5, 2)), "18500.5");

  CKpJson j;
  CHECK(j.Parse(" {\"orders\": [ {\"id\": \"x\", \"v\": 1.5e2, \"neg\": -0.25, \"ok\": false, \"n\": null, \"s\": \"\\u00fc\\ud83d\\ude00\\/\"} , 7 ], \"e\":{} } "));
  int orders = j.Get(j.Root(), "orders");
  CHECK_EQ(j.Type(orders), KP_JARRAY);
  CHECK_EQ(j.Count(orders), 2);
  int o = j.At(orders, 0);
  CHECK_EQ(S(j.GetStr(o, "id", "")), "x");
  CHECK_NEAR(j.GetNum(o, "v", 0), 150.0, 1e-12);
  CHECK_NEAR(j.GetNum(o, "neg", 0), -0.25, 1e-12);
  CHECK_EQ(j.BoolOf(j.Get(o, "ok"), true), false);
  CHECK(j.IsNull(j.Get(o, "n")));
  CHECK(j.Has(o, "n") && !j.HasValue(o, "n"));
  CHECK_EQ(S(j.GetStr(o, "s", "")), "\xc3\xbc\xf0\x9f\x98\x80/");
  CHECK_EQ(S(j.Str(j.At(orders, 1), "")), "7");
  CHECK_EQ(j.Get(o, "missing"), -1);
  // malformed inputs fail without crashing
  const char *bad[] = {"", "{", "{\"a\":}", "[1,]", "{\"a\" 1}", "\"abc", "{\"a\":1} x", "tru", "[\"\\x\"]", "{\"a\":\"\x01\"}"};
  for (const char *b : bad) { CKpJson k; CHECK(!k.Parse(b)); CHECK_EQ(k.Root(), -1); }
  // deep nesting is refused, not a stack overflow
  CKpJson deep; CHECK(!deep.Parse(string(std::string(100, '[') + std::string(100, ']'))));
  // error answers
  CHECK_EQ(S(KpErrorCode("{\"error\":{\"code\":\"sequence_conflict\",\"message\":\"m\"}}")), "sequence_conflict");
  CHECK_EQ(S(KpErrorCode("<html>")), "");
}

TEST_GROUP(time) {
  CHECK_EQ(S(KpIsoFromMs(0)), "1970-01-01T00:00:00.000Z");
  CHECK_EQ(S(KpIsoFromMs(1764075600123)), "2025-11-25T13:00:00.123Z");
  CHECK_EQ(S(KpIsoFromMs(951782400000)), "2000-02-29T00:00:00.000Z");
  long ms = 0;
  CHECK(KpMsFromIso("2026-11-25T13:00:00.123Z", ms)); CHECK_EQ(ms, 1795611600123L);
  CHECK(KpMsFromIso("2026-11-25T13:00:00Z", ms)); CHECK_EQ(ms, 1795611600000L);
  CHECK(KpMsFromIso("2026-11-25T14:00:00.5+01:00", ms)); CHECK_EQ(ms, 1795611600500L);
  CHECK(KpMsFromIso("2026-11-25T13:00:00.123456Z", ms)); CHECK_EQ(ms, 1795611600123L);
  CHECK(!KpMsFromIso("2026-11-25 13:00", ms));
  CHECK(!KpMsFromIso("2026-13-25T13:00:00Z", ms));
  CHECK(!KpMsFromIso("", ms));
  for (long t = -86400000L * 400; t < 86400000L * 365 * 90; t += 86400000L * 37 + 12345) {
    long back = 0; CHECK(KpMsFromIso(KpIsoFromMs(t), back)); if (back != t) { CHECK_EQ(back, t); break; }
  }
  // the ms clock: anchored to TimeGMT, advances with the tick count, never goes backwards
  CKpClock c; long a = c.NowMs(); compat_tick_ms() += 250; long b = c.NowMs();
  CHECK(b - a == 250 || b >= a);
  CHECK(std::labs(a - (long)TimeGMT() * 1000) < 3000);
}

// ------------------------------------------------------------------------------------------ volume
TEST_GROUP(volume) {
  double v = 0; string why;
  CHECK(KpNormalizeVolume(0.075, 0.01, 0.01, 100, v, why)); CHECK_EQ(v, 0.07);
  CHECK(KpNormalizeVolume(0.1 + 0.2, 0.01, 0.01, 100, v, why)); CHECK_EQ(v, 0.3); CHECK_EQ(S(why), "");
  CHECK(KpNormalizeVolume(0.29999999, 0.01, 0.01, 100, v, why)); CHECK_EQ(v, 0.3);
  CHECK(KpNormalizeVolume(5.0, 0.01, 0.01, 2.0, v, why)); CHECK_EQ(v, 2.0); CHECK_EQ(S(why), "clamped");
  CHECK(!KpNormalizeVolume(0.001, 0.01, 0.01, 100, v, why)); CHECK_EQ(S(why), "below_min_volume");
  CHECK(!KpNormalizeVolume(0.15, 0.2, 0.1, 100, v, why)); CHECK_EQ(S(why), "below_min_volume");
  CHECK(!KpNormalizeVolume(-1, 0.01, 0.01, 100, v, why)); CHECK_EQ(S(why), "invalid_volume");
  CHECK(KpNormalizeVolume(1.37, 0.1, 0.5, 100, v, why)); CHECK_EQ(v, 1.0);
  CHECK(KpNormalizeVolume(7, 1, 1, 100, v, why)); CHECK_EQ(v, 7.0);
  CHECK_EQ(KpStepDigits(0.01), 2); CHECK_EQ(KpStepDigits(1), 0); CHECK_EQ(KpStepDigits(0.001), 3);
  // the printed volume is exact
  KpNormalizeVolume(0.7 * 3, 0.01, 0.01, 100, v, why); CHECK_EQ(S(KpNumberText(v, 8)), "2.1");
  // deviation: buy may not fill above price + dev, sell not below price - dev
  CHECK(KpPriceAcceptable(KP_SIDE_BUY, 1.08345, 0.0003, 1.08360, 1.08375));
  CHECK(!KpPriceAcceptable(KP_SIDE_BUY, 1.08345, 0.0003, 1.08370, 1.08376));
  CHECK(KpPriceAcceptable(KP_SIDE_SELL, 1.08345, 0.0003, 1.08315, 1.08330));
  CHECK(!KpPriceAcceptable(KP_SIDE_SELL, 1.08345, 0.0003, 1.08314, 1.08330));
  CHECK(KpPriceAcceptable(KP_SIDE_BUY, 1.08345, 0, 2.0, 2.0));
  CHECK_EQ(KpDeviationPoints(KP_SIDE_BUY, 1.08345, 0.0003, 1.0835, 1.08355, 0.00001, 10), 20L);
  CHECK_EQ(KpDeviationPoints(KP_SIDE_BUY, 1.08345, 0, 1.0835, 1.08355, 0.00001, 10), 10L);
}

// ------------------------------------------------------------------------------------------ backoff + breaker
TEST_GROUP(backoff) {
  for (int a = 0; a < 40; a++) {
    long lo = KpBackoffDelayMs(a, 500, 30000, 0), hi = KpBackoffDelayMs(a, 500, 30000, 32767);
    double e = std::min(30000.0, 500.0 * std::pow(2.0, std::min(a, 30)));
    CHECK_EQ(lo, (long)std::llround(e / 2)); CHECK_EQ(hi, (long)std::llround(e));
  }
  CHECK_EQ(KpBackoffDelayMs(0, 1000, 60000, 0), 500L);
  CHECK_EQ(KpBackoffDelayMs(3, 1000, 60000, 32767), 8000L);
  CHECK_EQ(KpBackoffDelayMs(20, 1000, 60000, 32767), 60000L);
  // jitter spreads: 1000 draws at attempt 4 cover most of [e/2, e]
  MathSrand(42); long mn = 1L << 40, mx = 0;
  for (int i = 0; i < 1000; i++) { long d = KpBackoffNextMs(4, 1000, 60000); mn = std::min(mn, d); mx = std::max(mx, d); CHECK(d >= 8000 && d <= 16000); }
  CHECK(mn < 8500 && mx > 15500);
}

TEST_GROUP(breaker) {
  CKpCircuitBreaker b; b.Configure(3, 10000);
  long t = 1000;
  CHECK(b.Allow(t)); b.OnFailure(t); CHECK(b.Allow(t)); b.OnFailure(t);
  CHECK_EQ(b.State(), KP_BREAKER_CLOSED);
  b.OnSuccess(); CHECK_EQ(b.Failures(), 0);  // a success resets the count: failures must be consecutive
  for (int i = 0; i < 3; i++) { CHECK(b.Allow(t)); b.OnFailure(t); }
  CHECK_EQ(b.State(), KP_BREAKER_OPEN);
  CHECK_EQ(S(b.StateName()), "open");
  CHECK(!b.Allow(t + 1)); CHECK(!b.Allow(t + 9999));
  CHECK_EQ(b.RetryInMs(t + 4000), 6000L);
  // after the cool-down: exactly one probe
  CHECK(b.Allow(t + 10000)); CHECK_EQ(b.State(), KP_BREAKER_HALF_OPEN);
  CHECK(!b.Allow(t + 10001));
  b.OnFailure(t + 10002);  // probe failed: open again, a fresh cool-down
  CHECK_EQ(b.State(), KP_BREAKER_OPEN); CHECK(!b.Allow(t + 15000));
  CHECK(b.Allow(t + 20002)); CHECK_EQ(b.State(), KP_BREAKER_HALF_OPEN);
  b.OnSuccess();  // probe succeeded: closed
  CHECK_EQ(b.State(), KP_BREAKER_CLOSED); CHECK(b.Allow(t + 20003)); CHECK(b.Allow(t + 20004));
  CHECK_EQ(b.Opens(), 2);
}

// ------------------------------------------------------------------------------------------ fake gateway
// A stand-in for the gateway's idempotency + sequence rules, enough to see duplicates and losses.
struct FakeGateway {
  std::map<std::string, std::string> byKey;       // idempotency key -> body
  std::map<long, std::string> bySeq;              // sequence -> key
  std::vector<long> acceptedSeqs;                 // first acceptances, in order
  int repeats = 0, conflicts = 0, calls = 0;
  int failNext = 0;                               // answer 503 to the next n calls
  int networkDownNext = 0;                        // WebRequest -1 for the next n calls
  std::function<void()> afterAccept;              // test hook
  std::vector<CompatHttpCall> seen;
  int handle(const CompatHttpCall &c, std::string &body, std::string &headers) {
    calls++; seen.push_back(c);
    if (networkDownNext > 0) { networkDownNext--; return -1; }
    if (failNext > 0) { failNext--; headers = "Retry-After: 2\r\n"; body = "{\"error\":{\"code\":\"unavailable\",\"message\":\"db\"}}"; return 503; }
    std::string key; auto p = c.headers.find("Idempotency-Key: ");
    if (p != std::string::npos) key = c.headers.substr(p + 17, c.headers.find("\r\n", p) - p - 17);
    if (c.method == "POST") {
      auto it = byKey.find(key);
      if (it != byKey.end()) {
        if (it->second != c.body) { conflicts++; body = "{\"error\":{\"code\":\"idempotency_key_reused\",\"message\":\"x\"}}"; return 409; }
        repeats++; body = "{\"accepted\":true}"; return 202;
      }
      CKpJson j; j.Parse(string(c.body));
      int seqNode = j.Get(j.Root(), "sequence");
      if (seqNode >= 0) {
        long seq = (long)j.Num(seqNode, 0);
        if (bySeq.count(seq)) { conflicts++; body = "{\"error\":{\"code\":\"sequence_conflict\",\"message\":\"x\"}}"; return 409; }
        bySeq[seq] = key; acceptedSeqs.push_back(seq);
      }
      byKey[key] = c.body;
      body = "{\"accepted\":true}";
      if (afterAccept) afterAccept();
      return 202;
    }
    body = "{\"orders\":[]}"; return 200;
  }
  void install() { g_compat_webrequest() = [this](const CompatHttpCall &c, std::string &b, std::string &h) { return handle(c, b, h); }; }
};

static string signalBody(long seq) {
  KpSignal s; KpClearSignal(s); s.type = "position.opened"; s.id = 1000 + seq; s.symbol = "EURUSD"; s.volume = 0.1; s.price = 1.1; s.digits = 5;
  return KpSignalBody(s, seq, "2026-11-25T13:00:00.000Z");
}
static bool enqueueNext(CKpOutbox &ob) { long seq = ob.NextSequence(); return ob.EnqueueSignal("/trade-agent/v1/signals", seq, signalBody(seq)); }

TEST_GROUP(outbox) {
  kp_fresh_files("outbox");
  FakeGateway gw; gw.install();
  CKpGateway http; http.Configure("https://gw.test/", "kid_1", "secret-text", 3000, 5, 30000);
  {
    CKpOutbox ob; CHECK(ob.Open("Kopitra\\outbox-1-master"));
    CHECK_EQ(ob.NextSequence(), 1L);
    for (int i = 0; i < 5; i++) CHECK(enqueueNext(ob));
    CHECK_EQ(ob.Count(), 5);
    // restart: everything is still there, the next sequence continues
  }
  {
    CKpOutbox ob; CHECK(ob.Open("Kopitra\\outbox-1-master"));
    CHECK_EQ(ob.Count(), 5); CHECK_EQ(ob.NextSequence(), 6L);
    KpOutboxEntry e; CHECK(ob.EntryAt(0, e)); CHECK_EQ(e.seq, 1L); CHECK_EQ(S(e.key), S(ob.SignalKey(1)));
    CHECK(StringFind(e.body, "\"sequence\":1,") > 0);
    // flush: the URL joins base + path, the request is signed, and the queue drains in order
    CHECK_EQ(http.Flush(ob, 100), 5);
    CHECK_EQ(ob.Count(), 0);
    CHECK_EQ(gw.seen[0].url, std::string("https://gw.test/trade-agent/v1/signals"));
    CHECK(gw.seen[0].headers.find("X-Kopitra-Key-Id: kid_1\r\n") != std::string::npos);
    CHECK(gw.seen[0].headers.find("Content-Type: application/json\r\n") != std::string::npos);
    CHECK(gw.acceptedSeqs == std::vector<long>({1, 2, 3, 4, 5}));
    // a signature the gateway can verify
    const CompatHttpCall &c = gw.seen[0];
    std::string ts = c.headers.substr(c.headers.find("X-Kopitra-Timestamp: ") + 21, 13);
    CHECK(c.headers.find("X-Kopitra-Signature: " + S(KpSignRequest("secret-text", string(ts), "POST", "/trade-agent/v1/signals", ob.SignalKey(1), string(c.body)))) != std::string::npos);
  }
  // retryable failures never drop: 50 failed attempts later the entry is still there, then delivered
  {
    CKpOutbox ob; CHECK(ob.Open("Kopitra\\outbox-1-master")); ob.SetRetryPolicy(100, 1000, 10);
    CHECK(enqueueNext(ob));
    gw.failNext = 50;
    for (int i = 0; i < 50; i++) { compat_tick_ms() += 31000; http.Flush(ob, 10); }  // past the breaker cool-down each time
    CHECK_EQ(ob.Count(), 1);
    KpOutboxEntry e; ob.EntryAt(0, e); CHECK_EQ(e.attempts, 50);
    // Retry-After (2 s) is honoured over a smaller backoff
    gw.failNext = 1; compat_tick_ms() += 31000; http.Flush(ob, 10);
    CHECK(ob.HeadDueInMs(http.NowMs()) >= 1900);
    compat_tick_ms() += 31000;
    CHECK_EQ(http.Flush(ob, 10), 1); CHECK_EQ(ob.Count(), 0);
    CHECK_EQ(gw.acceptedSeqs.back(), 6L);
  }
  // a body the gateway can never accept goes to the dead-letter file, and the queue moves on
  {
    CKpOutbox ob; CHECK(ob.Open("Kopitra\\outbox-1-master"));
    CHECK(ob.Enqueue("/trade-agent/v1/executions", "exec:o1:filled", "{\"bad\":true}"));
    CHECK(ob.Enqueue("/trade-agent/v1/executions", "exec:o1:filled", "{\"bad\":true}"));  // same key: queued once
    CHECK_EQ(ob.Count(), 1);
    gw.byKey["exec:o1:filled"] = "{\"other\":1}";  // the key was used with another body -> 409, permanent
    CHECK(enqueueNext(ob));
    CHECK_EQ(http.Flush(ob, 10), 2);
    CHECK_EQ(ob.Count(), 0);
    std::string dead = kp_read_text(std::string(getenv("KP_COMPAT_FILES")) + "/common/Kopitra/outbox-1-master.dead");
    CHECK(dead.find("exec:o1:filled") != std::string::npos);
    CHECK(dead.find("409 idempotency_key_reused") != std::string::npos);
  }
  CHECK_EQ(KpClassifyResponse(202, ""), KP_OUTCOME_DONE);
  CHECK_EQ(KpClassifyResponse(-1, ""), KP_OUTCOME_RETRY);
  CHECK_EQ(KpClassifyResponse(429, "rate_limited"), KP_OUTCOME_RETRY);
  CHECK_EQ(KpClassifyResponse(401, "unauthenticated"), KP_OUTCOME_RETRY);
  CHECK_EQ(KpClassifyResponse(409, "request_in_progress"), KP_OUTCOME_RETRY);
  CHECK_EQ(KpClassifyResponse(409, "sequence_conflict"), KP_OUTCOME_DEAD);
  CHECK_EQ(KpClassifyResponse(400, "invalid_payload"), KP_OUTCOME_DEAD);
  g_compat_webrequest() = nullptr;
}

// Restart in the middle of a flush, at the two dangerous points:
//  (a) the gateway accepted an entry but the terminal died before the removal was on disk;
//  (b) the terminal died between writing outbox.tmp and renaming it over outbox.dat.
// Afterwards: every sequence 1..N accepted exactly once, no sequence reused, nothing lost.
TEST_GROUP(outbox_restart_mid_flush) {
  kp_fresh_files("restart");
  FakeGateway gw; gw.install();
  CKpGateway http; http.Configure("https://gw.test", "kid_1", "s", 3000, 100, 1000);
  const char *name = "Kopitra\\outbox-2-master";
  {
    CKpOutbox ob; CHECK(ob.Open(name));
    for (int i = 0; i < 10; i++) CHECK(enqueueNext(ob));
    // (a) after the 4th acceptance the terminal dies before the removal reaches the disk: #4 is still pending there
    int accepted = 0;
    gw.afterAccept = [&]() { if (++accepted == 4) compat_fail_writes() = 1000; };
    http.Flush(ob, 4);
    gw.afterAccept = nullptr;
    // "crash": drop the object without any further save
  }
  compat_fail_writes() = 0;
  {
    CKpOutbox ob; CHECK(ob.Open(name));
    CHECK_EQ(ob.Count(), 7);               // #4..#10 (the removal of #4 never reached the disk)
    CHECK_EQ(ob.NextSequence(), 11L);
    CHECK_EQ(http.Flush(ob, 2), 2);        // #4 again (a repeat: same key, same body) and #5
    CHECK_EQ(gw.repeats, 1);
    // (b) enqueue #11 with the rename failing: the complete state is only in outbox.tmp
    compat_fail_moves() = 1;
    CHECK(!enqueueNext(ob));
  }
  {
    CKpOutbox ob; CHECK(ob.Open(name));    // recovers the newer, complete outbox.tmp
    CHECK_EQ(ob.NextSequence(), 12L);
    CHECK_EQ(ob.Count(), 6);               // #6..#11
    CHECK(enqueueNext(ob));
    CHECK_EQ(http.Flush(ob, 100), 7);
    CHECK_EQ(ob.Count(), 0);
  }
  // a torn main file (no END line) is never trusted; a complete temp file wins
  {
    std::string dir = std::string(getenv("KP_COMPAT_FILES")) + "/common/Kopitra/";
    std::string full = kp_read_text(dir + "outbox-2-master.dat");
    FILE *f = fopen((dir + "outbox-2-master.dat").c_str(), "wb"); fwrite(full.data(), 1, full.size() / 2, f); fclose(f);
    CKpOutbox ob; CHECK(ob.Open(name));
    CHECK_EQ(ob.NextSequence(), 1L);       // unreadable: starts over, but loudly and keeping the file
    CHECK(std::filesystem::exists(dir + "outbox-2-master.corrupt"));
  }
  std::vector<long> expect; for (long i = 1; i <= 12; i++) expect.push_back(i);
  CHECK(gw.acceptedSeqs == expect);
  CHECK_EQ(gw.conflicts, 0);
  g_compat_webrequest() = nullptr;
}

// kill -9 for real: a child process enqueues and flushes in a loop and is killed at a random moment;
// the "gateway" keeps its log in a file. After every kill the parent reopens the outbox and checks.
TEST_GROUP(outbox_kill9) {
  kp_fresh_files("kill9");
  // The "gateway" records each request it accepts as its own file, written then renamed into place:
  // a child killed mid-write leaves a .tmp the check ignores (that request was never answered). One
  // appended log could be torn: a write crossing a page boundary stops at the page when SIGKILL lands.
  std::string serverDir = std::string(getenv("KP_COMPAT_FILES")) + "/server/";
  std::filesystem::create_directories(serverDir);
  const char *name = "Kopitra\\outbox-3-master";
  long served = 0;
  auto serve = [&](const CompatHttpCall &c, std::string &body, std::string &) {
    std::string key = c.headers.substr(c.headers.find("Idempotency-Key: ") + 17);
    key = key.substr(0, key.find("\r\n"));
    std::string path = serverDir + std::to_string(getpid()) + "-" + std::to_string(++served);
    FILE *f = fopen((path + ".tmp").c_str(), "wb"); fprintf(f, "%s\t%s", key.c_str(), c.body.c_str()); fflush(f); fsync(fileno(f)); fclose(f);
    std::rename((path + ".tmp").c_str(), path.c_str());
    body = "{\"accepted\":true}"; return 202;
  };
  srand(7);
  long lastSeqSeen = 0;
  for (int round = 0; round < 6; round++) {
    pid_t pid = fork();
    if (pid == 0) {
      g_compat_webrequest() = serve;
      CKpGateway http; http.Configure("https://gw.test", "k", "s", 3000, 100, 1000);
      CKpOutbox ob; if (!ob.Open(name)) _exit(3);
      for (;;) { enqueueNext(ob); if (rand() % 3 == 0) http.Flush(ob, 5); }
    }
    usleep(20000 + (useconds_t)(rand() % 40000));
    kill(pid, SIGKILL);
    int st = 0; waitpid(pid, &st, 0);
    CHECK(WIFSIGNALED(st));
    CKpOutbox ob; CHECK(ob.Open(name));
    // Sequences never go backwards across a kill. A child killed before its first enqueue (its
    // start took the whole 20–60 ms on a loaded machine) leaves the same next sequence.
    CHECK(ob.NextSequence() >= lastSeqSeen);
    lastSeqSeen = ob.NextSequence();
  }
  CHECK(lastSeqSeen > 1);  // the children made progress
  // drain what is left, then check the server log: every sequence 1..N-1 exactly once (repeats carry the same body)
  g_compat_webrequest() = serve;
  { CKpGateway http; http.Configure("https://gw.test", "k", "s", 3000, 100, 1000);
    CKpOutbox ob; CHECK(ob.Open(name)); while (ob.Count() > 0) http.Flush(ob, 1000); lastSeqSeen = ob.NextSequence(); }
  std::map<std::string, std::string> byKey; std::set<long> seqs; int dupBodies = 0;
  for (const auto &entry : std::filesystem::directory_iterator(serverDir)) {
    if (entry.path().extension() == ".tmp") continue;
    std::string line = kp_read_text(entry.path().string());
    std::string key = line.substr(0, line.find('\t')), body = line.substr(line.find('\t') + 1);
    if (byKey.count(key)) { if (byKey[key] != body) dupBodies++; continue; }
    byKey[key] = body;
    CKpJson j; CHECK(j.Parse(string(body)));
    long seq = (long)j.GetNum(j.Root(), "sequence", 0);
    CHECK(!seqs.count(seq));
    seqs.insert(seq);
  }
  CHECK_EQ(dupBodies, 0);
  CHECK((long)seqs.size() == lastSeqSeen - 1);
  CHECK(!seqs.empty() && *seqs.begin() == 1 && *seqs.rbegin() == lastSeqSeen - 1);
  fprintf(stderr, "  kill9: %d sequences delivered across 6 kills\n", (int)seqs.size());
  g_compat_webrequest() = nullptr;
}

TEST_GROUP(gateway_breaker) {
  kp_fresh_files("gwbreaker");
  FakeGateway gw; gw.install();
  CKpGateway http; http.Configure("https://gw.test", "kid", "s", 3000, 3, 10000);
  CKpOutbox ob; CHECK(ob.Open("Kopitra\\outbox-4-follower")); ob.SetRetryPolicy(10, 20, 10);
  CHECK(ob.Enqueue("/trade-agent/v1/executions", "exec:a:filled", "{\"orderId\":\"a\"}"));
  gw.networkDownNext = 1000;
  for (int i = 0; i < 3; i++) { compat_tick_ms() += 100; http.Flush(ob, 1); }
  CHECK_EQ(S(http.BreakerState()), "open");
  int callsWhenOpened = gw.calls;
  for (int i = 0; i < 50; i++) { compat_tick_ms() += 100; http.Flush(ob, 1); }   // 5 s: still cooling down
  CHECK_EQ(gw.calls, callsWhenOpened);                                            // nothing sent while open
  KpHttpResult r; http.Request("GET", "/trade-agent/v1/orders?wait=1", "", "", 2000, r);
  CHECK_EQ(r.status, KP_STATUS_BREAKER_OPEN);
  gw.networkDownNext = 0;
  compat_tick_ms() += 6000;
  CHECK_EQ(http.Flush(ob, 1), 1);                                                 // the probe succeeds
  CHECK_EQ(S(http.BreakerState()), "closed");
  CHECK_EQ(ob.Count(), 0);
  // the long-poll timeout is the short timeout plus the wait
  http.Request("GET", "/trade-agent/v1/orders?wait=2", "", "", 2000, r);
  CHECK_EQ(r.status, 200); CHECK_EQ(gw.seen.back().timeout, 5000);
  CHECK(gw.seen.back().headers.find("Idempotency-Key") == std::string::npos);
  CHECK_EQ(KpRetryAfterMs("HTTP/1.1 429\r\nretry-after: 7\r\n"), 7000L);
  CHECK_EQ(KpRetryAfterMs("Content-Type: x\r\n"), 0L);
  g_compat_webrequest() = nullptr;
}

// ------------------------------------------------------------------------------------------ master
static KpDealInfo deal(long pos, int side, int entry, double vol, double price) {
  KpDealInfo d; d.positionId = pos; d.symbol = "EURUSD"; d.side = side; d.entry = entry; d.volume = vol; d.price = price;
  d.sl = 0; d.tp = 0; d.magic = 7; d.comment = ""; d.digits = 5; return d;
}

TEST_GROUP(master_signals) {
  CKpPositionTracker t; MqlArray<KpSignal> out;
  KpDealInfo d = deal(5012345, KP_SIDE_BUY, KP_ENTRY_IN, 0.4, 1.08345); d.sl = 1.08; d.tp = 1.09;
  t.OnDeal(d, out);                                                   // market open, first partial fill
  d = deal(5012345, KP_SIDE_BUY, KP_ENTRY_IN, 0.85, 1.08346); t.OnDeal(d, out);  // second fill of the same order
  d = deal(5012345, KP_SIDE_BUY, KP_ENTRY_IN, 0.5, 1.0840); t.OnDeal(d, out);    // netting scale-in
  t.OnStops(5012345, 1.08, 1.09, 0.00001, out);                      // unchanged: nothing
  t.OnStops(5012345, 1.081, 1.09, 0.00001, out);                     // SL moved
  d = deal(5012345, KP_SIDE_SELL, KP_ENTRY_OUT, 0.75, 1.0850); t.OnDeal(d, out); // partial close
  d = deal(5012345, KP_SIDE_SELL, KP_ENTRY_INOUT, 1.5, 1.0852); t.OnDeal(d, out); // reversal: closes 1.0, opens sell 0.5
  d = deal(5012345, KP_SIDE_BUY, KP_ENTRY_OUT, 0.5, 1.0860); t.OnDeal(d, out);   // stop-out / SL hit: a server-side deal
  CHECK_EQ(ArraySize(out), 8);
  const char *types[] = {"position.opened", "position.increased", "position.increased", "position.modified",
                         "position.closed", "position.closed", "position.opened", "position.closed"};
  for (int i = 0; i < 8 && i < ArraySize(out); i++) { CHECK_EQ(S(out[i].type), types[i]); CHECK_EQ(out[i].id, 5012345L); }
  if (ArraySize(out) == 8) {
    CHECK_EQ(out[1].volumeAfter, 1.25); CHECK_EQ(out[2].volumeAfter, 1.75);
    CHECK_EQ(out[4].volume, 0.75); CHECK_EQ(out[4].volumeAfter, 1.0);
    CHECK_EQ(out[5].volume, 1.0); CHECK_EQ(out[5].volumeAfter, 0.0);
    CHECK_EQ(out[6].side, KP_SIDE_SELL); CHECK_EQ(out[6].volume, 0.5);
    CHECK_EQ(out[7].volumeAfter, 0.0);
    CHECK_EQ(S(KpSignalBody(out[0], 42, "2026-11-25T13:00:00.123Z")),
             "{\"sequence\":42,\"type\":\"position.opened\",\"occurredAt\":\"2026-11-25T13:00:00.123Z\",\"position\":{\"id\":\"5012345\",\"symbol\":\"EURUSD\",\"side\":\"buy\",\"volume\":0.4,\"price\":1.08345,\"sl\":1.08,\"tp\":1.09,\"magic\":7,\"comment\":\"\"}}");
    CHECK_EQ(S(KpSignalBody(out[3], 43, "t")), "{\"sequence\":43,\"type\":\"position.modified\",\"occurredAt\":\"t\",\"position\":{\"id\":\"5012345\",\"sl\":1.081,\"tp\":1.09}}");
    CHECK_EQ(S(KpSignalBody(out[4], 44, "t")), "{\"sequence\":44,\"type\":\"position.closed\",\"occurredAt\":\"t\",\"position\":{\"id\":\"5012345\",\"volume\":0.75,\"price\":1.085,\"volumeAfter\":1}}");
  }
  CHECK_EQ(t.Count(), 0);
  // hedging: two positions on one symbol stay apart by identifier; a close-by closes each
  ArrayResize(out, 0);
  d = deal(1, KP_SIDE_BUY, KP_ENTRY_IN, 1, 1.1); t.OnDeal(d, out);
  d = deal(2, KP_SIDE_SELL, KP_ENTRY_IN, 1, 1.1); t.OnDeal(d, out);
  d = deal(1, KP_SIDE_SELL, KP_ENTRY_OUT_BY, 1, 1.1); t.OnDeal(d, out);
  d = deal(2, KP_SIDE_BUY, KP_ENTRY_OUT_BY, 1, 1.1); t.OnDeal(d, out);
  CHECK_EQ(ArraySize(out), 4); CHECK_EQ(S(out[2].type), "position.closed"); CHECK_EQ(out[3].id, 2L); CHECK_EQ(t.Count(), 0);
  // positions seen at start-up are known, so their later close is not mistaken for anything else
  ArrayResize(out, 0);
  t.Seed(77, "XAUUSD", KP_SIDE_BUY, 0.3, 0, 0, 2);
  d = deal(77, KP_SIDE_SELL, KP_ENTRY_OUT, 0.1, 2400.5); t.OnDeal(d, out);
  CHECK_EQ(out[0].volumeAfter, 0.2);

  // pending orders: placed, modified (only on real change), filled (no cancel signal), cancelled
  CKpOrderTracker ot; ArrayResize(out, 0);
  KpTrackedOrder o; o.ticket = 900; o.symbol = "EURUSD"; o.kind = "buy_limit"; o.volume = 1; o.price = 1.07; o.sl = 0; o.tp = 0; o.expiresMs = 0; o.digits = 5;
  ot.OnOrder(o, 0.00001, out); ot.OnOrder(o, 0.00001, out);
  o.price = 1.071; o.expiresMs = 1795611600000L; ot.OnOrder(o, 0.00001, out);
  ot.OnOrderGone(900, true, out);
  o.ticket = 901; ot.OnOrder(o, 0.00001, out); ot.OnOrderGone(901, false, out); ot.OnOrderGone(901, false, out);
  CHECK_EQ(ArraySize(out), 4);
  CHECK_EQ(S(out[0].type), "order.placed"); CHECK_EQ(S(out[1].type), "order.modified");
  CHECK_EQ(S(out[2].type), "order.placed"); CHECK_EQ(S(out[3].type), "order.cancelled"); CHECK_EQ(out[3].id, 901L);
  CHECK_EQ(S(KpSignalBody(out[1], 5, "t")), "{\"sequence\":5,\"type\":\"order.modified\",\"occurredAt\":\"t\",\"order\":{\"id\":\"900\",\"price\":1.071,\"sl\":null,\"tp\":null,\"expiresAt\":\"2026-11-25T13:00:00.000Z\"}}");
  CHECK_EQ(S(KpSignalBody(out[0], 4, "t")), "{\"sequence\":4,\"type\":\"order.placed\",\"occurredAt\":\"t\",\"order\":{\"id\":\"900\",\"symbol\":\"EURUSD\",\"kind\":\"buy_limit\",\"volume\":1,\"price\":1.07,\"sl\":null,\"tp\":null,\"expiresAt\":null}}");
}

// ------------------------------------------------------------------------------------------ follower
// A simulated terminal that executes decisions the way MT5 would record them.
struct SimTerminal {
  MqlArray<KpPosView> positions; MqlArray<KpDealView> deals; MqlArray<KpPendingView> pendings;
  long nextTicket = 7001; int executions = 0; bool hedging = true;
  void execute(const KpFollowerOrder &o, const KpDecision &d) {
    executions++;
    if (d.action == KP_DO_OPEN) {
      long id = nextTicket++;
      if (!hedging) for (auto &p : positions.v) if (p.symbol == o.symbol) id = p.id;
      KpDealView dv; dv.ticket = nextTicket++; dv.positionId = id; dv.symbol = o.symbol; dv.entry = KP_DEAL_IN; dv.volume = d.volume; dv.price = 1.08351; dv.comment = o.tag;
      deals.v.push_back(dv);
      bool merged = false;
      for (auto &p : positions.v) if (p.id == id) { p.volume += d.volume; merged = true; }
      if (!merged) { KpPosView p; p.ticket = id; p.id = id; p.symbol = o.symbol; p.side = o.side; p.volume = d.volume; p.price = 1.08351; p.sl = d.sl; p.tp = d.tp; p.comment = o.tag; positions.v.push_back(p); }
    } else if (d.action == KP_DO_CLOSE) {
      for (size_t i = 0; i < positions.v.size(); i++) if (positions.v[i].ticket == d.ticket) {
        KpDealView dv; dv.ticket = nextTicket++; dv.positionId = positions.v[i].id; dv.symbol = o.symbol; dv.entry = KP_DEAL_OUT; dv.volume = d.volume; dv.price = 1.09; dv.comment = o.tag;
        deals.v.push_back(dv);
        positions.v[i].volume = NormalizeDouble(positions.v[i].volume - d.volume, 8);
        if (positions.v[i].volume <= 0) positions.v.erase(positions.v.begin() + (long)i);
        break;
      }
    } else if (d.action == KP_DO_PLACE) {
      KpPendingView p; p.ticket = nextTicket++; p.symbol = o.symbol; p.kind = o.kind; p.volume = d.volume; p.price = d.price; p.sl = d.sl; p.tp = d.tp; p.comment = o.tag; p.active = true; p.filled = false;
      pendings.v.push_back(p);
    } else if (d.action == KP_DO_CANCEL) {
      for (auto &p : pendings.v) if (p.ticket == d.ticket) p.active = false;
    } else if (d.action == KP_DO_MODIFY) {
      for (auto &p : positions.v) if (p.ticket == d.ticket) { p.sl = d.sl; p.tp = d.tp; }
    }
  }
  // one play of an order: decide, execute if needed; returns the decision
  KpDecision play(KpFollowerOrder &o, long now, double bid, double ask) {
    KpSymbolSpec spec; spec.name = o.symbol; spec.volumeMin = 0.01; spec.volumeMax = 100; spec.volumeStep = 0.01; spec.point = 0.00001; spec.digits = 5;
    KpDecision d; KpDecide(o, now, bid, ask, spec, positions, deals, pendings, d);
    if (d.action != KP_DO_REPORT && d.action != KP_DO_NOTHING) execute(o, d);
    return d;
  }
};

static const char *ORDERS_JSON =
  "{\"orders\":[{\"orderId\":\"ord_abc\",\"runId\":\"r1\",\"subscriptionId\":\"s1\",\"createdAt\":\"2026-11-25T13:00:00.200Z\","
  "\"expiresAt\":\"2026-11-25T13:01:00.000Z\",\"action\":\"open\",\"symbol\":\"EURUSD\",\"side\":\"buy\",\"volume\":0.5,"
  "\"price\":1.08345,\"maxDeviation\":0.0003,\"sl\":1.08,\"tp\":null,\"masterPositionId\":\"5012345\",\"followerPositionId\":null,\"tag\":\"kp:abc\"}]}";

TEST_GROUP(follower_replay) {
  MqlArray<KpFollowerOrder> orders;
  CHECK_EQ(KpParseOrders(ORDERS_JSON, orders), 1);
  KpFollowerOrder &o = orders[0];
  CHECK_EQ(S(o.tag), "kp:abc"); CHECK_EQ(o.side, KP_SIDE_BUY); CHECK_EQ(o.volume, 0.5); CHECK_NEAR(o.maxDeviation, 0.0003, 1e-12);
  CHECK(o.hasSl); CHECK_EQ(o.sl, 1.08); CHECK(o.hasTp); CHECK_EQ(o.tp, 0.0); CHECK_EQ(S(o.followerPositionId), "");
  CHECK_EQ(o.expiresAtMs, 1795611660000L);
  long now = 1795611600500L;
  for (int netting = 0; netting < 2; netting++) {
    SimTerminal term; term.hedging = netting == 0;
    // first play: executes; then the terminal "dies" before the execution report is queued
    KpDecision d1 = term.play(o, now, 1.08350, 1.08352);
    CHECK_EQ(d1.action, KP_DO_OPEN); CHECK_EQ(d1.volume, 0.5); CHECK_EQ(term.executions, 1);
    // the gateway returns the same order again (no report arrived): the second play executes nothing
    KpDecision d2 = term.play(o, now + 30000, 1.08350, 1.08352);
    CHECK_EQ(d2.action, KP_DO_REPORT); CHECK_EQ(S(d2.status), "filled"); CHECK_EQ(term.executions, 1);
    CHECK_EQ(d2.volume, 0.5); CHECK_EQ(S(d2.positionId), "7001");
    // even after the copy was closed since (position gone), the deal history still carries the tag
    term.positions.v.clear();
    KpDecision d3 = term.play(o, now + 40000, 1.08350, 1.08352);
    CHECK_EQ(d3.action, KP_DO_REPORT); CHECK_EQ(S(d3.status), "filled"); CHECK_EQ(term.executions, 1);
    // and past its expiry it is still "filled" (what happened), not "expired"
    KpDecision d4 = term.play(o, now + 120000, 1.08350, 1.08352);
    CHECK_EQ(S(d4.status), "filled");
  }
  // netting: the position's comment belongs to an older deal, only the deal history shows the tag
  SimTerminal net; net.hedging = false;
  KpPosView p; p.ticket = 500; p.id = 500; p.symbol = "EURUSD"; p.side = KP_SIDE_BUY; p.volume = 1; p.price = 1.07; p.sl = 0; p.tp = 0; p.comment = "manual";
  net.positions.v.push_back(p);
  CHECK_EQ(net.play(o, now, 1.0835, 1.08352).action, KP_DO_OPEN);
  KpDecision again = net.play(o, now, 1.0835, 1.08352);
  CHECK_EQ(again.action, KP_DO_REPORT); CHECK_EQ(S(again.positionId), "500"); CHECK_EQ(net.executions, 1);
  // the report body and its key are deterministic per order and status
  CHECK_EQ(S(KpExecutionKey("ord_abc", "filled")), "exec:ord_abc:filled");
  CHECK_EQ(S(KpExecutionBody("ord_abc", "filled", "2026-11-25T13:00:02.400Z", 0.5, 1.08351, "7001", "10009", "", 5)),
           "{\"orderId\":\"ord_abc\",\"status\":\"filled\",\"executedAt\":\"2026-11-25T13:00:02.400Z\",\"volume\":0.5,\"price\":1.08351,\"followerPositionId\":\"7001\",\"brokerCode\":\"10009\",\"message\":\"\"}");
}

TEST_GROUP(follower_decisions) {
  MqlArray<KpFollowerOrder> orders; KpParseOrders(ORDERS_JSON, orders);
  KpFollowerOrder o = orders[0];
  long now = 1795611600500L;
  { SimTerminal t; KpDecision d = t.play(o, now, 1.08370, 1.08376);          // ask beyond price + maxDeviation
    CHECK_EQ(d.action, KP_DO_REPORT); CHECK_EQ(S(d.status), "rejected"); CHECK(StringFind(d.message, "price_deviation") == 0); CHECK_EQ(t.executions, 0); }
  { SimTerminal t; KpDecision d = t.play(o, now + 60001, 1.0835, 1.08352);   // past expiresAt, never executed
    CHECK_EQ(S(d.status), "expired"); CHECK_EQ(t.executions, 0); }
  { SimTerminal t; KpFollowerOrder s = o; s.volume = 0.004;                  // below the symbol's minimum
    KpDecision d = t.play(s, now, 1.0835, 1.08352); CHECK_EQ(S(d.status), "rejected"); CHECK_EQ(S(d.message), "below_min_volume"); }
  { SimTerminal t; KpFollowerOrder s = o; s.volume = 0.1 + 0.2;              // float noise never reaches the broker
    KpDecision d = t.play(s, now, 1.0835, 1.08352); CHECK_EQ(d.action, KP_DO_OPEN); CHECK_EQ(S(KpNumberText(d.volume, 8)), "0.3"); }
  // close: partial (rounded down to the step), then full, then a replay of the full close executes nothing
  { SimTerminal t; t.play(o, now, 1.0835, 1.08352);
    KpFollowerOrder c = o; c.action = "close"; c.tag = "kp:close1"; c.followerPositionId = "7001"; c.volume = 0.2049;
    KpDecision d = t.play(c, now, 1.0835, 1.08352); CHECK_EQ(d.action, KP_DO_CLOSE); CHECK_EQ(d.volume, 0.2); CHECK(!d.full);
    c.tag = "kp:close2"; c.volume = 0.3;
    d = t.play(c, now, 1.0835, 1.08352); CHECK_EQ(d.action, KP_DO_CLOSE); CHECK(d.full); CHECK_EQ(d.volume, 0.3);
    d = t.play(c, now, 1.0835, 1.08352); CHECK_EQ(d.action, KP_DO_REPORT); CHECK_EQ(S(d.status), "filled"); CHECK_EQ(t.executions, 3);
    c.tag = "kp:close3"; d = t.play(c, now, 1.0835, 1.08352); CHECK_EQ(S(d.status), "rejected"); CHECK_EQ(S(d.message), "position_not_found"); }
  // modify: a real change executes, the same values again report "unchanged"
  { SimTerminal t; t.play(o, now, 1.0835, 1.08352);
    KpFollowerOrder m = o; m.action = "modify"; m.tag = "kp:m"; m.followerPositionId = "7001"; m.sl = 1.0805; m.tp = 1.09;
    KpDecision d = t.play(m, now, 0, 0); CHECK_EQ(d.action, KP_DO_MODIFY); CHECK_EQ(d.sl, 1.0805);
    d = t.play(m, now, 0, 0); CHECK_EQ(S(d.status), "filled"); CHECK_EQ(S(d.message), "unchanged");
    m.hasTp = false; m.sl = 0; d = t.play(m, now, 0, 0); CHECK_EQ(d.action, KP_DO_MODIFY); CHECK_EQ(d.sl, 0.0); CHECK_EQ(d.tp, 1.09); }
  // pending: place once (a replay reports), amend, cancel, cancel again
  { SimTerminal t; KpFollowerOrder pl = o; pl.action = "place"; pl.kind = "buy_limit"; pl.price = 1.07; pl.tag = "kp:pl";
    KpDecision d = t.play(pl, now, 0, 0); CHECK_EQ(d.action, KP_DO_PLACE);
    d = t.play(pl, now, 0, 0); CHECK_EQ(d.action, KP_DO_REPORT); CHECK_EQ(S(d.positionId), "7001"); CHECK_EQ(t.executions, 1);
    KpFollowerOrder am = pl; am.action = "amend"; am.tag = "kp:am"; am.followerPositionId = "7001"; am.price = 1.071;
    d = t.play(am, now, 0, 0); CHECK_EQ(d.action, KP_DO_AMEND); CHECK_EQ(d.price, 1.071);
    KpFollowerOrder ca = pl; ca.action = "cancel"; ca.tag = "kp:ca"; ca.followerPositionId = "7001";
    d = t.play(ca, now, 0, 0); CHECK_EQ(d.action, KP_DO_CANCEL);
    d = t.play(ca, now, 0, 0); CHECK_EQ(d.action, KP_DO_REPORT); CHECK_EQ(S(d.status), "filled"); CHECK_EQ(S(d.message), "already gone");
    pl.kind = "buy_stop_limit"; pl.tag = "kp:pl2"; d = t.play(pl, now, 0, 0); CHECK_EQ(S(d.status), "rejected"); }
  { SimTerminal t; KpFollowerOrder u = o; u.action = "teleport"; CHECK_EQ(S(t.play(u, now, 0, 0).status), "rejected"); }
  CHECK_EQ(KpClassifyRetcode(10009), KP_RC_DONE);
  CHECK_EQ(KpClassifyRetcode(10010), KP_RC_DONE);
  CHECK_EQ(KpClassifyRetcode(10012), KP_RC_UNSURE);
  CHECK_EQ(KpClassifyRetcode(10004), KP_RC_REJECT);
  CHECK_EQ(KpClassifyRetcode(10019), KP_RC_REJECT);
  MqlArray<KpFollowerOrder> none; CHECK_EQ(KpParseOrders("{\"orders\":[]}", none), 0); CHECK_EQ(KpParseOrders("nope", none), -1);
}

// ------------------------------------------------------------------------------------------ runner
int main(int argc, char **argv) {
  std::vector<std::string> want;
  for (int i = 1; i < argc; i++) {
    std::string a = argv[i];
    if (a == "--root" && i + 1 < argc) kp_repo_root() = argv[++i];
    else if (a == "--build" && i + 1 < argc) kp_build_dir() = argv[++i];
    else if (a == "--list") { for (auto &g : kp_groups()) printf("%s\n", g.name.c_str()); return 0; }
    else want.push_back(a);
  }
  int failedGroups = 0;
  for (auto &g : kp_groups()) {
    if (!want.empty() && std::find(want.begin(), want.end(), g.name) == want.end()) continue;
    kp_state() = KpTestState();
    g.fn();
    bool ok = kp_state().failures == 0;
    if (!ok) failedGroups++;
    printf("GROUP %s %s checks=%d failures=%d\n", g.name.c_str(), ok ? "ok" : "FAIL", kp_state().checks, kp_state().failures);
    fflush(stdout);
  }
  return failedGroups == 0 ? 0 : 1;
}
