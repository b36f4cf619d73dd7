//+------------------------------------------------------------------+
//| KpVolume.mqh — volumes as whole steps, price deviation guard.    |
//| The engine already sized the order; the EA re-checks against the |
//| symbol it actually trades, because specs can change at a broker. |
//+------------------------------------------------------------------+
#ifndef KP_VOLUME_MQH
#define KP_VOLUME_MQH
#include "KpCompat.mqh"

#define KP_SIDE_BUY  0
#define KP_SIDE_SELL 1
#define KP_STEP_TOLERANCE 1e-5  // same as packages/engine lots.ts STEP_TOLERANCE

struct KpSymbolSpec
  {
   string            name;
   double            volumeMin;
   double            volumeMax;
   double            volumeStep;
   double            point;
   int               digits;
  };

//--- decimals needed to print a step exactly (0.01 -> 2, 0.5 -> 1, 1 -> 0), at most 8
int KpStepDigits(const double step)
  {
   for(int d = 0; d <= 8; d++)
     {
      double scaled = step * MathPow(10.0, d);
      if(MathAbs(scaled - MathRound(scaled)) < 1e-7)
         return d;
     }
   return 8;
  }

//--- round DOWN to whole steps (within 1e-5 of a step counts as the whole step, as the engine does), clamp to max, refuse below min.
//--- reason: "" ok, "clamped" ok but reduced to max, "below_min_volume" / "invalid_volume" refused.
bool KpNormalizeVolume(const double volume, const double vmin, const double step, const double vmax,
                       double &out, string &reason)
  {
   reason = "";
   out = 0;
   double st = step > 0 ? step : 0.01;
   if(!MathIsValidNumber(volume) || volume <= 0)
     {
      reason = "invalid_volume";
      return false;
     }
   int digits = KpStepDigits(st);
   double steps = MathFloor(volume / st + KP_STEP_TOLERANCE);
   if(vmax > 0)
     {
      double maxSteps = MathFloor(vmax / st + KP_STEP_TOLERANCE);
      if(steps > maxSteps)
        {
         steps = maxSteps;
         reason = "clamped";
        }
     }
   out = NormalizeDouble(steps * st, digits);
   if(out <= 0 || (vmin > 0 && out < vmin - st * 1e-7))
     {
      reason = "below_min_volume";
      out = 0;
      return false;
     }
   return true;
  }

//--- may an open at the current quote go ahead? maxDeviation <= 0 or masterPrice <= 0: no limit
bool KpPriceAcceptable(const int side, const double masterPrice, const double maxDeviation, const double bid, const double ask)
  {
   if(maxDeviation <= 0 || masterPrice <= 0)
      return true;
   double eps = maxDeviation * 1e-9;
   if(side == KP_SIDE_BUY)
      return ask <= masterPrice + maxDeviation + eps;
   return bid >= masterPrice - maxDeviation - eps;
  }

//--- slippage allowance left, in points, for CTrade::SetDeviationInPoints (0 when none left)
long KpDeviationPoints(const int side, const double masterPrice, const double maxDeviation, const double bid,
                       const double ask, const double point, const long fallbackPoints)
  {
   if(maxDeviation <= 0 || masterPrice <= 0 || point <= 0)
      return fallbackPoints;
   double left = side == KP_SIDE_BUY ? masterPrice + maxDeviation - ask : bid - (masterPrice - maxDeviation);
   if(left <= 0)
      return 0;
   return (long)MathFloor(left / point + 1e-7);
  }

//--- equal within half a point (SL/TP comparisons)
bool KpPriceEqual(const double a, const double b, const double point)
  {
   double p = point > 0 ? point : 1e-8;
   return MathAbs(a - b) < p / 2.0;
  }

#endif
