//+------------------------------------------------------------------+
//| KpSigner.mqh — request signing per ea-protocol-v1.md:             |
//| canonical string (six lines joined by \n, no trailing newline)   |
//| and X-Kopitra-Signature = "v1=" + hex HMAC-SHA256(secret text).   |
//+------------------------------------------------------------------+
#ifndef KP_SIGNER_MQH
#define KP_SIGNER_MQH
#include "KpCompat.mqh"
#include "KpSha256.mqh"

string KpCanonicalString(const string timestampMs, const string method, const string pathWithQuery,
                         const string idempotencyKey, const string bodySha256Hex)
  {
   string m = method;
   StringToUpper(m);
   return "v1\n" + timestampMs + "\n" + m + "\n" + pathWithQuery + "\n" + idempotencyKey + "\n" + bodySha256Hex;
  }

//--- the secret's base64url TEXT is the HMAC key (no base64 decoding), per the contract
string KpSignCanonical(const string secret, const string canonical)
  {
   return "v1=" + KpHmacSha256HexOfStrings(secret, canonical);
  }

string KpSignRequest(const string secret, const string timestampMs, const string method, const string pathWithQuery,
                     const string idempotencyKey, const string body)
  {
   return KpSignCanonical(secret, KpCanonicalString(timestampMs, method, pathWithQuery, idempotencyKey,
                                                    KpSha256HexOfString(body)));
  }

bool KpIsIdempotencyChar(const ushort c)
  {
   return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.' ||
          c == ':' || c == '-';
  }

//--- Idempotency-Key: 1-128 chars of [A-Za-z0-9_.:-]; anything else becomes '_'
string KpIdempotencyKey(const string raw)
  {
   string out = "";
   int n = StringLen(raw);
   if(n > 128)
      n = 128;
   for(int i = 0; i < n; i++)
     {
      ushort c = StringGetCharacter(raw, i);
      if(KpIsIdempotencyChar(c))
         out += ShortToString(c);
      else
         out += "_";
     }
   if(out == "")
      out = "_";
   return out;
  }

//--- WebRequest header block (CRLF separated) for one signed request
string KpSignedHeaders(const string keyId, const string secret, const string timestampMs, const string method,
                       const string pathWithQuery, const string idempotencyKey, const string body)
  {
   string h = "X-Kopitra-Key-Id: " + keyId + "\r\n" + "X-Kopitra-Timestamp: " + timestampMs + "\r\n" +
              "X-Kopitra-Signature: " + KpSignRequest(secret, timestampMs, method, pathWithQuery, idempotencyKey, body) +
              "\r\n" + "Accept: application/json\r\n";
   if(method == "POST")
      h += "Idempotency-Key: " + idempotencyKey + "\r\n" + "Content-Type: application/json\r\n";
   return h;
  }

#endif
