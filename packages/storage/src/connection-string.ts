/**
 * Azure Storage account-key connection strings (`DefaultEndpointsProtocol=…;AccountName=…;
 * AccountKey=…;BlobEndpoint=…;QueueEndpoint=…`), the form Azurite and a real storage account
 * share. Managed identity (no key) is a later step; until then a key is required, checked here
 * so a bad deployment stops at start-up rather than at the first upload.
 */
export interface ParsedConnectionString {
  accountName: string;
  blobEndpoint: string | undefined;
  queueEndpoint: string | undefined;
}

/** Azurite's well-known development account (public, documented by Microsoft). */
export const AZURITE_ACCOUNT = 'devstoreaccount1';
export const AZURITE_KEY = 'Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==';

export function parseConnectionString(cs: string): ParsedConnectionString {
  const parts = new Map<string, string>();
  for (const piece of cs.split(';')) {
    const i = piece.indexOf('=');
    if (i <= 0) continue;
    parts.set(piece.slice(0, i).trim().toLowerCase(), piece.slice(i + 1).trim());
  }
  const accountName = parts.get('accountname');
  if (!accountName) throw new Error('the storage connection string has no AccountName');
  if (!parts.get('accountkey')) throw new Error('the storage connection string has no AccountKey (only account-key connection strings are supported)');
  return { accountName, blobEndpoint: parts.get('blobendpoint'), queueEndpoint: parts.get('queueendpoint') };
}

/** The connection string of an Azurite instance on these loopback ports. */
export function azuriteConnectionString(blobPort: number, queuePort: number): string {
  return [
    'DefaultEndpointsProtocol=http',
    `AccountName=${AZURITE_ACCOUNT}`,
    `AccountKey=${AZURITE_KEY}`,
    `BlobEndpoint=http://127.0.0.1:${blobPort}/${AZURITE_ACCOUNT}`,
    `QueueEndpoint=http://127.0.0.1:${queuePort}/${AZURITE_ACCOUNT}`,
  ].join(';') + ';';
}
