//+------------------------------------------------------------------+
//| KpMasterLogic.mqh — from terminal facts to protocol signals.     |
//| Pure: the EA feeds deals, position changes and pending-order     |
//| states read from the terminal; these trackers decide which       |
//| signals they mean. Positions are keyed by POSITION_IDENTIFIER,   |
//| which survives partial closes and netting changes (the ticket    |
//| does not). A netting reversal (DEAL_ENTRY_INOUT) becomes          |
//| position.closed then position.opened with the same id.           |
//+------------------------------------------------------------------+
#ifndef KP_MASTER_LOGIC_MQH
#define KP_MASTER_LOGIC_MQH
#include "KpCompat.mqh"
#include "KpJson.mqh"
#include "KpTime.mqh"
#include "KpVolume.mqh"

//--- deal entries, same values as MQL5's ENUM_DEAL_ENTRY
#define KP_ENTRY_IN     0
#define KP_ENTRY_OUT    1
#define KP_ENTRY_INOUT  2
#define KP_ENTRY_OUT_BY 3

#define KP_VOL_EPS 1e-8

struct KpDealInfo
  {
   long              positionId;
   string            symbol;
   int               side;        // KP_SIDE_BUY / KP_SIDE_SELL of the deal
   int               entry;       // KP_ENTRY_*
   double            volume;
   double            price;
   double            sl;          // of the position after the deal, 0 = none
   double            tp;
   long              magic;
   string            comment;
   int               digits;
  };

struct KpSignal
  {
   string            type;        // position.opened, ..., order.cancelled
   long              id;
   string            symbol;
   int               side;
   string            kind;        // pending kind for order.*
   double            volume;
   double            price;
   double            volumeAfter;
   double            sl;
   double            tp;
   long              expiresMs;   // 0 = none (GTC)
   long              magic;
   string            comment;
   int               digits;
  };

struct KpTrackedPosition
  {
   long              id;
   string            symbol;
   int               side;
   double            volume;
   double            sl;
   double            tp;
   int               digits;
  };

struct KpTrackedOrder
  {
   long              ticket;
   string            symbol;
   string            kind;        // buy_limit, sell_limit, buy_stop, sell_stop
   double            volume;
   double            price;
   double            sl;
   double            tp;
   long              expiresMs;
   int               digits;
  };

void KpClearSignal(KpSignal &s)
  {
   s.type = "";
   s.id = 0;
   s.symbol = "";
   s.side = KP_SIDE_BUY;
   s.kind = "";
   s.volume = 0;
   s.price = 0;
   s.volumeAfter = 0;
   s.sl = 0;
   s.tp = 0;
   s.expiresMs = 0;
   s.magic = 0;
   s.comment = "";
   s.digits = 5;
  }

int KpPushSignal(KP_ARR_REF(KpSignal, out), KpSignal &s)
  {
   int n = ArraySize(out);
   ArrayResize(out, n + 1);
   out[n] = s;
   return n + 1;
  }

double KpVol(const double v) { return NormalizeDouble(v, 8); }

class CKpPositionTracker
  {
private:
   KP_ARR(KpTrackedPosition, m_pos);
   int               m_count;
   int               Find(const long id)
     {
      for(int i = 0; i < m_count; i++)
         if(m_pos[i].id == id)
            return i;
      return -1;
     }
   void              Remove(const int i)
     {
      for(int k = i + 1; k < m_count; k++)
         m_pos[k - 1] = m_pos[k];
      m_count--;
      ArrayResize(m_pos, m_count);
     }
   int               Upsert(const long id)
     {
      int i = Find(id);
      if(i >= 0)
         return i;
      ArrayResize(m_pos, m_count + 1);
      m_pos[m_count].id = id;
      m_pos[m_count].symbol = "";
      m_pos[m_count].side = KP_SIDE_BUY;
      m_pos[m_count].volume = 0;
      m_pos[m_count].sl = 0;
      m_pos[m_count].tp = 0;
      m_pos[m_count].digits = 5;
      m_count++;
      return m_count - 1;
     }
public:
                     CKpPositionTracker(void) { m_count = 0; }
   void              Clear(void) { m_count = 0; ArrayResize(m_pos, 0); }
   int               Count(void) { return m_count; }
   double            VolumeOf(const long id) { int i = Find(id); return i < 0 ? 0 : m_pos[i].volume; }
   bool              Has(const long id) { return Find(id) >= 0; }

   //--- what the terminal shows now (start-up, resync); emits nothing
   void              Seed(const long id, const string symbol, const int side, const double volume, const double sl,
                          const double tp, const int digits)
     {
      int i = Upsert(id);
      m_pos[i].symbol = symbol;
      m_pos[i].side = side;
      m_pos[i].volume = KpVol(volume);
      m_pos[i].sl = sl;
      m_pos[i].tp = tp;
      m_pos[i].digits = digits;
     }
   void              Forget(const long id) { int i = Find(id); if(i >= 0) Remove(i); }

   //--- one trade deal (TRADE_TRANSACTION_DEAL_ADD, including server-side SL/TP/stop-out deals)
   int               OnDeal(KpDealInfo &d, KP_ARR_REF(KpSignal, out))
     {
      int i = Find(d.positionId);
      double before = i >= 0 ? m_pos[i].volume : 0;
      KpSignal s;
      if(d.entry == KP_ENTRY_IN)
        {
         if(i >= 0 && before > KP_VOL_EPS)
           {
            // netting scale-in, or the next fill of a partially filled order
            KpClearSignal(s);
            s.type = "position.increased";
            s.id = d.positionId;
            s.symbol = d.symbol;
            s.side = m_pos[i].side;
            s.volume = KpVol(d.volume);
            s.price = d.price;
            s.volumeAfter = KpVol(before + d.volume);
            s.digits = d.digits;
            m_pos[i].volume = s.volumeAfter;
            return KpPushSignal(out, s);
           }
         i = Upsert(d.positionId);
         m_pos[i].symbol = d.symbol;
         m_pos[i].side = d.side;
         m_pos[i].volume = KpVol(d.volume);
         m_pos[i].sl = d.sl;
         m_pos[i].tp = d.tp;
         m_pos[i].digits = d.digits;
         KpClearSignal(s);
         s.type = "position.opened";
         s.id = d.positionId;
         s.symbol = d.symbol;
         s.side = d.side;
         s.volume = KpVol(d.volume);
         s.price = d.price;
         s.sl = d.sl;
         s.tp = d.tp;
         s.magic = d.magic;
         s.comment = d.comment;
         s.digits = d.digits;
         return KpPushSignal(out, s);
        }
      if(d.entry == KP_ENTRY_OUT || d.entry == KP_ENTRY_OUT_BY)
        {
         double closed = d.volume;
         double after = KpVol(before - closed);
         if(i < 0 || after < KP_VOL_EPS)
            after = 0;
         KpClearSignal(s);
         s.type = "position.closed";
         s.id = d.positionId;
         s.symbol = d.symbol;
         s.volume = KpVol(closed);
         s.price = d.price;
         s.volumeAfter = after;
         s.digits = d.digits;
         if(i >= 0)
           {
            if(after == 0)
               Remove(i);
            else
               m_pos[i].volume = after;
           }
         return KpPushSignal(out, s);
        }
      if(d.entry == KP_ENTRY_INOUT)
        {
         // reversal: the deal closes `before` and opens the rest on the other side, same id
         int n = 0;
         double opened = KpVol(d.volume - before);
         if(i >= 0 && before > KP_VOL_EPS)
           {
            KpClearSignal(s);
            s.type = "position.closed";
            s.id = d.positionId;
            s.symbol = d.symbol;
            s.volume = before;
            s.price = d.price;
            s.volumeAfter = 0;
            s.digits = d.digits;
            n = KpPushSignal(out, s);
            Remove(i);
           }
         if(opened > KP_VOL_EPS)
           {
            i = Upsert(d.positionId);
            m_pos[i].symbol = d.symbol;
            m_pos[i].side = d.side;
            m_pos[i].volume = opened;
            m_pos[i].sl = d.sl;
            m_pos[i].tp = d.tp;
            m_pos[i].digits = d.digits;
            KpClearSignal(s);
            s.type = "position.opened";
            s.id = d.positionId;
            s.symbol = d.symbol;
            s.side = d.side;
            s.volume = opened;
            s.price = d.price;
            s.sl = d.sl;
            s.tp = d.tp;
            s.magic = d.magic;
            s.comment = d.comment;
            s.digits = d.digits;
            n = KpPushSignal(out, s);
           }
         return n;
        }
      return ArraySize(out);
     }

   //--- SL/TP as the terminal shows them now (TRADE_TRANSACTION_POSITION); emits only real changes
   int               OnStops(const long id, const double sl, const double tp, const double point, KP_ARR_REF(KpSignal, out))
     {
      int i = Find(id);
      if(i < 0)
         return ArraySize(out);
      if(KpPriceEqual(m_pos[i].sl, sl, point) && KpPriceEqual(m_pos[i].tp, tp, point))
         return ArraySize(out);
      m_pos[i].sl = sl;
      m_pos[i].tp = tp;
      KpSignal s;
      KpClearSignal(s);
      s.type = "position.modified";
      s.id = id;
      s.symbol = m_pos[i].symbol;
      s.sl = sl;
      s.tp = tp;
      s.digits = m_pos[i].digits;
      return KpPushSignal(out, s);
     }
  };

class CKpOrderTracker
  {
private:
   KP_ARR(KpTrackedOrder, m_orders);
   int               m_count;
   int               Find(const long ticket)
     {
      for(int i = 0; i < m_count; i++)
         if(m_orders[i].ticket == ticket)
            return i;
      return -1;
     }
public:
                     CKpOrderTracker(void) { m_count = 0; }
   int               Count(void) { return m_count; }
   void              Seed(KpTrackedOrder &o)
     {
      int i = Find(o.ticket);
      if(i < 0)
        {
         ArrayResize(m_orders, m_count + 1);
         i = m_count++;
        }
      m_orders[i] = o;
     }
   //--- a pending order as the terminal shows it (placed or changed)
   int               OnOrder(KpTrackedOrder &o, const double point, KP_ARR_REF(KpSignal, out))
     {
      int i = Find(o.ticket);
      KpSignal s;
      KpClearSignal(s);
      s.id = o.ticket;
      s.symbol = o.symbol;
      s.kind = o.kind;
      s.volume = KpVol(o.volume);
      s.price = o.price;
      s.sl = o.sl;
      s.tp = o.tp;
      s.expiresMs = o.expiresMs;
      s.digits = o.digits;
      if(i < 0)
        {
         Seed(o);
         s.type = "order.placed";
         return KpPushSignal(out, s);
        }
      if(KpPriceEqual(m_orders[i].price, o.price, point) && KpPriceEqual(m_orders[i].sl, o.sl, point) &&
         KpPriceEqual(m_orders[i].tp, o.tp, point) && m_orders[i].expiresMs == o.expiresMs)
         return ArraySize(out);
      m_orders[i] = o;
      s.type = "order.modified";
      return KpPushSignal(out, s);
     }
   //--- the order left the book; a fill is reported by its deal as position.opened, so only other ends signal
   int               OnOrderGone(const long ticket, const bool filled, KP_ARR_REF(KpSignal, out))
     {
      int i = Find(ticket);
      if(i < 0)
         return ArraySize(out);
      for(int k = i + 1; k < m_count; k++)
         m_orders[k - 1] = m_orders[k];
      m_count--;
      ArrayResize(m_orders, m_count);
      if(filled)
         return ArraySize(out);
      KpSignal s;
      KpClearSignal(s);
      s.type = "order.cancelled";
      s.id = ticket;
      return KpPushSignal(out, s);
     }
  };

//--- POST /signals body for one signal
string KpSignalBody(KpSignal &s, const long sequence, const string occurredAtIso)
  {
   CKpJsonWriter w;
   w.BeginObject();
   w.KeyInt("sequence", sequence);
   w.KeyStr("type", s.type);
   w.KeyStr("occurredAt", occurredAtIso);
   bool isOrder = StringFind(s.type, "order.") == 0;
   w.Key(isOrder ? "order" : "position");
   w.BeginObject();
   w.KeyStr("id", IntegerToString(s.id));
   if(s.type == "position.opened")
     {
      w.KeyStr("symbol", s.symbol);
      w.KeyStr("side", s.side == KP_SIDE_BUY ? "buy" : "sell");
      w.KeyNum("volume", s.volume, 8);
      w.KeyNum("price", s.price, s.digits);
      w.KeyPriceOrNull("sl", s.sl, s.digits);
      w.KeyPriceOrNull("tp", s.tp, s.digits);
      w.KeyInt("magic", s.magic < 0 ? 0 : s.magic);
      w.KeyStr("comment", s.comment);
     }
   else if(s.type == "position.modified")
     {
      w.KeyPriceOrNull("sl", s.sl, s.digits);
      w.KeyPriceOrNull("tp", s.tp, s.digits);
     }
   else if(s.type == "position.increased" || s.type == "position.closed")
     {
      w.KeyNum("volume", s.volume, 8);
      w.KeyNum("price", s.price, s.digits);
      w.KeyNum("volumeAfter", s.volumeAfter, 8);
     }
   else if(s.type == "order.placed" || s.type == "order.modified")
     {
      if(s.type == "order.placed")
        {
         w.KeyStr("symbol", s.symbol);
         w.KeyStr("kind", s.kind);
         w.KeyNum("volume", s.volume, 8);
        }
      w.KeyNum("price", s.price, s.digits);
      w.KeyPriceOrNull("sl", s.sl, s.digits);
      w.KeyPriceOrNull("tp", s.tp, s.digits);
      if(s.expiresMs > 0)
         w.KeyStr("expiresAt", KpIsoFromMs(s.expiresMs));
      else
         w.KeyNull("expiresAt");
     }
   w.EndObject();
   w.EndObject();
   return w.Text();
  }

#endif
