//+------------------------------------------------------------------+
//| KpBackoff.mqh — exponential backoff with "equal jitter":          |
//| delay = e/2 + random(0..e/2), e = min(cap, base * 2^attempt).     |
//| Never zero (no hot loop), never above cap, spread so that many    |
//| terminals reconnecting after an outage do not stampede.           |
//+------------------------------------------------------------------+
#ifndef KP_BACKOFF_MQH
#define KP_BACKOFF_MQH
#include "KpCompat.mqh"

//--- attempt: 0 for the first retry; random15: 0..32767 (MathRand()); pure so tests can pin it
long KpBackoffDelayMs(const int attempt, const long baseMs, const long capMs, const int random15)
  {
   int a = attempt < 0 ? 0 : attempt;
   if(a > 30)
      a = 30;
   double e = (double)baseMs * MathPow(2.0, a);
   if(e > (double)capMs)
      e = (double)capMs;
   double half = e / 2.0;
   double r = (double)(random15 & 0x7FFF) / 32767.0;
   return (long)MathRound(half + r * half);
  }

long KpBackoffNextMs(const int attempt, const long baseMs, const long capMs)
  {
   return KpBackoffDelayMs(attempt, baseMs, capMs, MathRand());
  }

#endif
