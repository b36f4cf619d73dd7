//+------------------------------------------------------------------+
//| KpJson.mqh — a JSON writer (compact, no whitespace) and a small   |
//| DOM parser. The DOM is a flat array of nodes linked by index (no  |
//| pointers) so it is plain MQL5 and plain C++ alike.                |
//+------------------------------------------------------------------+
#ifndef KP_JSON_MQH
#define KP_JSON_MQH
#include "KpCompat.mqh"

#define KP_JSON_MAX_DEPTH 32

//--- one Unicode code point as a string: UTF-16 units in MQL5, UTF-8 bytes in the C++ build
string KpCodePointToString(const int cp)
  {
#ifdef __MQL5__
   if(cp < 0x10000)
      return ShortToString((ushort)cp);
   int v = cp - 0x10000;
   return ShortToString((ushort)(0xD800 + (v >> 10))) + ShortToString((ushort)(0xDC00 + (v & 0x3FF)));
#else
   std::string o;
   if(cp < 0x80) o += (char)cp;
   else if(cp < 0x800) { o += (char)(0xC0 | (cp >> 6)); o += (char)(0x80 | (cp & 0x3F)); }
   else if(cp < 0x10000) { o += (char)(0xE0 | (cp >> 12)); o += (char)(0x80 | ((cp >> 6) & 0x3F)); o += (char)(0x80 | (cp & 0x3F)); }
   else { o += (char)(0xF0 | (cp >> 18)); o += (char)(0x80 | ((cp >> 12) & 0x3F)); o += (char)(0x80 | ((cp >> 6) & 0x3F)); o += (char)(0x80 | (cp & 0x3F)); }
   return string(o);
#endif
  }

//--- Number text for the wire: up to `digits` decimals, trailing zeros trimmed, "null" for NaN/Inf.
string KpNumberText(const double v, const int digits)
  {
   if(!MathIsValidNumber(v))
      return "null";
   string s = DoubleToString(v, digits);
   if(StringFind(s, ".") >= 0)
     {
      int n = StringLen(s);
      while(n > 0 && StringGetCharacter(s, n - 1) == '0')
         n--;
      if(n > 0 && StringGetCharacter(s, n - 1) == '.')
         n--;
      s = StringSubstr(s, 0, n);
     }
   if(s == "-0")
      s = "0";
   return s;
  }

string KpJsonEscape(const string s)
  {
   string out = "\"";
   int n = StringLen(s);
   int runStart = 0;
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(s, i);
      string rep = "";
      if(c == '"')
         rep = "\\\"";
      else if(c == '\\')
         rep = "\\\\";
      else if(c == '\n')
         rep = "\\n";
      else if(c == '\r')
         rep = "\\r";
      else if(c == '\t')
         rep = "\\t";
      else if(c < 0x20)
        {
         string hex = "0123456789abcdef";
         rep = "\\u00" + StringSubstr(hex, (c >> 4) & 0x0F, 1) + StringSubstr(hex, c & 0x0F, 1);
        }
      else
         continue;
      if(i > runStart)
         out += StringSubstr(s, runStart, i - runStart);
      out += rep;
      runStart = i + 1;
     }
   if(n > runStart)
      out += StringSubstr(s, runStart, n - runStart);
   out += "\"";
   return out;
  }

//+------------------------------------------------------------------+
//| Writer: w.BeginObject(); w.Key("a"); w.Num(1.5, 5); w.End();     |
//+------------------------------------------------------------------+
class CKpJsonWriter
  {
private:
   string            m_out;
   bool              m_first[KP_JSON_MAX_DEPTH];
   int               m_depth;
   bool              m_afterKey;
   void              Sep(void)
     {
      if(m_afterKey)
        {
         m_afterKey = false;
         return;
        }
      if(m_depth > 0)
        {
         if(!m_first[m_depth - 1])
            m_out += ",";
         m_first[m_depth - 1] = false;
        }
     }
   void              Open(const string bracket)
     {
      Sep();
      m_out += bracket;
      if(m_depth < KP_JSON_MAX_DEPTH)
         m_first[m_depth] = true;
      m_depth++;
     }
public:
                     CKpJsonWriter(void) { Reset(); }
   void              Reset(void) { m_out = ""; m_depth = 0; m_afterKey = false; }
   string            Text(void) { return m_out; }
   void              BeginObject(void) { Open("{"); }
   void              BeginArray(void) { Open("["); }
   void              EndObject(void) { m_depth--; m_out += "}"; }
   void              EndArray(void) { m_depth--; m_out += "]"; }
   void              Key(const string k) { Sep(); m_out += KpJsonEscape(k) + ":"; m_afterKey = true; }
   void              Str(const string v) { Sep(); m_out += KpJsonEscape(v); }
   void              Num(const double v, const int digits) { Sep(); m_out += KpNumberText(v, digits); }
   void              Int(const long v) { Sep(); m_out += IntegerToString(v); }
   void              Bool(const bool v) { Sep(); m_out += (v ? "true" : "false"); }
   void              Null(void) { Sep(); m_out += "null"; }
   void              Raw(const string json) { Sep(); m_out += json; }
   //--- key + value shorthands
   void              KeyStr(const string k, const string v) { Key(k); Str(v); }
   void              KeyNum(const string k, const double v, const int digits) { Key(k); Num(v, digits); }
   void              KeyInt(const string k, const long v) { Key(k); Int(v); }
   void              KeyBool(const string k, const bool v) { Key(k); Bool(v); }
   void              KeyNull(const string k) { Key(k); Null(); }
   //--- a price where 0 means "none" in MQL5 (SL/TP): null on the wire
   void              KeyPriceOrNull(const string k, const double v, const int digits) { Key(k); if(v == 0.0) Null(); else Num(v, digits); }
  };

//+------------------------------------------------------------------+
//| Parser                                                           |
//+------------------------------------------------------------------+
#define KP_JNULL   0
#define KP_JBOOL   1
#define KP_JNUMBER 2
#define KP_JSTRING 3
#define KP_JARRAY  4
#define KP_JOBJECT 5

struct KpJsonNode
  {
   int               type;
   string            key;      // member name when the parent is an object
   string            text;     // string value, or the number's literal text
   double            num;
   bool              boolean;
   int               parent;
   int               firstChild;
   int               lastChild;
   int               next;
   int               count;
  };

class CKpJson
  {
private:
   KP_ARR(KpJsonNode, m_nodes);
   int               m_count;
   string            m_src;
   int               m_pos;
   int               m_len;
   string            m_error;

   int               NewNode(const int type, const int parent, const string key)
     {
      if(m_count >= ArraySize(m_nodes))
         ArrayResize(m_nodes, m_count * 2 + 16);
      int i = m_count++;
      m_nodes[i].type = type;
      m_nodes[i].key = key;
      m_nodes[i].text = "";
      m_nodes[i].num = 0;
      m_nodes[i].boolean = false;
      m_nodes[i].parent = parent;
      m_nodes[i].firstChild = -1;
      m_nodes[i].lastChild = -1;
      m_nodes[i].next = -1;
      m_nodes[i].count = 0;
      if(parent >= 0)
        {
         if(m_nodes[parent].lastChild >= 0)
            m_nodes[m_nodes[parent].lastChild].next = i;
         else
            m_nodes[parent].firstChild = i;
         m_nodes[parent].lastChild = i;
         m_nodes[parent].count++;
        }
      return i;
     }
   ushort            Peek(void) { return m_pos < m_len ? StringGetCharacter(m_src, m_pos) : (ushort)0; }
   void              SkipWs(void)
     {
      while(m_pos < m_len)
        {
         ushort c = StringGetCharacter(m_src, m_pos);
         if(c == ' ' || c == '\t' || c == '\n' || c == '\r')
            m_pos++;
         else
            break;
        }
     }
   bool              Fail(const string why)
     {
      if(m_error == "")
         m_error = why + " at " + IntegerToString(m_pos);
      return false;
     }
   int               HexVal(const ushort c)
     {
      if(c >= '0' && c <= '9')
         return c - '0';
      if(c >= 'a' && c <= 'f')
         return c - 'a' + 10;
      if(c >= 'A' && c <= 'F')
         return c - 'A' + 10;
      return -1;
     }
   bool              Hex4(int &value)
     {
      if(m_pos + 4 > m_len)
         return Fail("short \\u escape");
      value = 0;
      for(int i = 0; i < 4; i++)
        {
         int h = HexVal(StringGetCharacter(m_src, m_pos + i));
         if(h < 0)
            return Fail("bad \\u escape");
         value = value * 16 + h;
        }
      m_pos += 4;
      return true;
     }
   bool              ParseString(string &out)
     {
      // m_pos is at the opening quote
      m_pos++;
      out = "";
      int runStart = m_pos;
      while(m_pos < m_len)
        {
         ushort c = StringGetCharacter(m_src, m_pos);
         if(c == '"')
           {
            if(m_pos > runStart)
               out += StringSubstr(m_src, runStart, m_pos - runStart);
            m_pos++;
            return true;
           }
         if(c < 0x20)
            return Fail("control character in string");
         if(c != '\\')
           {
            m_pos++;
            continue;
           }
         if(m_pos > runStart)
            out += StringSubstr(m_src, runStart, m_pos - runStart);
         m_pos++;
         if(m_pos >= m_len)
            return Fail("unterminated escape");
         ushort e = StringGetCharacter(m_src, m_pos);
         m_pos++;
         if(e == '"')
            out += "\"";
         else if(e == '\\')
            out += "\\";
         else if(e == '/')
            out += "/";
         else if(e == 'b')
            out += ShortToString(8);
         else if(e == 'f')
            out += ShortToString(12);
         else if(e == 'n')
            out += "\n";
         else if(e == 'r')
            out += "\r";
         else if(e == 't')
            out += "\t";
         else if(e == 'u')
           {
            int cp = 0;
            if(!Hex4(cp))
               return false;
            if(cp >= 0xD800 && cp <= 0xDBFF && m_pos + 6 <= m_len &&
               StringGetCharacter(m_src, m_pos) == '\\' && StringGetCharacter(m_src, m_pos + 1) == 'u')
              {
               m_pos += 2;
               int lo = 0;
               if(!Hex4(lo))
                  return false;
               if(lo >= 0xDC00 && lo <= 0xDFFF)
                  cp = 0x10000 + ((cp - 0xD800) << 10) + (lo - 0xDC00);
               else
                 {
                  out += KpCodePointToString(cp);
                  cp = lo;
                 }
              }
            out += KpCodePointToString(cp);
           }
         else
            return Fail("bad escape");
         runStart = m_pos;
        }
      return Fail("unterminated string");
     }
   bool              ParseValue(const int parent, const string key, const int depth)
     {
      if(depth > KP_JSON_MAX_DEPTH)
         return Fail("too deep");
      SkipWs();
      ushort c = Peek();
      if(c == '{')
        {
         int node = NewNode(KP_JOBJECT, parent, key);
         m_pos++;
         SkipWs();
         if(Peek() == '}')
           {
            m_pos++;
            return true;
           }
         while(true)
           {
            SkipWs();
            if(Peek() != '"')
               return Fail("expected member name");
            string name = "";
            if(!ParseString(name))
               return false;
            SkipWs();
            if(Peek() != ':')
               return Fail("expected ':'");
            m_pos++;
            if(!ParseValue(node, name, depth + 1))
               return false;
            SkipWs();
            c = Peek();
            m_pos++;
            if(c == '}')
               return true;
            if(c != ',')
               return Fail("expected ',' or '}'");
           }
        }
      if(c == '[')
        {
         int node = NewNode(KP_JARRAY, parent, key);
         m_pos++;
         SkipWs();
         if(Peek() == ']')
           {
            m_pos++;
            return true;
           }
         while(true)
           {
            if(!ParseValue(node, "", depth + 1))
               return false;
            SkipWs();
            c = Peek();
            m_pos++;
            if(c == ']')
               return true;
            if(c != ',')
               return Fail("expected ',' or ']'");
           }
        }
      if(c == '"')
        {
         string s = "";
         if(!ParseString(s))
            return false;
         int node = NewNode(KP_JSTRING, parent, key);
         m_nodes[node].text = s;
         return true;
        }
      if(c == 't' && StringSubstr(m_src, m_pos, 4) == "true")
        {
         int node = NewNode(KP_JBOOL, parent, key);
         m_nodes[node].boolean = true;
         m_pos += 4;
         return true;
        }
      if(c == 'f' && StringSubstr(m_src, m_pos, 5) == "false")
        {
         NewNode(KP_JBOOL, parent, key);
         m_pos += 5;
         return true;
        }
      if(c == 'n' && StringSubstr(m_src, m_pos, 4) == "null")
        {
         NewNode(KP_JNULL, parent, key);
         m_pos += 4;
         return true;
        }
      if(c == '-' || (c >= '0' && c <= '9'))
        {
         int start = m_pos;
         m_pos++;
         while(m_pos < m_len)
           {
            ushort d = StringGetCharacter(m_src, m_pos);
            if((d >= '0' && d <= '9') || d == '.' || d == 'e' || d == 'E' || d == '+' || d == '-')
               m_pos++;
            else
               break;
           }
         int node = NewNode(KP_JNUMBER, parent, key);
         m_nodes[node].text = StringSubstr(m_src, start, m_pos - start);
         m_nodes[node].num = StringToDouble(m_nodes[node].text);
         return true;
        }
      return Fail("unexpected character");
     }

public:
                     CKpJson(void) { m_count = 0; m_pos = 0; m_len = 0; m_error = ""; }
   //--- parses text; on failure Error() says why and Root() is -1
   bool              Parse(const string text)
     {
      m_count = 0;
      ArrayResize(m_nodes, 16);
      m_src = text;
      m_pos = 0;
      m_len = StringLen(text);
      m_error = "";
      if(!ParseValue(-1, "", 0))
        {
         m_count = 0;
         return false;
        }
      SkipWs();
      if(m_pos != m_len)
        {
         m_count = 0;
         return Fail("trailing characters");
        }
      return true;
     }
   string            Error(void) { return m_error; }
   int               Root(void) { return m_count > 0 ? 0 : -1; }
   int               Type(const int node) { return node >= 0 && node < m_count ? m_nodes[node].type : -1; }
   int               Count(const int node) { return node >= 0 && node < m_count ? m_nodes[node].count : 0; }
   string            KeyOf(const int node) { return node >= 0 && node < m_count ? m_nodes[node].key : ""; }
   //--- member of an object by name (-1 when absent)
   int               Get(const int node, const string key)
     {
      if(Type(node) != KP_JOBJECT)
         return -1;
      for(int c = m_nodes[node].firstChild; c >= 0; c = m_nodes[c].next)
         if(m_nodes[c].key == key)
            return c;
      return -1;
     }
   //--- element of an array by position (-1 when absent)
   int               At(const int node, const int index)
     {
      if(Type(node) != KP_JARRAY && Type(node) != KP_JOBJECT)
         return -1;
      int i = 0;
      for(int c = m_nodes[node].firstChild; c >= 0; c = m_nodes[c].next)
        {
         if(i == index)
            return c;
         i++;
        }
      return -1;
     }
   int               FirstChild(const int node) { return node >= 0 && node < m_count ? m_nodes[node].firstChild : -1; }
   int               Next(const int node) { return node >= 0 && node < m_count ? m_nodes[node].next : -1; }
   bool              IsNull(const int node) { return Type(node) == KP_JNULL; }
   //--- value as text: strings as-is, numbers as their literal, booleans true/false, else def
   string            Str(const int node, const string def)
     {
      int t = Type(node);
      if(t == KP_JSTRING || t == KP_JNUMBER)
         return m_nodes[node].text;
      if(t == KP_JBOOL)
         return m_nodes[node].boolean ? "true" : "false";
      return def;
     }
   double            Num(const int node, const double def)
     {
      int t = Type(node);
      if(t == KP_JNUMBER)
         return m_nodes[node].num;
      if(t == KP_JSTRING && StringLen(m_nodes[node].text) > 0)
         return StringToDouble(m_nodes[node].text);
      return def;
     }
   bool              BoolOf(const int node, const bool def) { return Type(node) == KP_JBOOL ? m_nodes[node].boolean : def; }
   //--- member shorthands
   string            GetStr(const int obj, const string key, const string def) { return Str(Get(obj, key), def); }
   double            GetNum(const int obj, const string key, const double def) { return Num(Get(obj, key), def); }
   bool              Has(const int obj, const string key) { return Get(obj, key) >= 0; }
   bool              HasValue(const int obj, const string key) { int n = Get(obj, key); return n >= 0 && Type(n) != KP_JNULL; }
  };

#endif
