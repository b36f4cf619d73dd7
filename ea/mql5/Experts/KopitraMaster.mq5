//+------------------------------------------------------------------+
//| KopitraMaster.mq5 — turns every trade on this account into        |
//| Kopitra signals (ea-protocol-v1.md, POST /signals) and reports    |
//| heartbeats and snapshots (POST /telemetry).                       |
//|                                                                  |
//| Signals come from OnTradeTransaction deals, keyed by             |
//| POSITION_IDENTIFIER, so server-side closes (SL, TP, stop-out),    |
//| which arrive with no trade request, are signalled like any other. |
//| Each signal is written to the durable outbox (common files        |
//| folder) before it is sent; the timer retries until the gateway    |
//| accepted it. Snapshots let the gateway reconcile anything the     |
//| terminal never reported (e.g. trades while the EA was stopped).   |
//+------------------------------------------------------------------+
#property copyright "Kopitra"
#property link      "https://kopitra.example"
#property version   "1.00"
#property description "Kopitra master: publishes this account's trades as copy-trading signals."

#include <Kopitra/KpGateway.mqh>
#include <Kopitra/KpMasterLogic.mqh>
#include <Kopitra/KpTerminal.mqh>

enum ENUM_KP_LOG_LEVEL
  {
   KP_LEVEL_ERROR = 0, // errors only
   KP_LEVEL_WARN = 1,  // warnings and errors
   KP_LEVEL_INFO = 2,  // info (default)
   KP_LEVEL_DEBUG = 3  // debug: every request
  };

input string            InpGatewayUrl = "https://gateway.kopitra.example"; // Gateway URL (https, port 443; add to the WebRequest allow list)
input string            InpKeyId = "";                   // EA key id (kid) of this master account
input string            InpSecret = "";                  // EA secret (shown once when issued)
input long              InpMagicFilter = -1;             // Copy only positions opened with this magic (-1: all)
input int               InpTimerMs = 250;                // Timer period, ms (outbox delivery)
input int               InpHeartbeatSec = 5;             // Heartbeat interval, s
input int               InpSnapshotSec = 10;             // Snapshot interval, s
input int               InpHttpTimeoutMs = 5000;         // HTTP timeout per request, ms
input int               InpRetryBaseMs = 1000;           // Outbox retry: first backoff, ms
input int               InpRetryCapMs = 60000;           // Outbox retry: longest backoff, ms
input int               InpRetryWarnAfter = 10;          // Outbox retry: warn after this many attempts (never drops)
input int               InpBreakerFailures = 5;          // Circuit breaker: consecutive failures to open
input int               InpBreakerCooldownSec = 30;      // Circuit breaker: seconds before a probe
input ENUM_KP_LOG_LEVEL InpLogLevel = KP_LEVEL_INFO;     // Log level

CKpGateway         g_gw;
CKpOutbox          g_outbox;
CKpPositionTracker g_positions;
CKpOrderTracker    g_orders;
long               g_lastHeartbeat = 0;
long               g_lastSnapshot = 0;
bool               g_ready = false;

//--- publish signals: each is persisted with its sequence before anything is sent
void Publish(KpSignal &signals[])
  {
   int n = ArraySize(signals);
   for(int i = 0; i < n; i++)
     {
      long seq = g_outbox.NextSequence();
      string body = KpSignalBody(signals[i], seq, KpIsoFromMs(g_gw.NowMs()));
      if(!g_outbox.EnqueueSignal(KP_PATH_SIGNALS, seq, body))
         KpError("master", "signal " + signals[i].type + " " + IntegerToString(signals[i].id) + " could not be persisted; kept in memory");
      else
         KpInfo("master", "signal #" + IntegerToString(seq) + " " + signals[i].type + " position/order " + IntegerToString(signals[i].id));
     }
   if(n > 0)
      g_gw.Flush(g_outbox, 20);
  }

bool MagicAllowed(const long magic) { return InpMagicFilter < 0 || magic == InpMagicFilter; }

//--- the selected active order as a tracked pending order (false for market and stop-limit orders)
bool ReadOrder(const ulong ticket, KpTrackedOrder &o)
  {
   if(!OrderSelect(ticket))
      return false;
   o.kind = KpPendingKind(OrderGetInteger(ORDER_TYPE));
   if(o.kind == "")
      return false;
   o.ticket = (long)ticket;
   o.symbol = OrderGetString(ORDER_SYMBOL);
   o.volume = OrderGetDouble(ORDER_VOLUME_CURRENT);
   o.price = OrderGetDouble(ORDER_PRICE_OPEN);
   o.sl = OrderGetDouble(ORDER_SL);
   o.tp = OrderGetDouble(ORDER_TP);
   long timeType = OrderGetInteger(ORDER_TYPE_TIME);
   o.expiresMs = (timeType == ORDER_TIME_SPECIFIED || timeType == ORDER_TIME_SPECIFIED_DAY) ?
                 KpServerTimeToUtcMs((datetime)OrderGetInteger(ORDER_TIME_EXPIRATION)) : 0;
   o.digits = KpSymbolDigits(o.symbol);
   return true;
  }

//--- what the terminal shows at start: tracked without signals (the first snapshot tells the gateway)
void SeedTrackers()
  {
   g_positions.Clear();
   int total = PositionsTotal();
   for(int i = 0; i < total; i++)
     {
      ulong ticket = PositionGetTicket(i);
      if(ticket == 0 || !MagicAllowed(PositionGetInteger(POSITION_MAGIC)))
         continue;
      string sym = PositionGetString(POSITION_SYMBOL);
      g_positions.Seed(PositionGetInteger(POSITION_IDENTIFIER), sym,
                       PositionGetInteger(POSITION_TYPE) == POSITION_TYPE_BUY ? KP_SIDE_BUY : KP_SIDE_SELL,
                       PositionGetDouble(POSITION_VOLUME), PositionGetDouble(POSITION_SL), PositionGetDouble(POSITION_TP),
                       KpSymbolDigits(sym));
     }
   int orders = OrdersTotal();
   for(int i = 0; i < orders; i++)
     {
      ulong ticket = OrderGetTicket(i);
      if(ticket == 0 || !MagicAllowed(OrderGetInteger(ORDER_MAGIC)))
         continue;
      KpTrackedOrder o;
      if(ReadOrder(ticket, o))
         g_orders.Seed(o);
     }
  }

int OnInit()
  {
   KpSetLogLevel((int)InpLogLevel);
   if(!KpCheckInputs(InpGatewayUrl, InpKeyId, InpSecret))
      return INIT_PARAMETERS_INCORRECT;
   g_gw.Configure(InpGatewayUrl, InpKeyId, InpSecret, InpHttpTimeoutMs, InpBreakerFailures, (long)InpBreakerCooldownSec * 1000);
   g_outbox.SetRetryPolicy(InpRetryBaseMs, InpRetryCapMs, InpRetryWarnAfter);
   string name = "Kopitra\\master-" + IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)) + "-" + KpIdempotencyKey(InpKeyId);
   if(!g_outbox.Open(name))
     {
      KpError("init", "cannot open the outbox " + name + " in the common files folder");
      return INIT_FAILED;
     }
   SeedTrackers();
   if(!EventSetMillisecondTimer(InpTimerMs < 50 ? 50 : InpTimerMs))
     {
      KpError("init", "cannot start the timer");
      return INIT_FAILED;
     }
   g_ready = true;
   KpInfo("init", "master ready: account " + IntegerToString(AccountInfoInteger(ACCOUNT_LOGIN)) + ", " +
          IntegerToString(g_positions.Count()) + " positions, " + IntegerToString(g_orders.Count()) + " pending orders, " +
          IntegerToString(g_outbox.Count()) + " signals waiting in the outbox, gateway " + InpGatewayUrl);
   return INIT_SUCCEEDED;
  }

void OnDeinit(const int reason)
  {
   EventKillTimer();
   if(g_ready)
      KpInfo("deinit", "master stopped (reason " + IntegerToString(reason) + "), " + IntegerToString(g_outbox.Count()) +
             " signals kept in the outbox");
  }

void OnTimer()
  {
   if(!g_ready)
      return;
   g_gw.Flush(g_outbox, 50);
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
  }

void HandleDeal(const ulong dealTicket)
  {
   if(!HistoryDealSelect(dealTicket))
     {
      KpWarn("master", "deal " + IntegerToString((long)dealTicket) + " not found in history");
      return;
     }
   long dealType = HistoryDealGetInteger(dealTicket, DEAL_TYPE);
   if(dealType != DEAL_TYPE_BUY && dealType != DEAL_TYPE_SELL)
      return;  // balance, credit, commission ...
   KpDealInfo d;
   d.positionId = HistoryDealGetInteger(dealTicket, DEAL_POSITION_ID);
   d.symbol = HistoryDealGetString(dealTicket, DEAL_SYMBOL);
   d.side = dealType == DEAL_TYPE_BUY ? KP_SIDE_BUY : KP_SIDE_SELL;
   long entry = HistoryDealGetInteger(dealTicket, DEAL_ENTRY);
   d.entry = entry == DEAL_ENTRY_IN ? KP_ENTRY_IN : (entry == DEAL_ENTRY_INOUT ? KP_ENTRY_INOUT : (entry == DEAL_ENTRY_OUT_BY ? KP_ENTRY_OUT_BY : KP_ENTRY_OUT));
   d.volume = HistoryDealGetDouble(dealTicket, DEAL_VOLUME);
   d.price = HistoryDealGetDouble(dealTicket, DEAL_PRICE);
   d.magic = HistoryDealGetInteger(dealTicket, DEAL_MAGIC);
   d.comment = HistoryDealGetString(dealTicket, DEAL_COMMENT);
   d.digits = KpSymbolDigits(d.symbol);
   d.sl = 0;
   d.tp = 0;
   if(KpSelectPositionById(d.positionId))
     {
      d.sl = PositionGetDouble(POSITION_SL);
      d.tp = PositionGetDouble(POSITION_TP);
     }
   // new positions obey the magic filter; anything touching a tracked position is always followed
   if(d.entry == KP_ENTRY_IN && !g_positions.Has(d.positionId) && !MagicAllowed(d.magic))
      return;
   if(d.entry != KP_ENTRY_IN && !g_positions.Has(d.positionId) && !MagicAllowed(d.magic))
      return;
   long reason = HistoryDealGetInteger(dealTicket, DEAL_REASON);
   if(reason == DEAL_REASON_SL || reason == DEAL_REASON_TP || reason == DEAL_REASON_SO)
      KpInfo("master", "server-side close of position " + IntegerToString(d.positionId) + " (reason " + IntegerToString(reason) + ")");
   KpSignal signals[];
   g_positions.OnDeal(d, signals);
   Publish(signals);
  }

void OnTradeTransaction(const MqlTradeTransaction &trans, const MqlTradeRequest &request, const MqlTradeResult &result)
  {
   if(!g_ready)
      return;
   KpSignal signals[];
   switch(trans.type)
     {
      case TRADE_TRANSACTION_DEAL_ADD:
         HandleDeal(trans.deal);
         break;
      case TRADE_TRANSACTION_POSITION:
        {
         // SL/TP changed (no deal): trans.position is the position's ticket
         if(!PositionSelectByTicket(trans.position))
            break;
         long id = PositionGetInteger(POSITION_IDENTIFIER);
         g_positions.OnStops(id, trans.price_sl, trans.price_tp, SymbolInfoDouble(trans.symbol, SYMBOL_POINT), signals);
         Publish(signals);
         break;
        }
      case TRADE_TRANSACTION_ORDER_ADD:
      case TRADE_TRANSACTION_ORDER_UPDATE:
        {
         KpTrackedOrder o;
         if(!ReadOrder(trans.order, o))
            break;
         if(OrderGetInteger(ORDER_STATE) != ORDER_STATE_PLACED && OrderGetInteger(ORDER_STATE) != ORDER_STATE_PARTIAL)
            break;  // wait until the server placed it
         if(!MagicAllowed(OrderGetInteger(ORDER_MAGIC)))
            break;
         g_orders.OnOrder(o, SymbolInfoDouble(o.symbol, SYMBOL_POINT), signals);
         Publish(signals);
         break;
        }
      case TRADE_TRANSACTION_ORDER_DELETE:
        {
         // filled: the fill arrives as a deal (position.opened; its id is this order's ticket)
         bool filled = trans.order_state == ORDER_STATE_FILLED;
         g_orders.OnOrderGone((long)trans.order, filled, signals);
         Publish(signals);
         break;
        }
      default:
         break;
     }
  }
