//+------------------------------------------------------------------+
//| KpSha256.mqh — SHA-256 (FIPS 180-4) and HMAC-SHA256 (RFC 2104).   |
//| Written by hand: CryptEncode has SHA-256 but no HMAC, and the     |
//| same code must compile as C++ for the off-terminal tests and port |
//| to MQL4 later. Only uint arithmetic (wraps mod 2^32 in both).     |
//+------------------------------------------------------------------+
#ifndef KP_SHA256_MQH
#define KP_SHA256_MQH
#include "KpCompat.mqh"

uint KP_SHA256_K[64] = {
   0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
   0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
   0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
   0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
   0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
   0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
   0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
   0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2
};

uint KpRotr32(const uint x, const int n) { return (x >> n) | (x << (32 - n)); }

//--- SHA-256 of data[0..len); digest receives 32 bytes.
void KpSha256(const KP_ARR_REF(uchar, data), const int len, KP_ARR_REF(uchar, digest))
  {
   uint h[8];
   h[0] = 0x6a09e667; h[1] = 0xbb67ae85; h[2] = 0x3c6ef372; h[3] = 0xa54ff53a;
   h[4] = 0x510e527f; h[5] = 0x9b05688c; h[6] = 0x1f83d9ab; h[7] = 0x5be0cd19;
   //--- padding: 0x80, zeros, 64-bit big-endian bit length; total a multiple of 64 bytes
   int padded = ((len + 8) / 64 + 1) * 64;
   KP_ARR(uchar, msg);
   ArrayResize(msg, padded);
   for(int i = 0; i < padded; i++)
      msg[i] = (i < len) ? data[i] : (uchar)0;
   msg[len] = 0x80;
   ulong bits = (ulong)len * 8;
   for(int i = 0; i < 8; i++)
      msg[padded - 1 - i] = (uchar)((bits >> (8 * i)) & 0xFF);
   uint w[64];
   for(int block = 0; block < padded; block += 64)
     {
      for(int t = 0; t < 16; t++)
         w[t] = ((uint)msg[block + 4 * t] << 24) | ((uint)msg[block + 4 * t + 1] << 16) |
                ((uint)msg[block + 4 * t + 2] << 8) | (uint)msg[block + 4 * t + 3];
      for(int t = 16; t < 64; t++)
        {
         uint s0 = KpRotr32(w[t - 15], 7) ^ KpRotr32(w[t - 15], 18) ^ (w[t - 15] >> 3);
         uint s1 = KpRotr32(w[t - 2], 17) ^ KpRotr32(w[t - 2], 19) ^ (w[t - 2] >> 10);
         w[t] = w[t - 16] + s0 + w[t - 7] + s1;
        }
      uint a = h[0], b = h[1], c = h[2], d = h[3], e = h[4], f = h[5], g = h[6], hh = h[7];
      for(int t = 0; t < 64; t++)
        {
         uint S1 = KpRotr32(e, 6) ^ KpRotr32(e, 11) ^ KpRotr32(e, 25);
         uint ch = (e & f) ^ ((~e) & g);
         uint t1 = hh + S1 + ch + KP_SHA256_K[t] + w[t];
         uint S0 = KpRotr32(a, 2) ^ KpRotr32(a, 13) ^ KpRotr32(a, 22);
         uint mj = (a & b) ^ (a & c) ^ (b & c);
         uint t2 = S0 + mj;
         hh = g; g = f; f = e; e = d + t1; d = c; c = b; b = a; a = t1 + t2;
        }
      h[0] += a; h[1] += b; h[2] += c; h[3] += d; h[4] += e; h[5] += f; h[6] += g; h[7] += hh;
     }
   ArrayResize(digest, 32);
   for(int i = 0; i < 8; i++)
     {
      digest[4 * i]     = (uchar)((h[i] >> 24) & 0xFF);
      digest[4 * i + 1] = (uchar)((h[i] >> 16) & 0xFF);
      digest[4 * i + 2] = (uchar)((h[i] >> 8) & 0xFF);
      digest[4 * i + 3] = (uchar)(h[i] & 0xFF);
     }
  }

//--- HMAC-SHA256(key, msg); block size 64.
void KpHmacSha256(const KP_ARR_REF(uchar, key), const int keyLen,
                  const KP_ARR_REF(uchar, msg), const int msgLen, KP_ARR_REF(uchar, mac))
  {
   KP_ARR(uchar, k0);
   ArrayResize(k0, 64);
   for(int i = 0; i < 64; i++)
      k0[i] = 0;
   if(keyLen > 64)
     {
      KP_ARR(uchar, kh);
      KpSha256(key, keyLen, kh);
      for(int i = 0; i < 32; i++)
         k0[i] = kh[i];
     }
   else
      for(int i = 0; i < keyLen; i++)
         k0[i] = key[i];
   KP_ARR(uchar, inner);
   ArrayResize(inner, 64 + msgLen);
   for(int i = 0; i < 64; i++)
      inner[i] = (uchar)(k0[i] ^ 0x36);
   for(int i = 0; i < msgLen; i++)
      inner[64 + i] = msg[i];
   KP_ARR(uchar, innerHash);
   KpSha256(inner, 64 + msgLen, innerHash);
   KP_ARR(uchar, outer);
   ArrayResize(outer, 96);
   for(int i = 0; i < 64; i++)
      outer[i] = (uchar)(k0[i] ^ 0x5c);
   for(int i = 0; i < 32; i++)
      outer[64 + i] = innerHash[i];
   KpSha256(outer, 96, mac);
  }

string KpHexLower(const KP_ARR_REF(uchar, bytes), const int len)
  {
   string digits = "0123456789abcdef";
   string out = "";
   for(int i = 0; i < len; i++)
     {
      out += StringSubstr(digits, (bytes[i] >> 4) & 0x0F, 1);
      out += StringSubstr(digits, bytes[i] & 0x0F, 1);
     }
   return out;
  }

//--- UTF-8 bytes of a string, WITHOUT the terminating zero StringToCharArray appends. Returns the length.
int KpUtf8Bytes(const string text, KP_ARR_REF(uchar, out))
  {
   if(StringLen(text) == 0)
     {
      ArrayResize(out, 0);
      return 0;
     }
   int n = StringToCharArray(text, out, 0, WHOLE_ARRAY, CP_UTF8);
   if(n > 0 && out[n - 1] == 0)
      n--;
   ArrayResize(out, n);
   return n;
  }

string KpSha256HexOfString(const string text)
  {
   KP_ARR(uchar, bytes);
   int n = KpUtf8Bytes(text, bytes);
   KP_ARR(uchar, digest);
   KpSha256(bytes, n, digest);
   return KpHexLower(digest, 32);
  }

string KpHmacSha256HexOfStrings(const string key, const string msg)
  {
   KP_ARR(uchar, k);
   int kn = KpUtf8Bytes(key, k);
   KP_ARR(uchar, m);
   int mn = KpUtf8Bytes(msg, m);
   KP_ARR(uchar, mac);
   KpHmacSha256(k, kn, m, mn, mac);
   return KpHexLower(mac, 32);
  }

#endif
