/**
 * One writer for both of iproute2's outputs, as its json_print.c: every `print_*()` call names
 * what goes to the terminal (PRINT_FP), what goes to the JSON document (PRINT_JSON), or both
 * (PRINT_ANY). A printer written once against it gives `ip` and `ip -json` from the same code, so
 * the two cannot drift apart.
 */

/** A value of `ip -json` output. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
/** One object of `ip -json` output (a link, an address, a route). */
export type JsonObject = { [key: string]: JsonValue };

type Container = { kind: 'object'; value: JsonObject } | { kind: 'array'; value: JsonValue[] };

export class IpOutput {
  private text = '';
  private readonly stack: Container[];
  /** The outermost JSON object (only in JSON mode). */
  readonly root: JsonObject = {};

  constructor(readonly json: boolean) {
    this.stack = [{ kind: 'object', value: this.root }];
  }

  /** PRINT_FP: text only. */
  fp(text: string): void {
    if (!this.json) this.text += text;
  }

  /** PRINT_JSON: a field (or an element, inside an array opened without key) in JSON mode only. */
  field(key: string | null, value: JsonValue): void {
    if (!this.json) return;
    const top = this.stack[this.stack.length - 1] as Container;
    if (top.kind === 'array') top.value.push(value);
    // json_writer writes duplicate keys; JSON.parse keeps the last one, and so do we.
    else if (key !== null) top.value[key] = value;
  }

  /** PRINT_ANY: `text` in text mode, `key: value` in JSON mode. */
  any(key: string | null, text: string, value: JsonValue): void {
    if (this.json) this.field(key, value);
    else this.text += text;
  }

  /** print_nl(): a newline in text mode. */
  nl(): void {
    this.fp('\n');
  }

  /** open_json_object(key): a nested object in JSON mode (nothing in text mode). */
  openObject(key: string | null): void {
    if (!this.json) return;
    const value: JsonObject = {};
    this.field(key, value);
    this.stack.push({ kind: 'object', value });
  }

  closeObject(): void {
    if (this.json) this.stack.pop();
  }

  /** open_json_array(type, key-or-text): an array in JSON mode; `text` (if any) in text mode. */
  openArray(key: string, text = ''): void {
    if (!this.json) {
      this.text += text;
      return;
    }
    const value: JsonValue[] = [];
    this.field(key, value);
    this.stack.push({ kind: 'array', value });
  }

  closeArray(text = ''): void {
    if (this.json) this.stack.pop();
    else this.text += text;
  }

  /** The text printed so far. */
  toString(): string {
    return this.text;
  }
}
