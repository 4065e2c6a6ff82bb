/**
 * A real Prometheus Pushgateway for the metrics tests: started on 127.0.0.1 with a free port and
 * no persistence file, ready when /-/ready answers 200. The binary comes from
 * STOWAGE_PUSHGATEWAY or, when unset, from scripts/peers/pushgateway.sh (which installs the
 * Debian package if it is missing and prints the path).
 */
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort, readyOrStop, startServer, waitForHttp } from './process.ts';

const execFileAsync = promisify(execFile);
const peerScript = fileURLToPath(new URL('../../scripts/peers/pushgateway.sh', import.meta.url));

export interface Pushgateway {
  /** Base URL, e.g. http://127.0.0.1:41234 (no trailing slash). */
  url: string;
  /** Text exposition of everything the gateway holds (GET /metrics). */
  scrape(): Promise<string>;
  stop(): Promise<void>;
}

async function pushgatewayBinary(): Promise<string> {
  const fromEnv = process.env.STOWAGE_PUSHGATEWAY;
  if (fromEnv) return fromEnv;
  const { stdout } = await execFileAsync('bash', [peerScript]);
  const bin = stdout.trim().split('\n').pop();
  if (!bin) throw new Error(`${peerScript} printed no binary path`);
  return bin;
}

export async function startPushgateway(): Promise<Pushgateway> {
  const bin = await pushgatewayBinary();
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = startServer('pushgateway', bin, [
    `--web.listen-address=127.0.0.1:${port}`,
    '--persistence.file=',
    '--log.level=warn',
  ]);
  await readyOrStop(server, waitForHttp('pushgateway', server, `${url}/-/ready`));
  return {
    url,
    stop: () => server.stop(),
    async scrape(): Promise<string> {
      const res = await fetch(`${url}/metrics`, { signal: AbortSignal.timeout(10_000) });
      if (!res.ok) throw new Error(`GET ${url}/metrics: HTTP ${res.status}`);
      return res.text();
    },
  };
}

/** One sample of a scrape: metric name, labels, value. */
export interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses the Prometheus text exposition format (comments and timestamps ignored). */
export function parseExposition(text: string): Sample[] {
  const samples: Sample[] = [];
  for (const line of text.split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const nameEnd = line.search(/[{ ]/);
    const name = line.slice(0, nameEnd);
    const labels: Record<string, string> = {};
    let pos = nameEnd;
    if (line[pos] === '{') {
      pos++;
      while (line[pos] !== '}') {
        const eq = line.indexOf('=', pos);
        const key = line.slice(pos, eq).trim();
        pos = eq + 2; // skip ="
        let value = '';
        while (line[pos] !== '"') {
          if (line[pos] === '\\') {
            const next = line[pos + 1];
            value += next === 'n' ? '\n' : (next ?? '');
            pos += 2;
          } else {
            value += line[pos];
            pos++;
          }
        }
        labels[key] = value;
        pos++; // closing quote
        if (line[pos] === ',') pos++;
      }
      pos++; // closing brace
    }
    const [valueText] = line.slice(pos).trim().split(/\s+/);
    const value = valueText === '+Inf' ? Infinity : valueText === '-Inf' ? -Infinity : Number(valueText);
    samples.push({ name, labels, value });
  }
  return samples;
}
