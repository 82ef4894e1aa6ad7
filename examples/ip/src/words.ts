/** The command line after the object and command, read keyword by keyword as iproute2 does. */
import { IpError } from './errors';

export class Words {
  private at = 0;
  constructor(private readonly words: readonly string[]) {}

  get done(): boolean {
    return this.at >= this.words.length;
  }

  peek(): string | undefined {
    return this.words[this.at];
  }

  next(): string | undefined {
    const word = this.words[this.at];
    if (word !== undefined) this.at += 1;
    return word;
  }

  /** The next word, as the argument of the keyword before it; a usage error when there is none. */
  value(): string {
    const word = this.next();
    if (word === undefined) throw new IpError(`Command line is not complete. Try option "help"`);
    return word;
  }

  int(keyword: string, max = 0xffffffff): number {
    const word = this.value();
    const n = Number(word);
    if (!/^\d+$/.test(word) || n > max)
      throw new IpError(`Error: argument "${word}" is wrong: Invalid "${keyword}" value`);
    return n;
  }
}

/** `a.b.c.d[/len]`: the four bytes and the prefix length (`full` when none is given). */
export function parsePrefix(text: string, full = 32): { address: string; len: number } {
  if (text === 'default') return { address: '0.0.0.0', len: 0 };
  const [address = '', lenText] = text.split('/');
  const parts = address.split('.');
  const ok = parts.length === 4 && parts.every((p) => /^\d+$/.test(p) && Number(p) <= 255);
  const len = lenText === undefined ? full : Number(lenText);
  if (!ok || !Number.isInteger(len) || len < 0 || len > 32)
    throw new IpError(`Error: any valid prefix is expected rather than "${text}".`);
  return { address, len };
}

export function parseMac(text: string): Uint8Array {
  const parts = text.split(':');
  if (parts.length !== 6 || !parts.every((p) => /^[0-9a-fA-F]{1,2}$/.test(p)))
    throw new IpError(`"${text}" is invalid lladdr.`);
  return Uint8Array.from(parts.map((p) => Number.parseInt(p, 16)));
}
