//+------------------------------------------------------------------+
//| KpCompat.mqh — the one place where MQL5 and C++ must differ.      |
//| MQL5 declares dynamic arrays as `T name[]` and passes them as     |
//| `T &name[]`; C++ has no such syntax, so the shared includes use   |
//| these two macros. Under g++ the test harness includes             |
//| tests/compat/mql5_compat.h first, which provides MqlArray<T>.     |
//+------------------------------------------------------------------+
#ifndef KP_COMPAT_MQH
#define KP_COMPAT_MQH

#ifdef __MQL5__
#define KP_ARR(T, name) T name[]
#define KP_ARR_REF(T, name) T &name[]
#else
#define KP_ARR(T, name) MqlArray<T> name
#define KP_ARR_REF(T, name) MqlArray<T> &name
#endif

#endif
