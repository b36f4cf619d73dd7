//+------------------------------------------------------------------+
//| KpOutbox.mqh — the durable outbox.                                |
//| Every signal and execution report is written here before it is   |
//| sent, and removed only after the gateway accepted it (or          |
//| rejected it for good: then it moves to a dead-letter file, never  |
//| silently dropped). The whole state — entries, next sequence,      |
//| a generation counter — is one text file in the common folder,     |
//| replaced atomically: write <name>.tmp, then FileMove over         |
//| <name>.dat. If the terminal dies between the two, the next start  |
//| reads both and keeps the complete one with the higher generation. |
//| Entries keep their Idempotency-Key, so a resend after a crash     |
//| (sent, but not yet removed) is a harmless repeat at the gateway.  |
//| Delivery is FIFO: a failing head blocks the rest, which keeps     |
//| signal sequences in order. There is no retry limit: after         |
//| `warnAfter` attempts it logs a warning and keeps waiting.         |
//+------------------------------------------------------------------+
#ifndef KP_OUTBOX_MQH
#define KP_OUTBOX_MQH
#include "KpCompat.mqh"
#include "KpSha256.mqh"
#include "KpBackoff.mqh"
#include "KpLog.mqh"

#define KP_OUTBOX_MAGIC "KOPITRA-OUTBOX 1"

//--- what to do with a gateway answer
#define KP_OUTCOME_DONE  0
#define KP_OUTCOME_RETRY 1
#define KP_OUTCOME_DEAD  2

int KpClassifyResponse(const int status, const string errorCode)
  {
   if(status >= 200 && status < 300)
      return KP_OUTCOME_DONE;
   if(status <= 0 || status == 408 || status == 425 || status == 429 || status >= 500)
      return KP_OUTCOME_RETRY;
   // credentials, clock skew or role: an operator can fix it, and nothing may be lost meanwhile
   if(status == 401 || status == 403)
      return KP_OUTCOME_RETRY;
   if(status == 409 && errorCode == "request_in_progress")
      return KP_OUTCOME_RETRY;
   // 400 invalid_payload, 404, 409 conflicts, 413, 415: this exact body will never be accepted
   return KP_OUTCOME_DEAD;
  }

struct KpOutboxEntry
  {
   long              seq;        // signal sequence, 0 for unsequenced entries (executions)
   int               attempts;
   string            method;
   string            path;
   string            key;        // Idempotency-Key
   string            body;
   long              notBeforeMs; // in memory only: after a restart everything is due at once
  };

//--- split on a single-character separator (kept here, not StringSplit, so C++ and MQL4 behave the same)
int KpSplit(const string s, const string sep, KP_ARR_REF(string, parts))
  {
   ArrayResize(parts, 0);
   int count = 0;
   int start = 0;
   int n = StringLen(s);
   while(true)
     {
      int p = StringFind(s, sep, start);
      int end = p < 0 ? n : p;
      ArrayResize(parts, count + 1);
      parts[count] = StringSubstr(s, start, end - start);
      count++;
      if(p < 0)
         break;
      start = p + 1;
     }
   return count;
  }

class CKpOutbox
  {
private:
   string            m_name;       // e.g. "Kopitra\\outbox-5012345-master"
   KP_ARR(KpOutboxEntry, m_entries);
   int               m_count;
   long              m_nextSeq;
   long              m_gen;
   string            m_epoch;
   long              m_baseMs;
   long              m_capMs;
   int               m_warnAfter;
   int               m_saveFailures;

   string            MainFile(void) { return m_name + ".dat"; }
   string            TempFile(void) { return m_name + ".tmp"; }
   string            DeadFile(void) { return m_name + ".dead"; }

   string            Serialize(void)
     {
      string s = KP_OUTBOX_MAGIC;
      s += "\n";
      s += "gen\t" + IntegerToString(m_gen) + "\n";
      s += "epoch\t" + m_epoch + "\n";
      s += "nextSeq\t" + IntegerToString(m_nextSeq) + "\n";
      for(int i = 0; i < m_count; i++)
         s += "E\t" + IntegerToString(m_entries[i].seq) + "\t" + IntegerToString(m_entries[i].attempts) + "\t" +
              m_entries[i].method + "\t" + m_entries[i].path + "\t" + m_entries[i].key + "\t" + m_entries[i].body + "\n";
      s += "END\t" + IntegerToString(m_count) + "\n";
      return s;
     }

   bool              ReadFileText(const string file, string &text)
     {
      text = "";
      if(!FileIsExist(file, FILE_COMMON))
         return false;
      int h = FileOpen(file, FILE_READ | FILE_BIN | FILE_COMMON | FILE_SHARE_READ);
      if(h == INVALID_HANDLE)
         return false;
      KP_ARR(uchar, bytes);
      int size = (int)FileSize(h);
      int got = 0;
      if(size > 0)
         got = (int)FileReadArray(h, bytes, 0, size);
      FileClose(h);
      if(got > 0)
         text = CharArrayToString(bytes, 0, got, CP_UTF8);
      return true;
     }

   bool              WriteFileText(const string file, const string text)
     {
      int h = FileOpen(file, FILE_WRITE | FILE_BIN | FILE_COMMON);
      if(h == INVALID_HANDLE)
         return false;
      KP_ARR(uchar, bytes);
      int n = KpUtf8Bytes(text, bytes);
      uint written = FileWriteArray(h, bytes, 0, n);
      FileFlush(h);
      FileClose(h);
      return (int)written == n;
     }

   //--- parse a state file into the given fields; false unless complete (header ... END <count>)
   bool              ParseState(const string text, long &gen, string &epoch, long &nextSeq, KP_ARR_REF(KpOutboxEntry, entries), int &count)
     {
      KP_ARR(string, lines);
      int n = KpSplit(text, "\n", lines);
      if(n < 5 || lines[0] != KP_OUTBOX_MAGIC)
         return false;
      gen = -1;
      nextSeq = -1;
      epoch = "";
      count = 0;
      ArrayResize(entries, 0);
      bool ended = false;
      for(int i = 1; i < n && !ended; i++)
        {
         KP_ARR(string, f);
         int nf = KpSplit(lines[i], "\t", f);
         if(nf == 2 && f[0] == "gen")
            gen = StringToInteger(f[1]);
         else if(nf == 2 && f[0] == "epoch")
            epoch = f[1];
         else if(nf == 2 && f[0] == "nextSeq")
            nextSeq = StringToInteger(f[1]);
         else if(nf == 7 && f[0] == "E")
           {
            ArrayResize(entries, count + 1);
            entries[count].seq = StringToInteger(f[1]);
            entries[count].attempts = (int)StringToInteger(f[2]);
            entries[count].method = f[3];
            entries[count].path = f[4];
            entries[count].key = f[5];
            entries[count].body = f[6];
            entries[count].notBeforeMs = 0;
            count++;
           }
         else if(nf == 2 && f[0] == "END")
           {
            if(StringToInteger(f[1]) != count)
               return false;
            ended = true;
           }
         else
            return false;
        }
      return ended && gen >= 0 && nextSeq >= 1 && epoch != "";
     }

   void              RemoveHead(void)
     {
      for(int i = 1; i < m_count; i++)
         m_entries[i - 1] = m_entries[i];
      m_count--;
      ArrayResize(m_entries, m_count);
     }

   bool              Append(const long seq, const string method, const string path, const string key, const string body)
     {
      if(StringFind(body, "\n") >= 0 || StringFind(body, "\t") >= 0 || StringFind(key, "\t") >= 0 || StringFind(path, "\t") >= 0)
        {
         KpError("outbox", "refusing an entry with a raw tab or newline: " + key);
         return false;
        }
      ArrayResize(m_entries, m_count + 1);
      m_entries[m_count].seq = seq;
      m_entries[m_count].attempts = 0;
      m_entries[m_count].method = method;
      m_entries[m_count].path = path;
      m_entries[m_count].key = key;
      m_entries[m_count].body = body;
      m_entries[m_count].notBeforeMs = 0;
      m_count++;
      return true;
     }

public:
                     CKpOutbox(void)
     {
      m_name = "";
      m_count = 0;
      m_nextSeq = 1;
      m_gen = 0;
      m_epoch = "";
      m_baseMs = 1000;
      m_capMs = 60000;
      m_warnAfter = 10;
      m_saveFailures = 0;
     }
   void              SetRetryPolicy(const long baseMs, const long capMs, const int warnAfter)
     {
      m_baseMs = baseMs;
      m_capMs = capMs;
      m_warnAfter = warnAfter;
     }

   //--- load (or create) the outbox named `name` in the common files folder
   bool              Open(const string name)
     {
      m_name = name;
      m_count = 0;
      ArrayResize(m_entries, 0);
      string mainText = "", tmpText = "";
      bool hasMain = ReadFileText(MainFile(), mainText);
      bool hasTmp = ReadFileText(TempFile(), tmpText);
      long g1 = -1, g2 = -1, s1 = 1, s2 = 1;
      string e1 = "", e2 = "";
      int c1 = 0, c2 = 0;
      KP_ARR(KpOutboxEntry, a1);
      KP_ARR(KpOutboxEntry, a2);
      bool ok1 = hasMain && ParseState(mainText, g1, e1, s1, a1, c1);
      bool ok2 = hasTmp && ParseState(tmpText, g2, e2, s2, a2, c2);
      if(hasMain && !ok1)
         KpError("outbox", MainFile() + " is incomplete or corrupt");
      if(ok2 && (!ok1 || g2 > g1))
        {
         // the terminal stopped between writing the temp file and the rename: finish the rename
         KpWarn("outbox", "recovering " + TempFile() + " (generation " + IntegerToString(g2) + ")");
         m_gen = g2;
         m_epoch = e2;
         m_nextSeq = s2;
         m_count = c2;
         ArrayResize(m_entries, c2);
         for(int i = 0; i < c2; i++)
            m_entries[i] = a2[i];
         FileMove(TempFile(), FILE_COMMON, MainFile(), FILE_COMMON | FILE_REWRITE);
        }
      else if(ok1)
        {
         m_gen = g1;
         m_epoch = e1;
         m_nextSeq = s1;
         m_count = c1;
         ArrayResize(m_entries, c1);
         for(int i = 0; i < c1; i++)
            m_entries[i] = a1[i];
         if(hasTmp)
            FileDelete(TempFile(), FILE_COMMON);
        }
      else
        {
         if(hasMain || hasTmp)
           {
            // never silently reuse sequences: keep the unreadable file for an operator
            KpError("outbox", "no readable outbox state; keeping the old file as .corrupt and starting at sequence 1");
            FileMove(MainFile(), FILE_COMMON, m_name + ".corrupt", FILE_COMMON | FILE_REWRITE);
           }
         m_gen = 0;
         m_nextSeq = 1;
         m_epoch = "e" + IntegerToString((long)TimeGMT());
         if(!Save())
            return false;
        }
      KpInfo("outbox", m_name + " loaded: " + IntegerToString(m_count) + " pending, next sequence " + IntegerToString(m_nextSeq));
      return true;
     }

   //--- persist the whole state atomically; on failure the in-memory state stays and the next Save retries
   bool              Save(void)
     {
      m_gen++;
      if(!WriteFileText(TempFile(), Serialize()))
        {
         m_saveFailures++;
         KpError("outbox", "cannot write " + TempFile() + ", error " + IntegerToString(GetLastError()));
         return false;
        }
      if(!FileMove(TempFile(), FILE_COMMON, MainFile(), FILE_COMMON | FILE_REWRITE))
        {
         m_saveFailures++;
         KpError("outbox", "cannot move " + TempFile() + " over " + MainFile() + ", error " + IntegerToString(GetLastError()));
         return false;
        }
      return true;
     }

   //--- the sequence the next signal will carry; build the body with it, then EnqueueSignal
   long              NextSequence(void) { return m_nextSeq; }
   string            Epoch(void) { return m_epoch; }
   string            SignalKey(const long seq) { return "sig:" + m_epoch + ":" + IntegerToString(seq); }

   //--- a signal whose body already carries `seq` (which must be NextSequence()); persisted before return
   bool              EnqueueSignal(const string path, const long seq, const string body)
     {
      if(seq != m_nextSeq)
        {
         KpError("outbox", "sequence " + IntegerToString(seq) + " is not the next one (" + IntegerToString(m_nextSeq) + ")");
         return false;
        }
      if(!Append(seq, "POST", path, SignalKey(seq), body))
         return false;
      m_nextSeq++;
      return Save();
     }

   //--- an unsequenced POST (execution report); a key already queued is not queued twice
   bool              Enqueue(const string path, const string key, const string body)
     {
      if(HasKey(key))
         return true;
      if(!Append(0, "POST", path, key, body))
         return false;
      return Save();
     }

   bool              HasKey(const string key)
     {
      for(int i = 0; i < m_count; i++)
         if(m_entries[i].key == key)
            return true;
      return false;
     }
   //--- any queued key starting with prefix (e.g. "exec:ord_1:" — a report for that order is on its way)
   bool              HasKeyPrefix(const string prefix)
     {
      for(int i = 0; i < m_count; i++)
         if(StringFind(m_entries[i].key, prefix) == 0)
            return true;
      return false;
     }
   int               Count(void) { return m_count; }
   long              Generation(void) { return m_gen; }
   int               SaveFailures(void) { return m_saveFailures; }
   bool              EntryAt(const int i, KpOutboxEntry &e)
     {
      if(i < 0 || i >= m_count)
         return false;
      e = m_entries[i];
      return true;
     }

   //--- the head entry when it is due
   bool              Due(const long nowMs, KpOutboxEntry &e)
     {
      if(m_count == 0 || m_entries[0].notBeforeMs > nowMs)
         return false;
      e = m_entries[0];
      return true;
     }
   long              HeadDueInMs(const long nowMs) { return m_count == 0 ? -1 : (m_entries[0].notBeforeMs > nowMs ? m_entries[0].notBeforeMs - nowMs : 0); }

   //--- the head was accepted
   void              Ack(void)
     {
      if(m_count == 0)
         return;
      RemoveHead();
      Save();
     }

   //--- the head failed in a retryable way: back off (at least retryAfterMs) and keep it
   void              Fail(const long nowMs, const long retryAfterMs, const string why)
     {
      if(m_count == 0)
         return;
      long delay = KpBackoffNextMs(m_entries[0].attempts, m_baseMs, m_capMs);
      if(retryAfterMs > delay)
         delay = retryAfterMs;
      m_entries[0].attempts++;
      m_entries[0].notBeforeMs = nowMs + delay;
      int a = m_entries[0].attempts;
      if(a == m_warnAfter || (a > m_warnAfter && a % m_warnAfter == 0))
         KpWarn("outbox", m_entries[0].key + " still undelivered after " + IntegerToString(a) + " attempts (" + why +
                "); waiting, nothing is dropped");
      else
         KpDebug("outbox", m_entries[0].key + " attempt " + IntegerToString(a) + " failed (" + why + "), retry in " +
                 IntegerToString(delay) + " ms");
      Save();
     }

   //--- the head can never be accepted: keep it in <name>.dead for an operator, then move on
   void              DeadLetter(const string why)
     {
      if(m_count == 0)
         return;
      string line = IntegerToString((long)TimeGMT()) + "\t" + why + "\t" + m_entries[0].key + "\t" + m_entries[0].path + "\t" +
                    m_entries[0].body + "\n";
      int h = FileOpen(DeadFile(), FILE_READ | FILE_WRITE | FILE_BIN | FILE_COMMON);
      if(h != INVALID_HANDLE)
        {
         FileSeek(h, 0, SEEK_END);
         KP_ARR(uchar, bytes);
         int n = KpUtf8Bytes(line, bytes);
         FileWriteArray(h, bytes, 0, n);
         FileFlush(h);
         FileClose(h);
        }
      KpError("outbox", m_entries[0].key + " rejected for good (" + why + "); kept in " + DeadFile());
      RemoveHead();
      Save();
     }
  };

#endif
