/**
 * The log of a long-running child across its restarts (serve, the operator): every line kept with
 * the generation that wrote it (`[serve#2] …`), bounded so a chatty run cannot exhaust memory.
 */
import type { ChildProcess } from 'node:child_process';

const MAX = 4_000_000;

export class ChildLog {
  readonly #name: string;
  #text = '';
  #generation = 0;

  constructor(name: string) {
    this.#name = name;
  }

  /** Collects `child`'s stdout and stderr as the next generation; `onText` sees each chunk. */
  follow(child: ChildProcess, onText?: (text: string) => void): void {
    const prefix = `[${this.#name}#${++this.#generation}] `;
    const collect = (chunk: Buffer): void => {
      const text = chunk.toString();
      this.#text += text
        .split('\n')
        .filter(Boolean)
        .map((l) => `${prefix}${l}\n`)
        .join('');
      if (this.#text.length > MAX) this.#text = this.#text.slice(-MAX / 2);
      onText?.(text);
    };
    child.stdout?.on('data', collect);
    child.stderr?.on('data', collect);
  }

  all(): string {
    return this.#text;
  }

  tail(lines = 60): string {
    return this.#text.split('\n').slice(-lines).join('\n');
  }
}
