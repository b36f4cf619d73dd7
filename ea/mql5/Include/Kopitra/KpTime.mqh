//+------------------------------------------------------------------+
//| KpTime.mqh — Unix milliseconds <-> RFC 3339 UTC, and a ms clock.  |
//| MQL5 has no millisecond wall clock: CKpClock anchors the          |
//| monotonic GetTickCount64() to TimeGMT() and re-anchors on drift.  |
//+------------------------------------------------------------------+
#ifndef KP_TIME_MQH
#define KP_TIME_MQH
#include "KpCompat.mqh"

string KpPad(const long v, const int width) { return IntegerToString(v, width, '0'); }

//--- days since 1970-01-01 -> civil date (H. Hinnant's algorithm, proleptic Gregorian)
void KpCivilFromDays(const long days, int &y, int &m, int &d)
  {
   long z = days + 719468;
   long era = (z >= 0 ? z : z - 146096) / 146097;
   long doe = z - era * 146097;
   long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
   long yy = yoe + era * 400;
   long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
   long mp = (5 * doy + 2) / 153;
   d = (int)(doy - (153 * mp + 2) / 5 + 1);
   m = (int)(mp < 10 ? mp + 3 : mp - 9);
   y = (int)(m <= 2 ? yy + 1 : yy);
  }

long KpDaysFromCivil(const int y0, const int m, const int d)
  {
   long y = m <= 2 ? y0 - 1 : y0;
   long era = (y >= 0 ? y : y - 399) / 400;
   long yoe = y - era * 400;
   long doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
   long doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
   return era * 146097 + doe - 719468;
  }

//--- 1764075600123 -> "2025-11-25T13:00:00.123Z"
string KpIsoFromMs(const long ms)
  {
   long days = ms >= 0 ? ms / 86400000 : -((-ms + 86399999) / 86400000);
   long rem = ms - days * 86400000;
   int y = 0, mo = 0, d = 0;
   KpCivilFromDays(days, y, mo, d);
   long h = rem / 3600000;
   long mi = (rem / 60000) % 60;
   long s = (rem / 1000) % 60;
   long f = rem % 1000;
   return KpPad(y, 4) + "-" + KpPad(mo, 2) + "-" + KpPad(d, 2) + "T" + KpPad(h, 2) + ":" + KpPad(mi, 2) + ":" +
          KpPad(s, 2) + "." + KpPad(f, 3) + "Z";
  }

int KpDigitsAt(const string s, const int pos, const int count)
  {
   int v = 0;
   for(int i = 0; i < count; i++)
     {
      ushort c = StringGetCharacter(s, pos + i);
      if(c < '0' || c > '9')
         return -1;
      v = v * 10 + (c - '0');
     }
   return v;
  }

//--- RFC 3339 -> Unix ms; false when malformed. Accepts fractions of any length and Z or +hh:mm.
bool KpMsFromIso(const string s, long &ms)
  {
   ms = 0;
   int n = StringLen(s);
   if(n < 20)
      return false;
   int y = KpDigitsAt(s, 0, 4), mo = KpDigitsAt(s, 5, 2), d = KpDigitsAt(s, 8, 2);
   int h = KpDigitsAt(s, 11, 2), mi = KpDigitsAt(s, 14, 2), sec = KpDigitsAt(s, 17, 2);
   if(y < 0 || mo < 1 || mo > 12 || d < 1 || d > 31 || h < 0 || h > 23 || mi < 0 || mi > 59 || sec < 0 || sec > 60)
      return false;
   ushort t = StringGetCharacter(s, 10);
   if(StringGetCharacter(s, 4) != '-' || StringGetCharacter(s, 7) != '-' || (t != 'T' && t != 't' && t != ' ') ||
      StringGetCharacter(s, 13) != ':' || StringGetCharacter(s, 16) != ':')
      return false;
   int pos = 19;
   long frac = 0;
   if(pos < n && StringGetCharacter(s, pos) == '.')
     {
      pos++;
      int digits = 0;
      while(pos < n)
        {
         ushort c = StringGetCharacter(s, pos);
         if(c < '0' || c > '9')
            break;
         if(digits < 3)
            frac = frac * 10 + (c - '0');
         digits++;
         pos++;
        }
      if(digits == 0)
         return false;
      for(int i = digits; i < 3; i++)
         frac *= 10;
     }
   long offsetMin = 0;
   if(pos >= n)
      return false;
   ushort z = StringGetCharacter(s, pos);
   if(z == 'Z' || z == 'z')
      pos++;
   else
      if(z == '+' || z == '-')
        {
         int oh = KpDigitsAt(s, pos + 1, 2), om = KpDigitsAt(s, pos + 4, 2);
         if(oh < 0 || om < 0 || StringGetCharacter(s, pos + 3) != ':')
            return false;
         offsetMin = oh * 60 + om;
         if(z == '-')
            offsetMin = -offsetMin;
         pos += 6;
        }
      else
         return false;
   if(pos != n)
      return false;
   ms = (KpDaysFromCivil(y, mo, d) * 86400 + h * 3600 + mi * 60 + sec - offsetMin * 60) * 1000 + frac;
   return true;
  }

class CKpClock
  {
private:
   long              m_baseMs;
   ulong             m_baseTick;
   long              m_last;
public:
                     CKpClock(void) { m_baseMs = 0; m_baseTick = 0; m_last = 0; }
   long              NowMs(void)
     {
      ulong tick = GetTickCount64();
      long gms = (long)TimeGMT() * 1000;
      long est = m_baseMs + (long)(tick - m_baseTick);
      if(m_baseTick == 0 || est < gms || est > gms + 1999)
        {
         m_baseMs = gms;
         m_baseTick = tick;
         est = gms;
        }
      if(est < m_last)
         est = m_last;
      m_last = est;
      return est;
     }
  };

#endif
