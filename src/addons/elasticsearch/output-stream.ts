/**
 * A Writable that several writers (the slice workers) share, where a write resolves once the
 * chunk has left the process (the stream's write callback: handed to the pipe or the file). A
 * worker reuses a page's buffer only after that, and keeps at most two pages in flight, so a slow
 * reader (restic, a disk) holds the workers back and the dump's memory stays flat. An error of the
 * stream (restic died: EPIPE) fails every pending and later write; a writer's abort signal ends its
 * wait.
 */
import type { Writable } from 'node:stream';

export class OutputStream {
  readonly #out: Writable;
  readonly #name: string;
  #failure: Error | undefined;
  #ended = false;

  constructor(out: Writable, name: string) {
    this.#out = out;
    this.#name = name;
    out.on('error', (e: Error) => this.#fail(e));
    out.on('close', () => {
      if (!this.#ended) this.#fail(new Error('closed by the reader'));
    });
  }

  #fail(e: Error): void {
    this.#failure ??= new Error(`cannot write ${this.#name}: ${e.message}`, { cause: e });
  }

  /** Resolves when `chunk` was written out (its buffer may then be reused). */
  write(chunk: Buffer | string, signal?: AbortSignal): Promise<void> {
    if (this.#failure) return Promise.reject(this.#failure);
    return new Promise<void>((resolve, reject) => {
      let settled = false;
      const onAbort = () => {
        settled = true;
        reject(signal!.reason as Error);
      };
      if (signal) {
        if (signal.aborted) return onAbort();
        signal.addEventListener('abort', onAbort, { once: true });
      }
      this.#out.write(chunk, (e) => {
        signal?.removeEventListener('abort', onAbort);
        if (settled) return;
        if (e) {
          this.#fail(e);
          reject(this.#failure!);
        } else if (this.#failure) {
          reject(this.#failure);
        } else {
          resolve();
        }
      });
    });
  }

  /** Ends the stream and waits until everything written is flushed (`finish`). */
  async end(): Promise<void> {
    if (this.#failure) throw this.#failure;
    this.#ended = true;
    await new Promise<void>((resolve, reject) => {
      this.#out.once('error', reject);
      this.#out.end(() => {
        this.#out.off('error', reject);
        resolve();
      });
    });
    const failure = this.#failure as Error | undefined; // set by an 'error' event meanwhile
    if (failure) throw failure;
  }

  /** Gives up: no more writes; the stream is destroyed (a file is left as it is). */
  destroy(): void {
    this.#ended = true;
    this.#failure ??= new Error(`${this.#name} was abandoned`);
    this.#out.destroy();
  }
}
