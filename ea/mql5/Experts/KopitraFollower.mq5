//+------------------------------------------------------------------+
//| KopitraFollower.mq5 — executes the orders Kopitra plans for this  |
//| account (GET /orders long-poll), reports every outcome (POST      |
//| /executions, with the broker's retcode) and sends heartbeats and  |
//| snapshots.                                                        |
//|                                                                  |
//| Exactly-once: every trade carries the order's tag as its comment. |
//| Before acting, KpDecide (KpFollowerLogic.mqh) looks for that tag  |
//| on open positions, deals and orders: an order executed before a  |
//| crash is reported, never executed twice. Reports go through the   |
//| durable outbox with a deterministic Idempotency-Key.             |
//| The long-poll uses a short wait so the EA is never blocked long.  |
//+------------------------------------------------------------------+
#property copyright "Kopitra"
#property link      "https://kopitra.example"
#property version   "1.00"
#property description "Kopitra follower: executes copy-trading orders and reports the outcome."

#include <Trade/Trade.mqh>
#include <Kopitra/KpGateway.mqh>
#include <Kopitra/KpFollowerLogic.mqh>
#include <Kopitra/KpTerminal.mqh>

enum ENUM_KP_LOG_LEVEL
  {
   KP_LEVEL_ERROR = 0, // errors only
   KP_LEVEL_WARN = 1,  // warnings and errors
   KP_LEVEL_INFO = 2,  // info (default)
   KP_LEVEL_DEBUG = 3  // debug: every request
  };

input string            InpGatewayUrl = "https://gateway.kopitra.example"; // Gateway URL (https, port 443; add to the WebRequest allow list)
input string            InpKeyId = "";                   // EA key id (kid) of this follower account
input string            InpSecret = "";                  // EA secret (shown once when issued)
input long              InpMagic = 20261125;             // Magic number of the trades this EA opens
input int               InpPollWaitSec = 2;              // Long-poll wait, s (0-30; short keeps the EA responsive)
input int               InpPollLimit = 20;               // Orders per poll (1-100)
input int               InpTimerMs = 250;                // Timer period, ms
input int               InpHeartbeatSec = 5;             // Heartbeat interval, s
input int               InpSnapshotSec = 10;             // Snapshot interval, s
input int               InpHttpTimeoutMs = 5000;         // HTTP timeout per request, ms (the poll adds its wait)
input int               InpHistoryDays = 30;             // Deal history searched for an order's tag, days
input int               InpDefaultSlippagePoints = 10;   // Slippage when an order carries no maxDeviation, points
input int               InpRetryBaseMs = 1000;           // Outbox retry: first backoff, ms
input int               InpRetryCapMs = 60000;           // Outbox retry: longest backoff, ms
input int               InpRetryWarnAfter = 10;          // Outbox retry: warn after this many attempts (never drops)
input int               InpBreakerFailures = 5;          // Circuit breaker: consecutive failures to open
input int               InpBreakerCooldownSec = 30;      // Circuit breaker: seconds before a probe
input ENUM_KP_LOG_LEVEL InpLogLevel = KP_LEVEL_INFO;     // Log level

CKpGateway g_gw;
CKpOutbox  g_outbox;
CTrade     g_trade;
long       g_lastHeartbeat = 0;
long       g_lastSnapshot = 0;
bool       g_ready = false;
bool       g_busy = false;

//--- terminal views for KpDecide: everything carrying a Kopitra tag ("kp:") plus all open positions
void ReadPositions(KpPosView &positions[])
  {
   ArrayResize(positions, 0);
   int total = PositionsTotal();
   int n = 0;
   for(int i = 0; i < total; i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0)
         continue;
      ArrayResize(positions, n + 1);
      positions[n].ticket = (long)ticket;
      positions[n].id = PositionGetInteger(POSITION_IDENTIFIER);
      positions[n].symbol = PositionGetString(POSITION_SYMBOL);
      positions[n].side = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? KP_SIDE_BUY : KP_SIDE_SELL;
      positions[n].volume = PositionGetDouble(POSITION_VOLUME);
      positions[n].price = PositionGetDouble(POSITION_PRICE_OPEN);
      positions[n].sl = PositionGetDouble(POSITION_SL);
      positions[n].tp = PositionGetDouble(POSITION_TP);
      positions[n].comment = PositionGetString(POSITION_COMMENT);
      n++;
     }
  }

void ReadHistory(KpDealView &deals[], KpPendingView &pendings[])
  {
   ArrayResize(deals, 0);
   ArrayResize(pendings, 0);
   datetime to = TimeCurrent() + 86400;
   datetime from = to - (datetime)((long)InpHistoryDays * 86400 + 86400);
   if(!HistorySelect(from, to))
      KpWarn("follower", "HistorySelect failed, error " + IntegerToString(GetLastError()));
   int nd = 0;
   int total = HistoryDealsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong ticket = HistoryDealGetTicket(i);
      if(ticket == 0)
         continue;
      string comment = HistoryDealGetString(ticket, DEAL_COMMENT);
      if(StringFind(comment, "kp:") != 0)
         continue;
      ArrayResize(deals, nd + 1);
      deals[nd].ticket = (long)ticket;
      deals[nd].positionId = HistoryDealGetInteger(ticket, DEAL_POSITION_ID);
      deals[nd].symbol = HistoryDealGetString(ticket, DEAL_SYMBOL);
      deals[nd].entry = HistoryDealGetInteger(ticket, DEAL_ENTRY) == DEAL_ENTRY_IN ? KP_DEAL_IN : KP_DEAL_OUT;
      deals[nd].volume = HistoryDealGetDouble(ticket, DEAL_VOLUME);
      deals[nd].price = HistoryDealGetDouble(ticket, DEAL_PRICE);
      deals[nd].comment = comment;
      nd++;
     }
   int np = 0;
   int orders = OrdersTotal();
   for(int i = 0; i < orders; i++)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket == 0)
         continue;
      string kind = KpPendingKind(OrderGetInteger(ORDER_TYPE));
      if(kind == "")
         continue;
      ArrayResize(pendings, np + 1);
      pendings[np].ticket = (long)ticket;
      pendings[np].symbol = OrderGetString(ORDER_SYMBOL);
      pendings[np].kind = kind;
      pendings[np].volume = OrderGetDouble(ORDER_VOLUME_CURRENT);
      pendings[np].price = OrderGetDouble(ORDER_PRICE_OPEN);
      pendings[np].sl = OrderGetDouble(ORDER_SL);
      pendings[np].tp = OrderGetDouble(ORDER_TP);
      pendings[np].comment = OrderGetString(ORDER_COMMENT);
      pendings[np].active = true;
      pendings[np].filled = false;
      np++;
     }
   int hist = HistoryOrdersTotal();
   for(int i = 0; i < hist; i++)
     {
      ulong ticket = HistoryOrderGetTicket(i);
      if(ticket == 0)
         continue;
      string kind = KpPendingKind(HistoryOrderGetInteger(ticket, ORDER_TYPE));
      string comment = HistoryOrderGetString(ticket, ORDER_COMMENT);
      if(kind == "" || StringFind(comment, "kp:") != 0)
         continue;
      ArrayResize(pendings, np + 1);
      pendings[np].ticket = (long)ticket;
      pendings[np].symbol = HistoryOrderGetString(ticket, ORDER_SYMBOL);
      pendings[np].kind = kind;
      pendings[np].volume = HistoryOrderGetDouble(ticket, ORDER_VOLUME_INITIAL);
      pendings[np].price = HistoryOrderGetDouble(ticket, ORDER_PRICE_OPEN);
      pendings[np].sl = HistoryOrderGetDouble(ticket, ORDER_SL);
      pendings[np].tp = HistoryOrderGetDouble(ticket, ORDER_TP);
      pendings[np].comment = comment;
      pendings[np].active = false;
      pendings[np].filled = HistoryOrderGetInteger(ticket, ORDER_STATE) == ORDER_STATE_FILLED;
      np++;
     }
  }

//--- queue the execution report (durable) and try to deliver it now
void Report(KpFollowerOrder &o, const string status, const double volume, const double price, const string positionId,
            const string brokerCode, const string message, const int digits)
  {
   string body = KpExecutionBody(o.orderId, status, KpIsoFromMs(g_gw.NowMs()), volume, price, positionId, brokerCode, message, digits);
   string key = KpIdempotencyKey(KpExecutionKey(o.orderId, status));
   if(!g_outbox.Enqueue(KP_PATH_EXECUTIONS, key, body))
      KpError("follower", "report for " + o.orderId + " could not be persisted");
   KpInfo("follower", "order " + o.orderId + " (" + o.action + " " + o.symbol + ") -> " + status +
          (brokerCode != "" ? " retcode " + brokerCode : "") + (message != "" ? ": " + message : ""));
  }

//--- the position a filled deal belongs to
string PositionOfDeal(const ulong deal, const ulong order)
  {
   if(deal > 0 && HistoryDealSelect(deal))
      return IntegerToString(HistoryDealGetInteger(deal, DEAL_POSITION_ID));
   return IntegerToString((long)order);
  }

//--- after a trade request: report, or (outcome unknown) leave the order for the next poll's tag check
void ReportTradeResult(KpFollowerOrder &o, const string positionIfNoDeal, const double requestedVolume, const int digits)
  {
   uint rc = g_trade.ResultRetcode();
   int cls = KpClassifyRetcode(rc);
   string code = IntegerToString((long)rc);
   if(cls == KP_RC_UNSURE)
     {
      KpWarn("follower", "order " + o.orderId + ": outcome unknown (retcode " + code + " " + g_trade.ResultRetcodeDescription() +
             "); the next poll checks the tag before doing anything");
      return;
     }
   if(cls == KP_RC_REJECT)
     {
      Report(o, "rejected", 0, 0, "", code, g_trade.ResultRetcodeDescription(), digits);
      return;
     }
   double vol = g_trade.ResultVolume();
   double price = g_trade.ResultPrice();
   string pos = positionIfNoDeal;
   if(o.action == "open")
      pos = PositionOfDeal(g_trade.ResultDeal(), g_trade.ResultOrder());
   if(o.action == "place")
      pos = IntegerToString((long)g_trade.ResultOrder());
   string msg = "";
   if(vol > 0 && requestedVolume > 0 && vol < requestedVolume - 1e-8)
      msg = "partial fill: " + KpNumberText(vol, 8) + " of " + KpNumberText(requestedVolume, 8);
   if(vol <= 0)
      vol = requestedVolume;
   Report(o, "filled", vol, price, pos, code, msg, digits);
  }

//--- close (part of) a position with the order's tag as the deal comment (CTrade's PositionClose sets none)
bool ClosePosition(KpFollowerOrder &o, const KpDecision &d)
  {
   if(!PositionSelectByTicket((ulong)d.ticket))
      return false;
   MqlTradeRequest req;
   MqlTradeResult res;
   ZeroMemory(req);
   ZeroMemory(res);
   bool isBuy = PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY;
   req.action = TRADE_ACTION_DEAL;
   req.position = (ulong)d.ticket;
   req.symbol = PositionGetString(POSITION_SYMBOL);
   req.volume = d.volume;
   req.type = isBuy ? ORDER_TYPE_SELL : ORDER_TYPE_BUY;
   req.price = isBuy ? SymbolInfoDouble(req.symbol, SYMBOL_BID) : SymbolInfoDouble(req.symbol, SYMBOL_ASK);
   req.deviation = (ulong)InpDefaultSlippagePoints;
   req.magic = (ulong)InpMagic;
   req.comment = o.tag;
   // same preference as CTrade::SetTypeFillingBySymbol: FOK, then IOC, else RETURN
   long fillMode = SymbolInfoInteger(req.symbol, SYMBOL_FILLING_MODE);
   req.type_filling = ORDER_FILLING_RETURN;
   if((fillMode & SYMBOL_FILLING_FOK) != 0)
      req.type_filling = ORDER_FILLING_FOK;
   else if((fillMode & SYMBOL_FILLING_IOC) != 0)
      req.type_filling = ORDER_FILLING_IOC;
   return g_trade.OrderSend(req, res);
  }

void Execute(KpFollowerOrder &o)
  {
   KpSymbolSpec spec;
   if(!KpSymbolSpecOf(o.symbol, spec))
     {
      Report(o, "rejected", 0, 0, "", "", "symbol_not_found: " + o.symbol, 5);
      return;
     }
   KpPosView positions[];
   KpDealView deals[];
   KpPendingView pendings[];
   ReadPositions(positions);
   ReadHistory(deals, pendings);
   double bid = SymbolInfoDouble(o.symbol, SYMBOL_BID);
   double ask = SymbolInfoDouble(o.symbol, SYMBOL_ASK);
   KpDecision d;
   KpDecide(o, g_gw.NowMs(), bid, ask, spec, positions, deals, pendings, d);
   if(d.action == KP_DO_NOTHING)
      return;
   if(d.action == KP_DO_REPORT)
     {
      Report(o, d.status, d.volume, d.price, d.positionId, "", d.message, spec.digits);
      return;
     }
   g_trade.SetExpertMagicNumber((ulong)InpMagic);
   g_trade.SetTypeFillingBySymbol(o.symbol);
   g_trade.SetDeviationInPoints((ulong)KpDeviationPoints(o.side, o.hasPrice ? o.price : 0, o.maxDeviation, bid, ask, spec.point,
                                                         InpDefaultSlippagePoints));
   if(d.action == KP_DO_OPEN)
     {
      if(o.side == KP_SIDE_BUY)
         g_trade.Buy(d.volume, o.symbol, 0.0, d.sl, d.tp, o.tag);
      else
         g_trade.Sell(d.volume, o.symbol, 0.0, d.sl, d.tp, o.tag);
      ReportTradeResult(o, "", d.volume, spec.digits);
     }
   else if(d.action == KP_DO_CLOSE)
     {
      ClosePosition(o, d);
      ReportTradeResult(o, d.positionId, d.volume, spec.digits);
     }
   else if(d.action == KP_DO_MODIFY)
     {
      g_trade.PositionModify((ulong)d.ticket, d.sl, d.tp);
      ReportTradeResult(o, d.positionId, 0, spec.digits);
     }
   else if(d.action == KP_DO_PLACE)
     {
      ENUM_ORDER_TYPE_TIME timeType = o.orderExpiresMs > 0 ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
      datetime expiry = o.orderExpiresMs > 0 ? KpUtcMsToServerTime(o.orderExpiresMs) : 0;
      g_trade.OrderOpen(o.symbol, KpOrderTypeOfKind(o.kind), d.volume, 0.0, d.price, d.sl, d.tp, timeType, expiry, o.tag);
      ReportTradeResult(o, "", d.volume, spec.digits);
     }
   else if(d.action == KP_DO_AMEND)
     {
      ENUM_ORDER_TYPE_TIME timeType = o.orderExpiresMs > 0 ? ORDER_TIME_SPECIFIED : ORDER_TIME_GTC;
      datetime expiry = o.orderExpiresMs > 0 ? KpUtcMsToServerTime(o.orderExpiresMs) : 0;
      g_trade.OrderModify((ulong)d.ticket, d.price, d.sl, d.tp, timeType, expiry, 0.0);
      ReportTradeResult(o, d.positionId, 0, spec.digits);
     }
   else if(d.action == KP_DO_CANCEL)
     {
      g_trade.OrderDelete((ulong)d.ticket);
      ReportTradeResult(o, d.positionId, 0, spec.digits);
     }
  }

void Poll()
  {
   int wait = InpPollWaitSec < 0 ? 0 : (InpPollWaitSec > 30 ? 30 : InpPollWaitSec);
   int limit = InpPollLimit < 1 ? 1 : (InpPollLimit > 100 ? 100 : InpPollLimit);
   string path = KP_PATH_ORDERS;
   path += "?wait=" + IntegerToString(wait) + "&limit=" + IntegerToString(limit);
   KpHttpResult r;
   g_gw.Request("GET", path, "", "", wait * 1000, r);
   if(r.status != 200)
      return;
   KpFollowerOrder orders[];
   int n = KpParseOrders(r.body, orders);
   if(n < 0)
     {
      KpWarn("follower", "unreadable orders answer: " + StringSubstr(r.body, 0, 200));
      return;
     }
   for(int i = 0; i < n; i++)
     {
      // a report for this order is already queued: the gateway will stop returning it once delivered
      if(g_outbox.HasKeyPrefix(KpIdempotencyKey("exec:" + orders[i].orderId + ":")))
         continue;
      Execute(orders[i]);
     }
   if(n > 0)
      g_gw.Flush(g_outbox, 50);
  }

int OnInit()
  {
   KpSetLogLevel((int)InpLogLevel);
   if(!KpCheckInputs(InpGatewayUrl, InpKeyId, InpSecret))
      return INIT_PARAMETERS_INCORRECT;
   g_gw.Configure(InpGatewayUrl, InpKeyId, InpSecret, InpHttpTimeoutMs, InpBreakerFailures, (long)InpBreakerCooldownSec * 1000);
   g_outbox.SetRetryPolicy(InpRetryBaseMs, InpRetryCapMs, InpRetryWarnAfter);
   string name = "Kopitra\\follower-" + IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)) + "-" + KpIdempotencyKey(InpKeyId);
   if(!g_outbox.Open(name))
     {
      KpError("init", "cannot open the outbox " + name + " in the common files folder");
      return INIT_FAILED;
     }
   g_trade.SetExpertMagicNumber((ulong)InpMagic);
   g_trade.SetAsyncMode(false);
   g_trade.LogLevel(LOG_LEVEL_ERRORS);
   bool hedging = AccountInfoInteger(ACCOUNT_MARGIN_MODE) == ACCOUNT_MARGIN_MODE_RETAIL_HEDGING;
   if(!EventSetMillisecondTimer(InpTimerMs < 50 ? 50 : InpTimerMs))
     {
      KpError("init", "cannot start the timer");
      return INIT_FAILED;
     }
   g_ready = true;
   KpInfo("init", "follower ready: account " + IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)) + " (" +
          (hedging ? "hedging" : "netting") + "), " + IntegerToString(g_outbox.Count()) + " reports waiting, gateway " + InpGatewayUrl);
   return INIT_SUCCEEDED;
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   if(g_ready)
      KpInfo("deinit", "follower stopped (reason " + IntegerToString(reason) + "), " + IntegerToString(g_outbox.Count()) +
             " reports kept in the outbox");
  }

void OnTimer()
  {
   if(!g_ready || g_busy)
      return;
   g_busy = true;
   g_gw.Flush(g_outbox, 50);
   // reports first: an order is polled again only once its report is out of the way
   Poll();
   long now = g_gw.NowMs();
   if(now - g_lastHeartbeat >= (long)InpHeartbeatSec * 1000)
     {
      g_lastHeartbeat = now;
      KpSendTelemetry(g_gw, "heartbeat", KpHeartbeatBody(KpIsoFromMs(now)));
     }
   if(now - g_lastSnapshot >= (long)InpSnapshotSec * 1000)
     {
      g_lastSnapshot = now;
      KpSendTelemetry(g_gw, "snapshot", KpSnapshotBody(KpIsoFromMs(now)));
     }
   g_busy = false;
  }
