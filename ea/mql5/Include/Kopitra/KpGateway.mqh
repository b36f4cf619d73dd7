//+------------------------------------------------------------------+
//| KpGateway.mqh — signed HTTP calls to the gateway over WebRequest, |
//| guarded by the circuit breaker, and the outbox flush loop.        |
//| WebRequest blocks the EA's thread, so every call has a short      |
//| timeout; the follower's long-poll uses a short `wait`.            |
//+------------------------------------------------------------------+
#ifndef KP_GATEWAY_MQH
#define KP_GATEWAY_MQH
#include "KpCompat.mqh"
#include "KpSigner.mqh"
#include "KpBreaker.mqh"
#include "KpOutbox.mqh"
#include "KpJson.mqh"
#include "KpTime.mqh"
#include "KpLog.mqh"

#define KP_BASE_PATH "/trade-agent/v1"
#define KP_PATH_SIGNALS "/trade-agent/v1/signals"
#define KP_PATH_TELEMETRY "/trade-agent/v1/telemetry"
#define KP_PATH_EXECUTIONS "/trade-agent/v1/executions"
#define KP_PATH_ORDERS "/trade-agent/v1/orders"
#define KP_STATUS_BREAKER_OPEN -2

//--- "Retry-After: 3" in a CRLF header block -> 3000 ms (0 when absent); HTTP-date form is ignored
long KpRetryAfterMs(const string headers)
  {
   string lower = headers;
   StringToLower(lower);
   int p = StringFind(lower, "retry-after:");
   if(p < 0)
      return 0;
   int start = p + 12;
   int end = StringFind(lower, "\n", start);
   string v = end < 0 ? StringSubstr(lower, start) : StringSubstr(lower, start, end - start);
   StringTrimLeft(v);
   StringTrimRight(v);
   if(StringLen(v) == 0 || StringGetCharacter(v, 0) < '0' || StringGetCharacter(v, 0) > '9')
      return 0;
   long secs = StringToInteger(v);
   if(secs > 3600)
      secs = 3600;
   return secs * 1000;
  }

//--- the error code of a {"error":{"code":...}} answer, or ""
string KpErrorCode(const string body)
  {
   CKpJson j;
   if(!j.Parse(body))
      return "";
   return j.GetStr(j.Get(j.Root(), "error"), "code", "");
  }

struct KpHttpResult
  {
   int               status;     // HTTP status; <= 0 transport failure; KP_STATUS_BREAKER_OPEN when not sent
   string            body;
   string            errorCode;
   long              retryAfterMs;
   int               lastError;  // GetLastError() after a failed WebRequest (4014: URL not allowed)
  };

class CKpGateway
  {
private:
   string            m_baseUrl;   // https://host[:port], no trailing slash
   string            m_keyId;
   string            m_secret;
   int               m_timeoutMs;
   CKpClock          m_clock;
   CKpCircuitBreaker m_breaker;
   long              m_requests;
   long              m_failures;
   bool              m_urlWarned;
public:
                     CKpGateway(void) { m_timeoutMs = 5000; m_requests = 0; m_failures = 0; m_urlWarned = false; }
   void              Configure(const string baseUrl, const string keyId, const string secret, const int timeoutMs,
                               const int breakerThreshold, const long breakerCooldownMs)
     {
      m_baseUrl = baseUrl;
      while(StringLen(m_baseUrl) > 0 && StringGetCharacter(m_baseUrl, StringLen(m_baseUrl) - 1) == '/')
         m_baseUrl = StringSubstr(m_baseUrl, 0, StringLen(m_baseUrl) - 1);
      m_keyId = keyId;
      m_secret = secret;
      m_timeoutMs = timeoutMs;
      m_breaker.Configure(breakerThreshold, breakerCooldownMs);
     }
   long              NowMs(void) { return m_clock.NowMs(); }
   string            BreakerState(void) { return m_breaker.StateName(); }
   long              Requests(void) { return m_requests; }

   //--- one signed request; pathWithQuery starts with /trade-agent/v1; extraTimeoutMs for long-polls
   void              Request(const string method, const string pathWithQuery, const string idempotencyKey,
                             const string body, const int extraTimeoutMs, KpHttpResult &res)
     {
      res.status = 0;
      res.body = "";
      res.errorCode = "";
      res.retryAfterMs = 0;
      res.lastError = 0;
      long now = NowMs();
      if(!m_breaker.Allow(now))
        {
         res.status = KP_STATUS_BREAKER_OPEN;
         return;
        }
      string ts = IntegerToString(now);
      string headers = KpSignedHeaders(m_keyId, m_secret, ts, method, pathWithQuery, idempotencyKey, body);
      KP_ARR(uchar, bytes);
      int n = KpUtf8Bytes(body, bytes);
      KP_ARR(char, data);
      ArrayResize(data, n);
      for(int i = 0; i < n; i++)
         data[i] = (char)bytes[i];
      KP_ARR(char, result);
      string respHeaders = "";
      ResetLastError();
      m_requests++;
      int status = WebRequest(method, m_baseUrl + pathWithQuery, headers, m_timeoutMs + extraTimeoutMs, data, result, respHeaders);
      res.status = status;
      if(status <= 0)
         res.lastError = GetLastError();
      int rn = ArraySize(result);
      if(rn > 0)
        {
         KP_ARR(uchar, ub);
         ArrayResize(ub, rn);
         for(int i = 0; i < rn; i++)
            ub[i] = (uchar)result[i];
         res.body = CharArrayToString(ub, 0, rn, CP_UTF8);
        }
      res.retryAfterMs = KpRetryAfterMs(respHeaders);
      if(status >= 400)
         res.errorCode = KpErrorCode(res.body);
      if(status <= 0 || status >= 500)
        {
         m_failures++;
         m_breaker.OnFailure(NowMs());
         if(status <= 0 && res.lastError == 4014 && !m_urlWarned)
           {
            m_urlWarned = true;
            KpError("http", "WebRequest refused: add " + m_baseUrl + " to Tools > Options > Expert Advisors > Allow WebRequest");
           }
         KpDebug("http", method + " " + pathWithQuery + " failed: status " + IntegerToString(status) + ", error " +
                 IntegerToString(res.lastError) + ", breaker " + m_breaker.StateName());
        }
      else
        {
         m_breaker.OnSuccess();
         if(status >= 400)
            KpWarn("http", method + " " + pathWithQuery + " -> " + IntegerToString(status) + " " + res.errorCode);
        }
     }

   //--- deliver due outbox entries in order; returns how many were settled (accepted or dead-lettered)
   int               Flush(CKpOutbox &outbox, const int maxItems)
     {
      int settled = 0;
      for(int i = 0; i < maxItems; i++)
        {
         KpOutboxEntry e;
         if(!outbox.Due(NowMs(), e))
            break;
         KpHttpResult r;
         Request(e.method, e.path, e.key, e.body, 0, r);
         if(r.status == KP_STATUS_BREAKER_OPEN)
            break;  // not an attempt: the breaker decides when to probe again
         int outcome = KpClassifyResponse(r.status, r.errorCode);
         if(outcome == KP_OUTCOME_DONE)
           {
            KpDebug("outbox", e.key + " accepted (" + IntegerToString(r.status) + ")");
            outbox.Ack();
            settled++;
           }
         else if(outcome == KP_OUTCOME_DEAD)
           {
            outbox.DeadLetter(IntegerToString(r.status) + " " + r.errorCode);
            settled++;
           }
         else
           {
            outbox.Fail(NowMs(), r.retryAfterMs, IntegerToString(r.status) + " " + r.errorCode);
            break;
           }
        }
      return settled;
     }
  };

#endif
