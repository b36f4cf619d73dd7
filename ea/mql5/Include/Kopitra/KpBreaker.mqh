//+------------------------------------------------------------------+
//| KpBreaker.mqh — circuit breaker around the gateway.               |
//| CLOSED: requests flow; `threshold` consecutive failures -> OPEN.  |
//| OPEN: requests are refused locally until `cooldownMs` passed,     |
//| then one probe is let through (HALF_OPEN).                        |
//| HALF_OPEN: probe succeeds -> CLOSED; probe fails -> OPEN again.   |
//| Time is passed in (ms), so the class is deterministic in tests.   |
//+------------------------------------------------------------------+
#ifndef KP_BREAKER_MQH
#define KP_BREAKER_MQH
#include "KpCompat.mqh"

#define KP_BREAKER_CLOSED    0
#define KP_BREAKER_OPEN      1
#define KP_BREAKER_HALF_OPEN 2

class CKpCircuitBreaker
  {
private:
   int               m_state;
   int               m_failures;
   int               m_threshold;
   long              m_cooldownMs;
   long              m_openedAt;
   bool              m_probeInFlight;
   int               m_opens;
public:
                     CKpCircuitBreaker(void) { Configure(5, 30000); }
   void              Configure(const int threshold, const long cooldownMs)
     {
      m_threshold = threshold < 1 ? 1 : threshold;
      m_cooldownMs = cooldownMs < 0 ? 0 : cooldownMs;
      m_state = KP_BREAKER_CLOSED;
      m_failures = 0;
      m_openedAt = 0;
      m_probeInFlight = false;
      m_opens = 0;
     }
   //--- may a request be sent now? In OPEN after the cool-down this admits exactly one probe.
   bool              Allow(const long nowMs)
     {
      if(m_state == KP_BREAKER_CLOSED)
         return true;
      if(m_state == KP_BREAKER_OPEN)
        {
         if(nowMs - m_openedAt < m_cooldownMs)
            return false;
         m_state = KP_BREAKER_HALF_OPEN;
         m_probeInFlight = true;
         return true;
        }
      // HALF_OPEN: only the single probe
      if(m_probeInFlight)
         return false;
      m_probeInFlight = true;
      return true;
     }
   void              OnSuccess(void)
     {
      m_state = KP_BREAKER_CLOSED;
      m_failures = 0;
      m_probeInFlight = false;
     }
   void              OnFailure(const long nowMs)
     {
      m_probeInFlight = false;
      if(m_state == KP_BREAKER_HALF_OPEN)
        {
         m_state = KP_BREAKER_OPEN;
         m_openedAt = nowMs;
         m_opens++;
         return;
        }
      m_failures++;
      if(m_state == KP_BREAKER_CLOSED && m_failures >= m_threshold)
        {
         m_state = KP_BREAKER_OPEN;
         m_openedAt = nowMs;
         m_opens++;
        }
     }
   int               State(void) { return m_state; }
   int               Failures(void) { return m_failures; }
   int               Opens(void) { return m_opens; }
   long              RetryInMs(const long nowMs) { return m_state == KP_BREAKER_OPEN ? m_cooldownMs - (nowMs - m_openedAt) : 0; }
   string            StateName(void)
     {
      if(m_state == KP_BREAKER_CLOSED)
         return "closed";
      if(m_state == KP_BREAKER_OPEN)
         return "open";
      return "half-open";
     }
  };

#endif
