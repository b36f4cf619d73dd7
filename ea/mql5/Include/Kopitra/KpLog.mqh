//+------------------------------------------------------------------+
//| KpLog.mqh — levelled logging to the Experts journal.              |
//| Lines look like: "Kopitra WARN outbox: sig:7 failed (503) ..."   |
//| Never log the secret or a signature.                              |
//+------------------------------------------------------------------+
#ifndef KP_LOG_MQH
#define KP_LOG_MQH
#include "KpCompat.mqh"

#define KP_LOG_ERROR 0
#define KP_LOG_WARN  1
#define KP_LOG_INFO  2
#define KP_LOG_DEBUG 3

int g_kpLogLevel = KP_LOG_INFO;

void KpSetLogLevel(const int level) { g_kpLogLevel = level; }

string KpLevelName(const int level)
  {
   if(level == KP_LOG_ERROR)
      return "ERROR";
   if(level == KP_LOG_WARN)
      return "WARN";
   if(level == KP_LOG_INFO)
      return "INFO";
   return "DEBUG";
  }

void KpLog(const int level, const string component, const string message)
  {
   if(level > g_kpLogLevel)
      return;
   Print("Kopitra " + KpLevelName(level) + " " + component + ": " + message);
  }

void KpError(const string component, const string message) { KpLog(KP_LOG_ERROR, component, message); }
void KpWarn(const string component, const string message) { KpLog(KP_LOG_WARN, component, message); }
void KpInfo(const string component, const string message) { KpLog(KP_LOG_INFO, component, message); }
void KpDebug(const string component, const string message) { KpLog(KP_LOG_DEBUG, component, message); }

#endif
