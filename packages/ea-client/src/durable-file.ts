import { randomBytes } from 'node:crypto';
import { open, rename, unlink } from 'node:fs/promises';
import { dirname } from 'node:path';

/**
 * Crash-safe file primitives. A reader sees either the old content or the whole new content:
 * write to a temp file, fsync it, rename over the target, fsync the directory so the rename
 * itself survives power loss. Temp files end in `.tmp` and are ignored (and swept) by readers.
 */
export const TEMP_SUFFIX = '.tmp';

export async function writeFileAtomic(path: string, data: string, fsync = true): Promise<void> {
  const temp = `${path}.${randomBytes(4).toString('hex')}${TEMP_SUFFIX}`;
  const handle = await open(temp, 'w');
  try {
    await handle.writeFile(data, 'utf8');
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
  await rename(temp, path);
  if (fsync) await syncDir(dirname(path));
}

/** Appends one line and fsyncs. A crash can leave a torn last line; readers skip it. */
export async function appendLineDurable(path: string, line: string, fsync = true): Promise<void> {
  const handle = await open(path, 'a');
  try {
    await handle.write(line.endsWith('\n') ? line : line + '\n');
    if (fsync) await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function removeDurable(path: string, fsync = true): Promise<void> {
  try {
    await unlink(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
  if (fsync) await syncDir(dirname(path));
}

async function syncDir(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } catch (e) {
    // Some filesystems refuse fsync on a directory; the rename is still atomic there.
    if ((e as NodeJS.ErrnoException).code !== 'EINVAL' && (e as NodeJS.ErrnoException).code !== 'EISDIR') throw e;
  } finally {
    await handle.close();
  }
}

/** Parses a JSON-lines file, skipping blank and torn (unparsable) lines. */
export function parseJsonLines<T>(text: string): T[] {
  const out: T[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '') continue;
    try {
      out.push(JSON.parse(line) as T);
    } catch {
      // a torn last line from a crash mid-append
    }
  }
  return out;
}
