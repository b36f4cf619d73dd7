//+------------------------------------------------------------------+
//| KpFollowerLogic.mqh — what the follower does with one order.      |
//| Pure: given the order, the time, the quote, the symbol spec and   |
//| what the terminal shows (positions, deals, pending and historical |
//| orders, each with its comment), decide: execute something, or     |
//| only report. The tag check comes first: an order whose tag is     |
//| already on a position or deal was executed before (the terminal   |
//| died before the report) — it is reported, never executed again.   |
//+------------------------------------------------------------------+
#ifndef KP_FOLLOWER_LOGIC_MQH
#define KP_FOLLOWER_LOGIC_MQH
#include "KpCompat.mqh"
#include "KpJson.mqh"
#include "KpTime.mqh"
#include "KpVolume.mqh"

#define KP_DO_NOTHING 0
#define KP_DO_REPORT  1
#define KP_DO_OPEN    2
#define KP_DO_CLOSE   3
#define KP_DO_MODIFY  4
#define KP_DO_PLACE   5
#define KP_DO_AMEND   6
#define KP_DO_CANCEL  7

//--- deal entries as in MQL5's ENUM_DEAL_ENTRY
#define KP_DEAL_IN    0
#define KP_DEAL_OUT   1

struct KpFollowerOrder
  {
   string            orderId;
   string            action;      // open, close, modify, place, amend, cancel
   string            symbol;
   int               side;        // KP_SIDE_*, -1 when null
   string            kind;
   bool              hasVolume;
   double            volume;
   bool              hasPrice;
   double            price;
   double            maxDeviation; // 0 = none
   bool              hasSl;       // member present (null counts as present: it means "remove")
   double            sl;          // 0 = none / remove
   bool              hasTp;
   double            tp;
   long              expiresAtMs; // delivery deadline, 0 = none
   long              orderExpiresMs; // pending order expiry, 0 = GTC
   string            masterPositionId;
   string            followerPositionId;
   string            tag;
  };

struct KpPosView
  {
   long              ticket;
   long              id;          // POSITION_IDENTIFIER
   string            symbol;
   int               side;
   double            volume;
   double            price;
   double            sl;
   double            tp;
   string            comment;
  };

struct KpDealView
  {
   long              ticket;
   long              positionId;
   string            symbol;
   int               entry;       // KP_DEAL_IN / KP_DEAL_OUT (INOUT and OUT_BY mapped by the EA)
   double            volume;
   double            price;
   string            comment;
  };

struct KpPendingView
  {
   long              ticket;
   string            symbol;
   string            kind;
   double            volume;
   double            price;
   double            sl;
   double            tp;
   string            comment;
   bool              active;      // true: in the book; false: history
   bool              filled;      // history only: ended by a fill
  };

struct KpDecision
  {
   int               action;      // KP_DO_*
   string            status;      // for KP_DO_REPORT: filled, rejected, expired, cancelled
   string            message;
   double            volume;
   double            price;
   string            positionId;
   long              ticket;      // position or pending order to act on
   double            sl;
   double            tp;
   bool              full;        // KP_DO_CLOSE: the whole position
  };

double KpOptNum(CKpJson &j, const int obj, const string key, bool &present)
  {
   int n = j.Get(obj, key);
   present = n >= 0 && !j.IsNull(n);
   return present ? j.Num(n, 0) : 0;
  }

//--- one order object of GET /orders
bool KpParseOrder(CKpJson &j, const int node, KpFollowerOrder &o)
  {
   bool p = false;
   o.orderId = j.GetStr(node, "orderId", "");
   o.action = j.GetStr(node, "action", "");
   o.symbol = j.GetStr(node, "symbol", "");
   string side = j.GetStr(node, "side", "");
   o.side = side == "buy" ? KP_SIDE_BUY : (side == "sell" ? KP_SIDE_SELL : -1);
   o.kind = j.GetStr(node, "kind", "");
   o.volume = KpOptNum(j, node, "volume", p);
   o.hasVolume = p;
   o.price = KpOptNum(j, node, "price", p);
   o.hasPrice = p;
   o.maxDeviation = KpOptNum(j, node, "maxDeviation", p);
   o.hasSl = j.Has(node, "sl");
   o.sl = KpOptNum(j, node, "sl", p);
   o.hasTp = j.Has(node, "tp");
   o.tp = KpOptNum(j, node, "tp", p);
   long ms = 0;
   o.expiresAtMs = KpMsFromIso(j.GetStr(node, "expiresAt", ""), ms) ? ms : 0;
   o.orderExpiresMs = KpMsFromIso(j.GetStr(node, "orderExpiresAt", ""), ms) ? ms : 0;
   o.masterPositionId = j.GetStr(node, "masterPositionId", "");
   o.followerPositionId = j.GetStr(node, "followerPositionId", "");
   if(o.followerPositionId == "")
      o.followerPositionId = j.GetStr(node, "followerOrderId", "");
   o.tag = j.GetStr(node, "tag", "");
   return o.orderId != "" && o.action != "" && o.tag != "";
  }

//--- {"orders":[...]} -> orders; returns the count, -1 when the body is not that shape
int KpParseOrders(const string body, KP_ARR_REF(KpFollowerOrder, orders))
  {
   ArrayResize(orders, 0);
   CKpJson j;
   if(!j.Parse(body))
      return -1;
   int arr = j.Get(j.Root(), "orders");
   if(j.Type(arr) != KP_JARRAY)
      return -1;
   int n = 0;
   for(int c = j.FirstChild(arr); c >= 0; c = j.Next(c))
     {
      ArrayResize(orders, n + 1);
      if(KpParseOrder(j, c, orders[n]))
         n++;
     }
   ArrayResize(orders, n);
   return n;
  }

void KpClearDecision(KpDecision &d)
  {
   d.action = KP_DO_NOTHING;
   d.status = "";
   d.message = "";
   d.volume = 0;
   d.price = 0;
   d.positionId = "";
   d.ticket = 0;
   d.sl = 0;
   d.tp = 0;
   d.full = false;
  }

void KpReport(KpDecision &d, const string status, const string message)
  {
   d.action = KP_DO_REPORT;
   d.status = status;
   d.message = message;
  }

int KpFindPosition(KP_ARR_REF(KpPosView, positions), const string id)
  {
   if(id == "")
      return -1;
   for(int i = 0; i < ArraySize(positions); i++)
      if(IntegerToString(positions[i].id) == id || IntegerToString(positions[i].ticket) == id)
         return i;
   return -1;
  }

//--- total volume and last price of deals carrying `tag` (entry -1: any entry); returns how many
int KpDealsWithTag(KP_ARR_REF(KpDealView, deals), const string tag, const int entry, double &volume, double &price, long &positionId)
  {
   int n = 0;
   volume = 0;
   price = 0;
   positionId = 0;
   for(int i = 0; i < ArraySize(deals); i++)
      if(deals[i].comment == tag && (entry < 0 || deals[i].entry == entry))
        {
         volume += deals[i].volume;
         price = deals[i].price;
         positionId = deals[i].positionId;
         n++;
        }
   volume = NormalizeDouble(volume, 8);
   return n;
  }

bool KpIsPendingKind(const string k) { return k == "buy_limit" || k == "sell_limit" || k == "buy_stop" || k == "sell_stop"; }

void KpDecide(KpFollowerOrder &o, const long nowMs, const double bid, const double ask, KpSymbolSpec &spec,
              KP_ARR_REF(KpPosView, positions), KP_ARR_REF(KpDealView, deals), KP_ARR_REF(KpPendingView, pendings),
              KpDecision &d)
  {
   KpClearDecision(d);
   bool expired = o.expiresAtMs > 0 && nowMs > o.expiresAtMs;
   double dv = 0, dp = 0;
   long dpos = 0;
   if(o.action == "open")
     {
      // 1. already executed? (position first: hedging; deals: netting, or closed since)
      for(int i = 0; i < ArraySize(positions); i++)
         if(positions[i].comment == o.tag)
           {
            KpReport(d, "filled", "already executed (position carries the tag)");
            d.volume = positions[i].volume;
            d.price = positions[i].price;
            d.positionId = IntegerToString(positions[i].id);
            return;
           }
      if(KpDealsWithTag(deals, o.tag, -1, dv, dp, dpos) > 0)
        {
         KpReport(d, "filled", "already executed (deal carries the tag)");
         d.volume = dv;
         d.price = dp;
         d.positionId = IntegerToString(dpos);
         return;
        }
      if(expired)
        {
         KpReport(d, "expired", "order expired before execution");
         return;
        }
      if(o.side < 0 || !o.hasVolume)
        {
         KpReport(d, "rejected", "invalid_order: side and volume required");
         return;
        }
      double v = 0;
      string why = "";
      if(!KpNormalizeVolume(o.volume, spec.volumeMin, spec.volumeStep, spec.volumeMax, v, why))
        {
         KpReport(d, "rejected", why);
         return;
        }
      if(!KpPriceAcceptable(o.side, o.hasPrice ? o.price : 0, o.maxDeviation, bid, ask))
        {
         KpReport(d, "rejected", "price_deviation: market " + KpNumberText(o.side == KP_SIDE_BUY ? ask : bid, spec.digits) +
                  " beyond " + KpNumberText(o.price, spec.digits) + " +/- " + KpNumberText(o.maxDeviation, spec.digits));
         return;
        }
      d.action = KP_DO_OPEN;
      d.volume = v;
      d.message = why;
      d.sl = o.sl;
      d.tp = o.tp;
      return;
     }
   if(o.action == "close")
     {
      if(KpDealsWithTag(deals, o.tag, -1, dv, dp, dpos) > 0)
        {
         KpReport(d, "filled", "already executed (deal carries the tag)");
         d.volume = dv;
         d.price = dp;
         d.positionId = IntegerToString(dpos);
         return;
        }
      int i = KpFindPosition(positions, o.followerPositionId);
      if(i < 0)
        {
         KpReport(d, "rejected", "position_not_found");
         d.positionId = o.followerPositionId;
         return;
        }
      d.ticket = positions[i].ticket;
      d.positionId = IntegerToString(positions[i].id);
      if(!o.hasVolume || o.volume >= positions[i].volume - 1e-8)
        {
         d.action = KP_DO_CLOSE;
         d.volume = positions[i].volume;
         d.full = true;
         return;
        }
      double v = 0;
      string why = "";
      if(!KpNormalizeVolume(o.volume, spec.volumeMin, spec.volumeStep, positions[i].volume, v, why))
        {
         KpReport(d, "rejected", why);
         return;
        }
      d.action = KP_DO_CLOSE;
      d.volume = v;
      d.full = v >= positions[i].volume - 1e-8;
      return;
     }
   if(o.action == "modify")
     {
      int i = KpFindPosition(positions, o.followerPositionId);
      if(i < 0)
        {
         KpReport(d, "rejected", "position_not_found");
         d.positionId = o.followerPositionId;
         return;
        }
      d.ticket = positions[i].ticket;
      d.positionId = IntegerToString(positions[i].id);
      d.sl = o.hasSl ? o.sl : positions[i].sl;
      d.tp = o.hasTp ? o.tp : positions[i].tp;
      if(KpPriceEqual(d.sl, positions[i].sl, spec.point) && KpPriceEqual(d.tp, positions[i].tp, spec.point))
        {
         KpReport(d, "filled", "unchanged");
         return;
        }
      d.action = KP_DO_MODIFY;
      return;
     }
   if(o.action == "place")
     {
      for(int i = 0; i < ArraySize(pendings); i++)
         if(pendings[i].comment == o.tag)
           {
            KpReport(d, "filled", "already placed (order carries the tag)");
            d.volume = pendings[i].volume;
            d.price = pendings[i].price;
            d.positionId = IntegerToString(pendings[i].ticket);
            return;
           }
      if(expired)
        {
         KpReport(d, "expired", "order expired before execution");
         return;
        }
      if(!KpIsPendingKind(o.kind) || !o.hasPrice || !o.hasVolume)
        {
         KpReport(d, "rejected", "invalid_order: kind, price and volume required");
         return;
        }
      double v = 0;
      string why = "";
      if(!KpNormalizeVolume(o.volume, spec.volumeMin, spec.volumeStep, spec.volumeMax, v, why))
        {
         KpReport(d, "rejected", why);
         return;
        }
      d.action = KP_DO_PLACE;
      d.volume = v;
      d.price = o.price;
      d.sl = o.sl;
      d.tp = o.tp;
      return;
     }
   if(o.action == "amend" || o.action == "cancel")
     {
      int found = -1;
      for(int i = 0; i < ArraySize(pendings); i++)
         if(o.followerPositionId != "" && IntegerToString(pendings[i].ticket) == o.followerPositionId)
            found = i;
      if(found < 0 || !pendings[found].active)
        {
         if(o.action == "cancel" && (found < 0 || !pendings[found].filled))
            KpReport(d, "filled", "already gone");
         else
            KpReport(d, "rejected", found >= 0 ? "order_already_filled" : "order_not_found");
         d.positionId = o.followerPositionId;
         return;
        }
      d.ticket = pendings[found].ticket;
      d.positionId = IntegerToString(pendings[found].ticket);
      if(o.action == "cancel")
        {
         d.action = KP_DO_CANCEL;
         return;
        }
      d.price = o.hasPrice ? o.price : pendings[found].price;
      d.sl = o.hasSl ? o.sl : pendings[found].sl;
      d.tp = o.hasTp ? o.tp : pendings[found].tp;
      d.action = KP_DO_AMEND;
      return;
     }
   KpReport(d, "rejected", "unknown action " + o.action);
  }

//--- Idempotency-Key of an execution report: one per order and status
string KpExecutionKey(const string orderId, const string status) { return "exec:" + orderId + ":" + status; }

//--- POST /executions body
string KpExecutionBody(const string orderId, const string status, const string executedAtIso, const double volume,
                       const double price, const string positionId, const string brokerCode, const string message, const int digits)
  {
   CKpJsonWriter w;
   w.BeginObject();
   w.KeyStr("orderId", orderId);
   w.KeyStr("status", status);
   w.KeyStr("executedAt", executedAtIso);
   if(volume > 0 || status == "filled")
      w.KeyNum("volume", volume, 8);
   else
      w.KeyNull("volume");
   if(price > 0)
      w.KeyNum("price", price, digits);
   else
      w.KeyNull("price");
   if(positionId != "" && positionId != "0")
      w.KeyStr("followerPositionId", positionId);
   else
      w.KeyNull("followerPositionId");
   w.KeyStr("brokerCode", brokerCode);
   string msg = message;
   if(StringLen(msg) > 500)
      msg = StringSubstr(msg, 0, 500);
   w.KeyStr("message", msg);
   w.EndObject();
   return w.Text();
  }

//--- how to treat a trade server return code
#define KP_RC_DONE   0   // executed (fully or partly)
#define KP_RC_REJECT 1   // refused: report rejected with the code
#define KP_RC_UNSURE 2   // may or may not have executed (timeout, no connection): report nothing, look again next poll

int KpClassifyRetcode(const uint retcode)
  {
   if(retcode == 10008 || retcode == 10009 || retcode == 10010)  // PLACED, DONE, DONE_PARTIAL
      return KP_RC_DONE;
   if(retcode == 0 || retcode == 10012 || retcode == 10024 || retcode == 10031)  // none, TIMEOUT, TOO_MANY_REQUESTS, CONNECTION
      return KP_RC_UNSURE;
   return KP_RC_REJECT;
  }

#endif
