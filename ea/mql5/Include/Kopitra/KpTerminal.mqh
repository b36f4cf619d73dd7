//+------------------------------------------------------------------+
//| KpTerminal.mqh — reads the MT5 terminal: telemetry bodies,        |
//| position lookup by identifier, time-zone conversion, order kinds. |
//| MQL5-only (the one include not compiled by the C++ tests; the     |
//| static API check in tests/ covers it). An MT4 port replaces this  |
//| file and the EAs, and keeps every other include.                  |
//+------------------------------------------------------------------+
#ifndef KP_TERMINAL_MQH
#define KP_TERMINAL_MQH
#include "KpCompat.mqh"
#include "KpJson.mqh"
#include "KpTime.mqh"
#include "KpVolume.mqh"
#include "KpGateway.mqh"

#define KP_MAX_SNAPSHOT_SYMBOLS 200

//--- trade server time minus UTC, in seconds, rounded to the quarter hour (server clocks are zone-shifted, not skewed)
long KpServerOffsetSec(void)
  {
   long raw = (long)(TimeTradeServer() - TimeGMT());
   return (long)MathRound(raw / 900.0) * 900;
  }

//--- a server-time datetime (expirations, deal times) as UTC milliseconds
long KpServerTimeToUtcMs(const datetime serverTime)
  {
   if(serverTime <= 0)
      return 0;
   return ((long)serverTime - KpServerOffsetSec()) * 1000;
  }

datetime KpUtcMsToServerTime(const long utcMs)
  {
   return (datetime)(utcMs / 1000 + KpServerOffsetSec());
  }

//--- select the open position whose POSITION_IDENTIFIER is id (on hedging accounts the ticket usually equals it, not always)
bool KpSelectPositionById(const long id)
  {
   if(PositionSelectByTicket((ulong)id) && PositionGetInteger(POSITION_IDENTIFIER) == id)
      return true;
   for(int i = PositionsTotal() - 1; i >= 0; i--)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket > 0 && PositionGetInteger(POSITION_IDENTIFIER) == id)
         return true;
     }
   return false;
  }

string KpPendingKind(const long orderType)
  {
   if(orderType == ORDER_TYPE_BUY_LIMIT)
      return "buy_limit";
   if(orderType == ORDER_TYPE_SELL_LIMIT)
      return "sell_limit";
   if(orderType == ORDER_TYPE_BUY_STOP)
      return "buy_stop";
   if(orderType == ORDER_TYPE_SELL_STOP)
      return "sell_stop";
   return "";
  }

ENUM_ORDER_TYPE KpOrderTypeOfKind(const string kind)
  {
   if(kind == "buy_limit")
      return ORDER_TYPE_BUY_LIMIT;
   if(kind == "sell_limit")
      return ORDER_TYPE_SELL_LIMIT;
   if(kind == "buy_stop")
      return ORDER_TYPE_BUY_STOP;
   return ORDER_TYPE_SELL_STOP;
  }

int KpSymbolDigits(const string symbol)
  {
   long d = SymbolInfoInteger(symbol, SYMBOL_DIGITS);
   return d > 0 ? (int)d : 5;
  }

bool KpSymbolSpecOf(const string symbol, KpSymbolSpec &spec)
  {
   bool isCustom = false;
   if(!SymbolExist(symbol, isCustom))
      return false;
   SymbolSelect(symbol, true);
   spec.name = symbol;
   spec.volumeMin = SymbolInfoDouble(symbol, SYMBOL_VOLUME_MIN);
   spec.volumeMax = SymbolInfoDouble(symbol, SYMBOL_VOLUME_MAX);
   spec.volumeStep = SymbolInfoDouble(symbol, SYMBOL_VOLUME_STEP);
   spec.point = SymbolInfoDouble(symbol, SYMBOL_POINT);
   spec.digits = KpSymbolDigits(symbol);
   return true;
  }

void KpWriteSymbol(CKpJsonWriter &w, const string name)
  {
   w.BeginObject();
   w.KeyStr("name", name);
   w.KeyNum("volumeMin", SymbolInfoDouble(name, SYMBOL_VOLUME_MIN), 8);
   w.KeyNum("volumeMax", SymbolInfoDouble(name, SYMBOL_VOLUME_MAX), 8);
   w.KeyNum("volumeStep", SymbolInfoDouble(name, SYMBOL_VOLUME_STEP), 8);
   double contract = SymbolInfoDouble(name, SYMBOL_TRADE_CONTRACT_SIZE);
   double tickSize = SymbolInfoDouble(name, SYMBOL_TRADE_TICK_SIZE);
   double tickValue = SymbolInfoDouble(name, SYMBOL_TRADE_TICK_VALUE);
   if(contract > 0)
      w.KeyNum("contractSize", contract, 8);
   if(tickSize > 0)
      w.KeyNum("tickSize", tickSize, 10);
   if(tickValue > 0)
      w.KeyNum("tickValue", tickValue, 8);
   w.KeyInt("digits", SymbolInfoInteger(name, SYMBOL_DIGITS));
   w.EndObject();
  }

bool KpContains(KP_ARR_REF(string, list), const int n, const string s)
  {
   for(int i = 0; i < n; i++)
      if(list[i] == s)
         return true;
   return false;
  }

//--- POST /telemetry snapshot: account, positions, pending orders, symbol specs (traded ones first, then Market Watch)
string KpSnapshotBody(const string sentAtIso)
  {
   CKpJsonWriter w;
   w.BeginObject();
   w.KeyStr("kind", "snapshot");
   w.KeyStr("sentAt", sentAtIso);
   w.Key("account");
   w.BeginObject();
   w.KeyNum("balance", AccountInfoDouble(ACCOUNT_BALANCE), 2);
   w.KeyNum("equity", AccountInfoDouble(ACCOUNT_EQUITY), 2);
   w.KeyStr("currency", AccountInfoString(ACCOUNT_CURRENCY));
   w.KeyInt("leverage", AccountInfoInteger(ACCOUNT_LEVERAGE));
   w.EndObject();
   string symbols[];
   int ns = 0;
   w.Key("positions");
   w.BeginArray();
   int total = PositionsTotal();
   for(int i = 0; i < total && i < 500; i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0)
         continue;
      string sym = PositionGetString(POSITION_SYMBOL);
      int digits = KpSymbolDigits(sym);
      w.BeginObject();
      w.KeyStr("id", IntegerToString(PositionGetInteger(POSITION_IDENTIFIER)));
      w.KeyStr("symbol", sym);
      w.KeyStr("side", PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? "buy" : "sell");
      w.KeyNum("volume", PositionGetDouble(POSITION_VOLUME), 8);
      w.KeyNum("price", PositionGetDouble(POSITION_PRICE_OPEN), digits);
      w.KeyPriceOrNull("sl", PositionGetDouble(POSITION_SL), digits);
      w.KeyPriceOrNull("tp", PositionGetDouble(POSITION_TP), digits);
      w.KeyStr("comment", PositionGetString(POSITION_COMMENT));
      long magic = PositionGetInteger(POSITION_MAGIC);
      w.KeyInt("magic", magic < 0 ? 0 : magic);
      w.KeyStr("openedAt", KpIsoFromMs(KpServerTimeToUtcMs((datetime)(PositionGetInteger(POSITION_TIME_MSC) / 1000)) +
                                       PositionGetInteger(POSITION_TIME_MSC) % 1000));
      w.EndObject();
      if(!KpContains(symbols, ns, sym))
        {
         ArrayResize(symbols, ns + 1);
         symbols[ns++] = sym;
        }
     }
   w.EndArray();
   w.Key("orders");
   w.BeginArray();
   int orders = OrdersTotal();
   for(int i = 0; i < orders && i < 500; i++)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket == 0)
         continue;
      string kind = KpPendingKind(OrderGetInteger(ORDER_TYPE));
      if(kind == "")
         continue;
      string sym = OrderGetString(ORDER_SYMBOL);
      int digits = KpSymbolDigits(sym);
      w.BeginObject();
      w.KeyStr("id", IntegerToString((long)ticket));
      w.KeyStr("symbol", sym);
      w.KeyStr("kind", kind);
      w.KeyNum("volume", OrderGetDouble(ORDER_VOLUME_CURRENT), 8);
      w.KeyNum("price", OrderGetDouble(ORDER_PRICE_OPEN), digits);
      w.KeyPriceOrNull("sl", OrderGetDouble(ORDER_SL), digits);
      w.KeyPriceOrNull("tp", OrderGetDouble(ORDER_TP), digits);
      w.KeyStr("comment", OrderGetString(ORDER_COMMENT));
      w.EndObject();
      if(!KpContains(symbols, ns, sym))
        {
         ArrayResize(symbols, ns + 1);
         symbols[ns++] = sym;
        }
     }
   w.EndArray();
   int watch = SymbolsTotal(true);
   for(int i = 0; i < watch && ns < KP_MAX_SNAPSHOT_SYMBOLS; i++)
     {
      string name = SymbolName(i, true);
      if(!KpContains(symbols, ns, name))
        {
         ArrayResize(symbols, ns + 1);
         symbols[ns++] = name;
        }
     }
   w.Key("symbols");
   w.BeginArray();
   for(int i = 0; i < ns && i < KP_MAX_SNAPSHOT_SYMBOLS; i++)
      KpWriteSymbol(w, symbols[i]);
   w.EndArray();
   w.EndObject();
   return w.Text();
  }

string KpHeartbeatBody(const string sentAtIso)
  {
   CKpJsonWriter w;
   w.BeginObject();
   w.KeyStr("kind", "heartbeat");
   w.KeyStr("sentAt", sentAtIso);
   w.Key("terminal");
   w.BeginObject();
   w.KeyStr("platform", "mt5");
   w.KeyInt("build", TerminalInfoInteger(TERMINAL_BUILD));
   w.KeyBool("connected", TerminalInfoInteger(TERMINAL_CONNECTED) != 0);
   w.KeyNum("pingMs", TerminalInfoInteger(TERMINAL_PING_LAST) / 1000.0, 1);
   w.EndObject();
   w.EndObject();
   return w.Text();
  }

//--- heartbeats and snapshots are not queued: the next one supersedes a lost one
bool KpSendTelemetry(CKpGateway &gw, const string kind, const string body)
  {
   KpHttpResult r;
   string key = KpIdempotencyKey("tm:" + kind + ":" + IntegerToString(gw.NowMs()));
   gw.Request("POST", KP_PATH_TELEMETRY, key, body, 0, r);
   if(r.status >= 200 && r.status < 300)
     {
      KpDebug("telemetry", kind + " accepted");
      return true;
     }
   if(r.status != KP_STATUS_BREAKER_OPEN)
      KpDebug("telemetry", kind + " not accepted: " + IntegerToString(r.status) + " " + r.errorCode);
   return false;
  }

//--- common start-up checks of the connection inputs; logs every problem, false when the EA cannot run
bool KpCheckInputs(const string url, const string keyId, const string secret)
  {
   bool ok = true;
   if(StringFind(url, "https://") != 0 && StringFind(url, "http://") != 0)
     {
      KpError("init", "InpGatewayUrl must start with https:// (got '" + url + "')");
      ok = false;
     }
   else if(StringFind(url, "http://") == 0)
      KpWarn("init", "InpGatewayUrl is plain http: use https on port 443 in production");
   if(keyId == "")
     {
      KpError("init", "InpKeyId is empty");
      ok = false;
     }
   if(StringLen(secret) < 32)
     {
      KpError("init", "InpSecret is missing or too short (the issued secret is at least 43 characters)");
      ok = false;
     }
   if(!TerminalInfoInteger(TERMINAL_TRADE_ALLOWED))
      KpWarn("init", "algorithmic trading is disabled in the terminal");
   return ok;
  }

#endif
