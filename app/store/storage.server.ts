// Where the files of digital products live (issue 13 §6). The app reads them only through FileStore, so an
// S3-compatible store (get = GetObject, put = PutObject, stat = HeadObject) can replace the local folder
// without touching downloads. The local store keeps files under STORAGE_DIR; a key is a relative path
// ("ebooks/guide.pdf") and never leaves that folder.
import { createReadStream } from 'node:fs';
import { mkdir, stat, writeFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, normalize, resolve, sep } from 'node:path';
import { Readable } from 'node:stream';
import { env } from '~/env.server';

export interface StoredFile {
  /** The bytes, streamed (a large file never sits in memory). */
  body: ReadableStream<Uint8Array>;
  size: number;
}

export interface FileStore {
  /** The file at `key`, or null when there is none. */
  get(key: string): Promise<StoredFile | null>;
  /** Its size in bytes, or null when there is none. */
  stat(key: string): Promise<number | null>;
  put(key: string, bytes: Uint8Array | string): Promise<void>;
}

/** A storage key: a relative path of plain segments (no "..", no leading "/", no backslashes). */
export function isValidStorageKey(key: string): boolean {
  if (!key || key.length > 500 || isAbsolute(key) || key.includes('\\') || key.includes('\0')) return false;
  const segments = key.split('/');
  return segments.every((s) => s !== '' && s !== '.' && s !== '..');
}

export class LocalFileStore implements FileStore {
  private readonly root: string;
  constructor(root: string) {
    this.root = resolve(root);
  }

  /** The absolute path of a key, or null when the key would leave the root. */
  private pathOf(key: string): string | null {
    if (!isValidStorageKey(key)) return null;
    const path = normalize(join(this.root, key));
    return path.startsWith(this.root + sep) ? path : null;
  }

  async stat(key: string): Promise<number | null> {
    const path = this.pathOf(key);
    if (!path) return null;
    try {
      const s = await stat(path);
      return s.isFile() ? s.size : null;
    } catch {
      return null;
    }
  }

  async get(key: string): Promise<StoredFile | null> {
    const size = await this.stat(key);
    const path = this.pathOf(key);
    if (size === null || !path) return null;
    return { body: Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>, size };
  }

  async put(key: string, bytes: Uint8Array | string): Promise<void> {
    const path = this.pathOf(key);
    if (!path) throw new Error(`Invalid storage key: ${key}`);
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
}

let cached: { dir: string; store: FileStore } | null = null;

/** The configured store: the local folder STORAGE_DIR (default .data/storage). */
export function fileStore(): FileStore {
  const dir = env().STORAGE_DIR;
  if (!cached || cached.dir !== dir) cached = { dir, store: new LocalFileStore(dir) };
  return cached.store;
}
