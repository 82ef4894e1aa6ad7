/**
 * Generates `packages/core/src/wire/generated/*.ts` from the kernel's YNL netlink specs vendored in
 * `packages/core/specs/` (schema: the kernel's Documentation/netlink/netlink-raw.yaml).
 *
 * Run `tsx scripts/gen-netlink-specs.ts` to rewrite the files; `generate()` returns them in memory
 * so that a test can check the committed output is up to date. The emitted code is already in the
 * layout Biome's formatter produces, so `biome format` leaves it unchanged.
 *
 * Naming of what each module exports:
 * - enum and flags definitions: an `as const` object named after the C prefix, `name-prefix`
 *   upper-cased with `-` → `_` and trailing `_` removed (`rtn-` → `RTN`, `ifa-f-` → `IFA_F`), or
 *   the definition name the same way when there is no prefix (`rtext-filter` → `RTEXT_FILTER`);
 *   keys are the entry names upper-cased (`STABLE_PRIVACY`). Flags values are `1 << bit`, the bit
 *   being the entry's index, or its `value` when given (as in YNL, where a flags entry's `value`
 *   is a bit number); enum values count from `value-start` (default 0), continuing after an
 *   explicit `value`. Should that name be taken (by another definition or by an attribute-number
 *   object), the definition falls back to its own name; if that is taken too, generation fails.
 * - const definitions: `export const NAME = value;` (name as above).
 * - structs: `<camelCase name>Struct`, a `StructSpec` (`ifinfomsg` → `ifinfomsgStruct`,
 *   `rtnl-link-stats64` → `rtnlLinkStats64Struct`).
 * - attribute sets: `<camelCase name>Attrs`, the `-attrs` suffix not doubled (`link-attrs` →
 *   `linkAttrs`, `metrics` → `metricsAttrs`), an `AttrSet` built with `defineAttrSet`.
 * - attribute numbers: for every set that is not a `subset-of`, an `as const` object named from
 *   its `name-prefix` like definitions (`ifla-` → `IFLA`, `ifla-info-` → `IFLA_INFO`, `af-` → `AF`)
 *   with `UNSPEC: 0` first when the set has no attribute of value 0. Sets sharing a prefix
 *   share the object, as they share the C macro namespace (`IFLA_VF_INFO` and `IFLA_VF_MAC`
 *   are both 1); a key given two different values fails generation.
 * - operations: `<camelCase spec name>Ops` (`rtLinkOps`); message types the spec names:
 *   `<camelCase spec name>MsgTypes` (`rtLinkMsgTypes.NEWLINK`); multicast groups:
 *   `<camelCase spec name>McastGroups`; sub-messages: `<camelCase spec name>SubMessages`.
 *   `generated/index.ts` re-exports every module and merges the message types into `RTM` and the
 *   groups into `RTNLGRP` (one module per spec could not each export `RTM`).
 *
 * Export names must be unique across the modules (index.ts re-exports them all); generation fails
 * otherwise. Spec keys the generator does not know make it fail too, so that a spec update cannot
 * be silently half-translated.
 */
import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse } from 'yaml';

/** The specs, in the order the modules are generated. */
export const SPEC_FILES = ['rt-link.yaml', 'rt-addr.yaml', 'rt-route.yaml'] as const;

const SPECS_DIR = new URL('../packages/core/specs/', import.meta.url);
const OUT_DIR = new URL('../packages/core/src/wire/generated/', import.meta.url);
const GENERATOR = 'scripts/gen-netlink-specs.ts';
const LINE_WIDTH = 120;

// ---------------------------------------------------------------------------------------------
// Reading the YAML with checks

type Yaml = Record<string, unknown>;

class SpecError extends Error {}

function fail(where: string, message: string): never {
  throw new SpecError(`${where}: ${message}`);
}

function isRecord(value: unknown): value is Yaml {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function record(value: unknown, where: string): Yaml {
  if (!isRecord(value)) fail(where, 'expected a mapping');
  return value;
}

function list(value: unknown, where: string): unknown[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) fail(where, 'expected a list');
  return value;
}

function str(obj: Yaml, key: string, where: string): string {
  const value = obj[key];
  if (typeof value !== 'string') fail(where, `${key} must be a string`);
  return value;
}

function optStr(obj: Yaml, key: string, where: string): string | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'string') fail(where, `${key} must be a string`);
  return value;
}

function optInt(obj: Yaml, key: string, where: string): number | undefined {
  const value = obj[key];
  if (value === undefined || value === null) return undefined;
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) fail(where, `${key} must be an integer`);
  return value;
}

function optBool(obj: Yaml, key: string, where: string): boolean {
  const value = obj[key];
  if (value === undefined || value === null) return false;
  if (typeof value !== 'boolean') fail(where, `${key} must be true or false`);
  return value;
}

function knownKeys(obj: Yaml, allowed: readonly string[], where: string): void {
  for (const key of Object.keys(obj)) {
    if (!allowed.includes(key)) fail(where, `unsupported key '${key}' (teach ${GENERATOR} about it)`);
  }
}

// ---------------------------------------------------------------------------------------------
// Names

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;

/** `stable-privacy` → `STABLE_PRIVACY`. */
function macroName(name: string): string {
  return name.toUpperCase().replace(/-/g, '_');
}

/** `ifla-info-` → `IFLA_INFO`. */
function prefixName(prefix: string): string {
  return macroName(prefix).replace(/_+$/, '');
}

/** `rtnl-link-stats64` → `rtnlLinkStats64`. */
function camelCase(name: string): string {
  const out = name
    .split(/[-_]/)
    .filter((part) => part.length > 0)
    .map((part, i) => (i === 0 ? part : part.charAt(0).toUpperCase() + part.slice(1)))
    .join('');
  if (!IDENTIFIER.test(out)) throw new SpecError(`cannot make an identifier of '${name}'`);
  return out;
}

function structConst(name: string): string {
  return `${camelCase(name)}Struct`;
}

function setConst(name: string): string {
  return `${camelCase(name.replace(/-attrs$/, ''))}Attrs`;
}

// ---------------------------------------------------------------------------------------------
// A small printer producing Biome's layout (width 120, 2 spaces, single quotes, trailing commas)

type Node =
  | { readonly t: 'raw'; readonly text: string }
  | { readonly t: 'obj'; readonly entries: readonly Entry[]; readonly expand?: boolean }
  | { readonly t: 'arr'; readonly items: readonly Item[] };

interface Entry {
  readonly key: string;
  readonly value: Node;
  readonly comments?: readonly string[];
}

interface Item {
  readonly value: Node;
  readonly comments?: readonly string[];
}

const raw = (text: string): Node => ({ t: 'raw', text });
const num = (value: number | bigint): Node => raw(typeof value === 'bigint' ? `${value}n` : String(value));
const hex = (value: number): Node => raw(`0x${value.toString(16)}`);
const strLit = (value: string): Node => raw(quote(value));
const obj = (entries: readonly Entry[], expand = false): Node => ({ t: 'obj', entries, expand });
const arr = (items: readonly Item[]): Node => ({ t: 'arr', items });
const strArr = (values: readonly string[]): Node => arr(values.map((value) => ({ value: strLit(value) })));

function quote(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'").replace(/\n/g, '\\n')}'`;
}

function key(name: string): string {
  return IDENTIFIER.test(name) ? name : quote(name);
}

/** A spec's `doc`, whitespace folded, safe inside a comment. */
function folded(doc: string): string {
  return doc.replace(/\s+/g, ' ').trim().replace(/\*\//g, '*\\/');
}

/** A one-line JSDoc comment: `what.` then the spec's `doc`, if any. */
function docComment(what: string | undefined, doc?: string): string {
  const text = [what === undefined ? undefined : `${what}.`, doc === undefined ? undefined : folded(doc)];
  return `/** ${text.filter((t) => t !== undefined).join(' ')} */`;
}

/** Whether the node must print expanded: comments inside, a forced object, or Biome's rule for
 * arrays of several objects (or arrays) that each have more than one member. */
function mustBreak(node: Node): boolean {
  switch (node.t) {
    case 'raw':
      return false;
    case 'obj':
      if (node.entries.length === 0) return false;
      return node.expand === true || node.entries.some((e) => e.comments?.length || mustBreak(e.value));
    case 'arr': {
      if (node.items.some((i) => i.comments?.length || mustBreak(i.value))) return true;
      const [first] = node.items;
      if (node.items.length < 2 || first === undefined) return false;
      const size = (n: Node) => (n.t === 'obj' ? n.entries.length : n.t === 'arr' ? n.items.length : 0);
      return node.items.every((i) => i.value.t === first.value.t && i.value.t !== 'raw' && size(i.value) > 1);
    }
  }
}

function flat(node: Node): string {
  switch (node.t) {
    case 'raw':
      return node.text;
    case 'obj':
      return node.entries.length === 0
        ? '{}'
        : `{ ${node.entries.map((e) => `${e.key}: ${flat(e.value)}`).join(', ')} }`;
    case 'arr':
      return `[${node.items.map((i) => flat(i.value)).join(', ')}]`;
  }
}

/** Prints `node` starting at column `col`, followed on the same line by `suffix` characters. */
function print(node: Node, indent: number, col: number, suffix: number): string {
  if (!mustBreak(node)) {
    const text = flat(node);
    if (col + text.length + suffix <= LINE_WIDTH || node.t === 'raw') return text;
  }
  const pad = ' '.repeat(indent + 2);
  const comments = (list: readonly string[] | undefined) => (list ?? []).map((c) => `${pad}${c}\n`).join('');
  if (node.t === 'obj') {
    const body = node.entries
      .map((e) => {
        const head = `${pad}${e.key}: `;
        return `${comments(e.comments)}${head}${print(e.value, indent + 2, head.length, 1)},\n`;
      })
      .join('');
    return `{\n${body}${' '.repeat(indent)}}`;
  }
  if (node.t === 'arr') {
    const body = node.items
      .map((i) => `${comments(i.comments)}${pad}${print(i.value, indent + 2, pad.length, 1)},\n`)
      .join('');
    return `[\n${body}${' '.repeat(indent)}]`;
  }
  return node.text;
}

/** `export const name = node;` (or `… as const;`, or with a type annotation). */
function constDecl(name: string, node: Node, options: { asConst?: boolean; type?: string } = {}): string {
  const head = `export const ${name}${options.type ? `: ${options.type}` : ''} = `;
  const tail = options.asConst ? ' as const;' : ';';
  return `${head}${print(node, 0, head.length, tail.length)}${tail}`;
}

/** `export const name = fn('a', node);`, hugging the last argument when it does not fit. */
function callDecl(name: string, fn: string, firstArg: string, node: Node): string {
  const head = `export const ${name} = ${fn}(${firstArg}, `;
  if (!mustBreak(node)) {
    const text = flat(node);
    if (head.length + text.length + 2 <= LINE_WIDTH) return `${head}${text});`;
  }
  // Starting the array past the line width makes it print expanded: `fn('a', [` … `]);`.
  return `${head}${print(node, 0, LINE_WIDTH, 2)});`;
}

// ---------------------------------------------------------------------------------------------
// The model of one spec

interface EnumDef {
  readonly kind: 'enum' | 'flags';
  readonly name: string;
  readonly prefix: string | undefined;
  readonly doc: string | undefined;
  readonly entries: readonly { readonly key: string; readonly value: number; readonly doc: string | undefined }[];
}

interface ConstDef {
  readonly kind: 'const';
  readonly name: string;
  readonly prefix: string | undefined;
  readonly doc: string | undefined;
  readonly value: number;
}

interface StructMemberDef {
  readonly name: string;
  readonly kind: string;
  readonly offset: number;
  readonly size: number;
  readonly bigEndian: boolean;
  readonly enumName: string | undefined;
}

interface StructDef {
  readonly kind: 'struct';
  readonly name: string;
  readonly doc: string | undefined;
  readonly size: number;
  readonly members: readonly StructMemberDef[];
}

type Definition = EnumDef | ConstDef | StructDef;

interface AttrDef {
  readonly name: string;
  readonly value: number;
  readonly yaml: Yaml;
}

interface SetDef {
  readonly name: string;
  readonly prefix: string | undefined;
  readonly subsetOf: string | undefined;
  readonly doc: string | undefined;
  readonly attrs: readonly AttrDef[];
}

const INT_SIZES: Readonly<Record<string, number>> = { u8: 1, u16: 2, u32: 4, u64: 8, s8: 1, s16: 2, s32: 4, s64: 8 };

function limit(name: string): bigint | undefined {
  const m = /^([su])(8|16|32|64)-(min|max)$/.exec(name);
  if (!m) return undefined;
  const bits = BigInt(m[2] ?? '0');
  if (m[1] === 'u') return m[3] === 'min' ? 0n : (1n << bits) - 1n;
  return m[3] === 'min' ? -(1n << (bits - 1n)) : (1n << (bits - 1n)) - 1n;
}

function parseDefinitions(spec: Yaml, where: string): Definition[] {
  const defs: Definition[] = [];
  for (const [i, item] of list(spec.definitions, `${where}: definitions`).entries()) {
    const d = record(item, `${where}: definitions[${i}]`);
    const name = str(d, 'name', `${where}: definitions[${i}]`);
    const at = `${where}: definition ${name}`;
    const type = str(d, 'type', at);
    const doc = optStr(d, 'doc', at);
    if (type === 'enum' || type === 'flags') {
      knownKeys(d, ['name', 'type', 'doc', 'header', 'enum-name', 'name-prefix', 'entries', 'value-start'], at);
      let next = optInt(d, 'value-start', at) ?? 0;
      const entries = list(d.entries, at).map((entry) => {
        const e = typeof entry === 'string' ? { name: entry } : record(entry, at);
        knownKeys(e, ['name', 'value', 'doc'], at);
        const value = optInt(e, 'value', at) ?? next;
        next = value + 1;
        const entryName = str(e, 'name', at);
        if (type === 'flags' && (value < 0 || value > 52)) fail(at, `flag bit ${value} out of range`);
        return { key: macroName(entryName), value: type === 'flags' ? 2 ** value : value, doc: optStr(e, 'doc', at) };
      });
      defs.push({ kind: type, name, prefix: optStr(d, 'name-prefix', at), doc, entries });
    } else if (type === 'const') {
      knownKeys(d, ['name', 'type', 'doc', 'header', 'name-prefix', 'value'], at);
      const value = optInt(d, 'value', at);
      if (value === undefined) fail(at, 'const without value');
      defs.push({ kind: 'const', name, prefix: optStr(d, 'name-prefix', at), doc, value });
    } else if (type === 'struct') {
      knownKeys(d, ['name', 'type', 'doc', 'header', 'members'], at);
      let offset = 0;
      let align = 1;
      const members = list(d.members, at).map((item) => {
        const m = record(item, at);
        knownKeys(m, ['name', 'type', 'len', 'byte-order', 'display-hint', 'enum', 'enum-as-flags', 'doc'], at);
        const memberName = str(m, 'name', at);
        const kind = str(m, 'type', `${at}.${memberName}`);
        let size: number;
        const intSize = INT_SIZES[kind];
        if (intSize !== undefined) {
          size = intSize;
          offset = Math.ceil(offset / size) * size; // natural alignment
          align = Math.max(align, size);
        } else if (kind === 'pad' || kind === 'binary') {
          const len = optInt(m, 'len', `${at}.${memberName}`);
          if (len === undefined) fail(`${at}.${memberName}`, `${kind} member without len`);
          size = len;
        } else {
          fail(`${at}.${memberName}`, `unsupported struct member type ${kind}`);
        }
        const member: StructMemberDef = {
          name: memberName,
          kind,
          offset,
          size,
          bigEndian: optStr(m, 'byte-order', at) === 'big-endian',
          enumName: optStr(m, 'enum', at),
        };
        offset += size;
        return member;
      });
      const size = Math.ceil(offset / align) * align; // sizeof(): padded to the largest alignment
      defs.push({ kind: 'struct', name, doc, size, members });
    } else {
      fail(at, `unsupported definition type ${type}`);
    }
  }
  return defs;
}

const ATTR_KEYS = [
  'name',
  'type',
  'value',
  'doc',
  'nested-attributes',
  'struct',
  'checks',
  'multi-attr',
  'byte-order',
  'display-hint',
  'enum',
  'enum-as-flags',
  'sub-type',
  'sub-message',
  'selector',
] as const;

function parseSets(spec: Yaml, where: string): SetDef[] {
  const sets: SetDef[] = [];
  const byName = new Map<string, SetDef>();
  for (const [i, item] of list(spec['attribute-sets'], `${where}: attribute-sets`).entries()) {
    const s = record(item, `${where}: attribute-sets[${i}]`);
    const name = str(s, 'name', `${where}: attribute-sets[${i}]`);
    const at = `${where}: attribute-set ${name}`;
    knownKeys(
      s,
      ['name', 'name-prefix', 'attributes', 'subset-of', 'doc', 'header', 'attr-max-name', 'attr-cnt-name'],
      at,
    );
    const subsetOf = optStr(s, 'subset-of', at);
    const attrs: AttrDef[] = [];
    if (subsetOf !== undefined) {
      const base = byName.get(subsetOf) ?? fail(at, `subset-of unknown set ${subsetOf}`);
      for (const a of list(s.attributes, at)) {
        const y = record(a, at);
        knownKeys(y, ATTR_KEYS, at);
        const attrName = str(y, 'name', at);
        const parent = base.attrs.find((p) => p.name === attrName) ?? fail(at, `${attrName} is not in ${subsetOf}`);
        if (y.value !== undefined && y.value !== parent.value) fail(`${at}.${attrName}`, 'value differs from the set');
        attrs.push({ name: attrName, value: parent.value, yaml: { ...parent.yaml, ...y } });
      }
    } else {
      let next = 1;
      for (const a of list(s.attributes, at)) {
        const y = record(a, at);
        knownKeys(y, ATTR_KEYS, at);
        const attrName = str(y, 'name', at);
        const value = optInt(y, 'value', `${at}.${attrName}`) ?? next;
        next = value + 1;
        attrs.push({ name: attrName, value, yaml: y });
      }
    }
    const seen = new Map<number, string>();
    for (const a of attrs) {
      const other = seen.get(a.value);
      if (other !== undefined) fail(at, `${other} and ${a.name} both have value ${a.value}`);
      seen.set(a.value, a.name);
    }
    const prefix = optStr(s, 'name-prefix', at) ?? (subsetOf === undefined ? undefined : byName.get(subsetOf)?.prefix);
    const set: SetDef = { name, prefix, subsetOf, doc: optStr(s, 'doc', at), attrs };
    sets.push(set);
    byName.set(name, set);
  }
  return sets;
}

// ---------------------------------------------------------------------------------------------
// Emitting one module

interface Module {
  readonly file: string;
  readonly text: string;
  readonly exports: readonly string[];
  readonly msgTypes: ReadonlyMap<string, number>;
  readonly mcastGroups: ReadonlyMap<string, number>;
  readonly msgTypesConst: string;
  readonly mcastGroupsConst: string | undefined;
  readonly spdx: string;
}

function spdxLine(source: string, where: string): string {
  const line = source.split('\n').find((l) => l.includes('SPDX-License-Identifier:'));
  if (line === undefined) fail(where, 'no SPDX-License-Identifier line');
  return line.replace(/^#\s*/, '').trim();
}

function header(from: string, spdx: readonly string[]): string {
  const lines = [`// Generated by ${GENERATOR} from ${from} — do not edit.`, ...spdx.map((l) => `// ${l}`)];
  return `${lines.join('\n')}\n`;
}

function resolveCheck(value: unknown, consts: ReadonlyMap<string, number>, at: string): number | bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return value;
  if (typeof value === 'string') {
    const c = consts.get(value);
    if (c !== undefined) return c;
    const l = limit(value);
    if (l !== undefined)
      return l >= BigInt(Number.MIN_SAFE_INTEGER) && l <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(l) : l;
  }
  fail(at, `cannot resolve check value ${String(value)}`);
}

function checkInt(value: number | bigint, at: string, what: string): number {
  if (typeof value !== 'number' || value < 0) fail(at, `${what} must be a non-negative length`);
  return value;
}

const NLA_TYPES: Readonly<Record<string, string>> = {
  u8: 'u8',
  u16: 'u16',
  u32: 'u32',
  u64: 'u64',
  s8: 's8',
  s16: 's16',
  s32: 's32',
  s64: 's64',
  uint: 'uint',
  sint: 'sint',
  string: 'string',
  binary: 'binary',
  flag: 'flag',
  nest: 'nested',
  'indexed-array': 'nested-array',
  'nest-type-value': 'nested-array',
  unused: 'unspec',
  pad: 'unspec',
  'sub-message': 'binary',
  bitfield32: 'bitfield32',
};

interface Context {
  readonly where: string;
  readonly sets: ReadonlyMap<string, SetDef>;
  readonly structs: ReadonlyMap<string, StructDef>;
  readonly enums: ReadonlySet<string>;
  readonly consts: ReadonlyMap<string, number>;
  readonly subMessages: ReadonlySet<string>;
}

/** One attribute as an `AttrSpec` literal, with the comments that go above it. */
function attrItem(set: SetDef, attr: AttrDef, ctx: Context): Item {
  const y = attr.yaml;
  const at = `${ctx.where}: ${set.name}.${attr.name}`;
  const type = str(y, 'type', at);
  const nla = NLA_TYPES[type] ?? fail(at, `unsupported attribute type ${type}`);
  const entries: Entry[] = [
    { key: 'name', value: strLit(attr.name) },
    { key: 'type', value: num(attr.value) },
    { key: 'nla', value: strLit(nla) },
  ];
  const comments: string[] = [];
  const doc = optStr(y, 'doc', at);
  if (doc !== undefined) comments.push(docComment(undefined, doc));
  const subType = optStr(y, 'sub-type', at);
  const isArray =
    type === 'indexed-array' || type === 'nest-type-value' || (type === 'binary' && subType !== undefined);
  // For arrays, byte order, display hint and checks describe the elements, not the attribute.
  const elementNotes: string[] = [];

  const checksYaml = y.checks === undefined ? undefined : record(y.checks, `${at}.checks`);
  let len: number | undefined;
  let minLen: number | undefined;
  let min: number | bigint | undefined;
  let max: number | bigint | undefined;
  if (checksYaml !== undefined) {
    knownKeys(checksYaml, ['max-len', 'min-len', 'exact-len', 'min', 'max', 'unterminated-ok'], `${at}.checks`);
    const get = (k: string) => (checksYaml[k] === undefined ? undefined : resolveCheck(checksYaml[k], ctx.consts, at));
    const maxLen = get('max-len');
    const minLenCheck = get('min-len');
    const exactLen = get('exact-len');
    const minCheck = get('min');
    const maxCheck = get('max');
    if (isArray) {
      for (const [k, v] of [
        ['max-len', maxLen],
        ['min-len', minLenCheck],
        ['exact-len', exactLen],
        ['min', minCheck],
        ['max', maxCheck],
      ] as const) {
        if (v !== undefined) elementNotes.push(`${k} ${v}`);
      }
    } else {
      if (maxLen !== undefined) len = checkInt(maxLen, at, 'max-len');
      if (minLenCheck !== undefined) minLen = checkInt(minLenCheck, at, 'min-len');
      if (exactLen !== undefined) {
        len = checkInt(exactLen, at, 'exact-len');
        minLen = len;
      }
      min = minCheck;
      max = maxCheck;
    }
    if (checksYaml['unterminated-ok'] === true) comments.push('// unterminated-ok: the string need not end in NUL');
  }

  const struct = optStr(y, 'struct', at);
  if (struct !== undefined) {
    const s = ctx.structs.get(struct) ?? fail(at, `unknown struct ${struct}`);
    // The kernel's `.len = sizeof(struct …)` policy: shorter payloads are rejected.
    if (minLen === undefined || minLen < s.size) minLen = s.size;
  }
  if (len !== undefined) entries.push({ key: 'len', value: num(len) });
  if (minLen !== undefined) entries.push({ key: 'minLen', value: num(minLen) });
  if (min !== undefined) entries.push({ key: 'min', value: num(min) });
  if (max !== undefined) entries.push({ key: 'max', value: num(max) });

  const nestedName = optStr(y, 'nested-attributes', at);
  if (nestedName !== undefined) {
    if (!ctx.sets.has(nestedName)) fail(at, `unknown nested-attributes ${nestedName}`);
    entries.push({ key: 'nested', value: raw(`() => ${setConst(nestedName)}`) });
  } else if (type === 'nest') {
    fail(at, 'nest without nested-attributes');
  }
  if (struct !== undefined) entries.push({ key: 'struct', value: strLit(struct) });

  const bigEndian = optStr(y, 'byte-order', at) === 'big-endian';
  const displayHint = optStr(y, 'display-hint', at);
  if (isArray) {
    if (bigEndian) elementNotes.unshift('big-endian');
    if (displayHint !== undefined) elementNotes.unshift(`display-hint ${displayHint}`);
  } else {
    if (bigEndian) entries.push({ key: 'bigEndian', value: raw('true') });
    if (displayHint !== undefined) entries.push({ key: 'displayHint', value: strLit(displayHint) });
  }
  const enumName = optStr(y, 'enum', at);
  if (enumName !== undefined) {
    if (!ctx.enums.has(enumName)) fail(at, `unknown enum ${enumName}`);
    entries.push({ key: 'enumName', value: strLit(enumName) });
  }
  if (optBool(y, 'multi-attr', at)) entries.push({ key: 'multi', value: raw('true') });

  if (type === 'sub-message') {
    const sub = optStr(y, 'sub-message', at) ?? fail(at, 'sub-message attribute without sub-message');
    if (!ctx.subMessages.has(sub)) fail(at, `unknown sub-message ${sub}`);
    entries.push({ key: 'subMessage', value: strLit(sub) });
    const selector = optStr(y, 'selector', at);
    comments.push(`// sub-message ${sub}: format chosen by the value of the sibling attribute '${selector ?? '?'}'`);
  }
  if (type === 'pad') comments.push('// pad: alignment padding for 64-bit attributes, carries no data');
  if (isArray) {
    const element = subType === 'nest' ? `${nestedName ?? '?'} nests` : `${subType ?? '?'} elements`;
    const notes = elementNotes.length > 0 ? ` (${elementNotes.join(', ')})` : '';
    comments.push(`// ${type === 'binary' ? 'binary array' : type} of ${element}${notes}`);
  }
  return comments.length > 0 ? { value: obj(entries), comments } : { value: obj(entries) };
}

function emitModule(file: string, source: string, taken: Set<string>): Module {
  const where = file;
  const spec = record(parse(source, { maxAliasCount: -1 }), where);
  knownKeys(
    spec,
    [
      'name',
      'protocol',
      'uapi-header',
      'protonum',
      'doc',
      'definitions',
      'attribute-sets',
      'sub-messages',
      'operations',
      'mcast-groups',
    ],
    where,
  );
  const specName = str(spec, 'name', where);
  const protocol = str(spec, 'protocol', where);
  if (protocol !== 'netlink-raw') fail(where, `protocol ${protocol} is not netlink-raw`);
  const spdx = spdxLine(source, where);
  const base = camelCase(specName);

  const exports: string[] = [];
  const claim = (name: string, at: string): string => {
    if (taken.has(name)) fail(at, `export name ${name} is already used`);
    taken.add(name);
    exports.push(name);
    return name;
  };

  const defs = parseDefinitions(spec, where);
  const sets = parseSets(spec, where);
  const structs = new Map(defs.flatMap((d) => (d.kind === 'struct' ? [[d.name, d] as const] : [])));
  const consts = new Map(defs.flatMap((d) => (d.kind === 'const' ? [[d.name, d.value] as const] : [])));
  const enums = new Set(defs.flatMap((d) => (d.kind === 'enum' || d.kind === 'flags' ? [d.name] : [])));
  const subMessageList = list(spec['sub-messages'], `${where}: sub-messages`).map((s, i) =>
    record(s, `${where}: sub-messages[${i}]`),
  );
  const ctx: Context = {
    where,
    sets: new Map(sets.map((s) => [s.name, s])),
    structs,
    enums,
    consts,
    subMessages: new Set(subMessageList.map((s, i) => str(s, 'name', `${where}: sub-messages[${i}]`))),
  };

  // Attribute numbers first: they own the kernel prefixes (IFLA, IFA, RTA, …).
  const numberObjects = new Map<string, SetDef[]>();
  for (const set of sets) {
    if (set.subsetOf !== undefined) continue;
    if (set.prefix === undefined) fail(`${where}: attribute-set ${set.name}`, 'no name-prefix');
    const name = prefixName(set.prefix);
    const group = numberObjects.get(name);
    if (group) group.push(set);
    else numberObjects.set(name, [set]);
  }
  const numberBlocks: string[] = [];
  for (const [name, group] of numberObjects) {
    claim(name, `${where}: attribute numbers ${name}`);
    const values = new Map<string, number>();
    const entries: Entry[] = [];
    const add = (k: string, v: number, comments?: string[]) => {
      const prev = values.get(k);
      if (prev !== undefined) {
        if (prev !== v) fail(`${where}: ${name}`, `${k} is both ${prev} and ${v}`);
        return;
      }
      values.set(k, v);
      entries.push(comments ? { key: key(k), value: num(v), comments } : { key: key(k), value: num(v) });
    };
    if (group.some((s) => !s.attrs.some((a) => a.value === 0))) add('UNSPEC', 0);
    const nonEmpty = group.filter((s) => s.attrs.length > 0);
    for (const set of group) {
      set.attrs.forEach((a, i) => {
        add(macroName(a.name), a.value, nonEmpty.length > 1 && i === 0 ? [`// ${set.name}`] : undefined);
      });
    }
    const sources = group.map((s) => s.name).join(', ');
    numberBlocks.push(
      `/** ${name}_* attribute types (${sources}). */\n${constDecl(name, obj(entries, true), { asConst: true })}`,
    );
  }

  const enumBlocks: string[] = [];
  const structBlocks: string[] = [];
  for (const def of defs) {
    const at = `${where}: definition ${def.name}`;
    if (def.kind === 'struct') {
      const members = def.members.map((m): Item => {
        const entries: Entry[] = [
          { key: 'name', value: strLit(m.name) },
          { key: 'kind', value: strLit(m.kind) },
          { key: 'offset', value: num(m.offset) },
          { key: 'size', value: num(m.size) },
        ];
        if (m.bigEndian) entries.push({ key: 'bigEndian', value: raw('true') });
        if (m.enumName !== undefined) {
          if (!enums.has(m.enumName)) fail(at, `unknown enum ${m.enumName}`);
          entries.push({ key: 'enumName', value: strLit(m.enumName) });
        }
        return { value: obj(entries) };
      });
      const node = obj(
        [
          { key: 'name', value: strLit(def.name) },
          { key: 'size', value: num(def.size) },
          { key: 'members', value: arr(members) },
        ],
        true,
      );
      const comment = docComment(
        `struct ${def.name.replace(/-/g, '_')}, ${def.size} byte${def.size === 1 ? '' : 's'}`,
        def.doc,
      );
      structBlocks.push(`${comment}\n${constDecl(claim(structConst(def.name), at), node, { type: 'StructSpec' })}`);
      continue;
    }
    const preferred = prefixName(def.prefix ?? def.name);
    const fallback = macroName(def.name);
    const name = taken.has(preferred) && fallback !== preferred ? fallback : preferred;
    claim(name, at);
    if (def.kind === 'const') {
      enumBlocks.push(`${docComment(`Const ${def.name}`, def.doc)}\nexport const ${name} = ${def.value};`);
      continue;
    }
    const entries = def.entries.map((e): Entry => {
      const value = def.kind === 'flags' ? hex(e.value) : num(e.value);
      return e.doc === undefined
        ? { key: key(e.key), value }
        : { key: key(e.key), value, comments: [docComment(undefined, e.doc)] };
    });
    const what = `${def.kind === 'flags' ? 'Flags' : 'Enum'} ${def.name}${name === preferred ? '' : ` (named after the definition: ${preferred} is taken)`}`;
    enumBlocks.push(`${docComment(what, def.doc)}\n${constDecl(name, obj(entries, true), { asConst: true })}`);
  }

  const setBlocks: string[] = [];
  for (const set of sets) {
    const name = claim(setConst(set.name), `${where}: attribute-set ${set.name}`);
    const items = set.attrs.map((a) => attrItem(set, a, ctx));
    const about = set.subsetOf === undefined ? `Attribute set ${set.name}` : `${set.name}, a subset of ${set.subsetOf}`;
    setBlocks.push(`${docComment(about, set.doc)}\n${callDecl(name, 'defineAttrSet', quote(set.name), arr(items))}`);
  }

  const subBlocks: string[] = [];
  if (subMessageList.length > 0) {
    const entries = subMessageList.map((s): Entry => {
      const subName = str(s, 'name', where);
      const at = `${where}: sub-message ${subName}`;
      knownKeys(s, ['name', 'formats', 'doc'], at);
      const formats = list(s.formats, at).map((f): Entry => {
        const fy = record(f, at);
        knownKeys(fy, ['value', 'attribute-set', 'doc'], at);
        const value = str(fy, 'value', at);
        const setName = str(fy, 'attribute-set', at);
        if (!ctx.sets.has(setName)) fail(at, `unknown attribute-set ${setName}`);
        return { key: key(value), value: raw(setConst(setName)) };
      });
      return { key: key(subName), value: obj(formats, true) };
    });
    const name = claim(`${base}SubMessages`, `${where}: sub-messages`);
    subBlocks.push(
      `/** Sub-messages: the attribute set of each format, by the selector attribute's value. */\n${constDecl(
        name,
        obj(entries, true),
        { type: 'Readonly<Record<string, Readonly<Record<string, AttrSet>>>>' },
      )}`,
    );
  }

  // Operations
  const opsYaml = record(spec.operations ?? {}, `${where}: operations`);
  knownKeys(opsYaml, ['enum-model', 'name-prefix', 'fixed-header', 'list'], `${where}: operations`);
  const enumModel = optStr(opsYaml, 'enum-model', where);
  if (enumModel !== 'directional') fail(where, `enum-model ${enumModel ?? '(none)'} is not directional`);
  const opsPrefix = optStr(opsYaml, 'name-prefix', where) ?? 'rtm-';
  if (opsPrefix !== 'rtm-') fail(where, `operations name-prefix ${opsPrefix} is not rtm-`);
  const defaultHeader = optStr(opsYaml, 'fixed-header', where);
  const msgTypes = new Map<string, number>();
  const nameType = (n: string, v: number, at: string) => {
    const prev = msgTypes.get(n);
    if (prev !== undefined && prev !== v) fail(at, `RTM_${n} is both ${prev} and ${v}`);
    msgTypes.set(n, v);
  };
  const named = () => new Set(msgTypes.values());
  const replies: { op: string; value: number; at: string }[] = [];
  const notifies: { op: string; value: number; at: string }[] = [];
  const opEntries: Entry[] = [];
  for (const [i, item] of list(opsYaml.list, `${where}: operations.list`).entries()) {
    const op = record(item, `${where}: operations.list[${i}]`);
    const opName = str(op, 'name', `${where}: operations.list[${i}]`);
    const at = `${where}: operation ${opName}`;
    knownKeys(
      op,
      ['name', 'doc', 'attribute-set', 'fixed-header', 'do', 'dump', 'notify', 'event', 'value', 'mcgrp', 'flags'],
      at,
    );
    const entries: Entry[] = [];
    const attrSet = optStr(op, 'attribute-set', at);
    const set = attrSet === undefined ? undefined : (ctx.sets.get(attrSet) ?? fail(at, `unknown set ${attrSet}`));
    if (attrSet !== undefined) entries.push({ key: 'attributeSet', value: strLit(attrSet) });
    const fixedHeader = optStr(op, 'fixed-header', at) ?? defaultHeader;
    if (fixedHeader !== undefined) {
      if (!structs.has(fixedHeader)) fail(at, `unknown fixed-header ${fixedHeader}`);
      entries.push({ key: 'fixedHeader', value: strLit(fixedHeader) });
    }
    const value = optInt(op, 'value', at);
    if (value !== undefined) entries.push({ key: 'value', value: num(value) });
    for (const k of ['notify', 'mcgrp'] as const) {
      const v = optStr(op, k, at);
      if (v !== undefined) entries.push({ key: k, value: strLit(v) });
    }
    const flags = list(op.flags, at).map((f) => (typeof f === 'string' ? f : fail(at, 'flags must be strings')));
    if (flags.length > 0) entries.push({ key: 'flags', value: strArr(flags) });
    const message = (m: unknown, mAt: string): Node => {
      const y = record(m, mAt);
      knownKeys(y, ['value', 'attributes'], mAt);
      const attributes = list(y.attributes, mAt).map((a) => (typeof a === 'string' ? a : fail(mAt, 'bad attribute')));
      for (const a of attributes) {
        if (set && !set.attrs.some((s) => s.name === a)) fail(mAt, `${a} is not in ${set.name}`);
      }
      const mEntries: Entry[] = [];
      const v = optInt(y, 'value', mAt);
      if (v !== undefined) mEntries.push({ key: 'value', value: num(v) });
      mEntries.push({ key: 'attributes', value: strArr(attributes) });
      return obj(mEntries);
    };
    for (const mode of ['do', 'dump'] as const) {
      if (op[mode] === undefined) continue;
      const m = record(op[mode], `${at}.${mode}`);
      knownKeys(m, ['request', 'reply'], `${at}.${mode}`);
      const parts: Entry[] = [];
      for (const dir of ['request', 'reply'] as const) {
        if (m[dir] === undefined) continue;
        const mAt = `${at}.${mode}.${dir}`;
        parts.push({ key: dir, value: message(m[dir], mAt) });
        const v = optInt(record(m[dir], mAt), 'value', mAt);
        if (v === undefined) continue;
        if (dir === 'request') nameType(macroName(opName), v, mAt);
        else replies.push({ op: opName, value: v, at: mAt });
      }
      entries.push({ key: mode, value: obj(parts) });
    }
    if (op.event !== undefined) entries.push({ key: 'event', value: message(op.event, `${at}.event`) });
    if (value !== undefined) notifies.push({ op: opName, value, at });
    const doc = optStr(op, 'doc', at);
    opEntries.push(
      doc === undefined
        ? { key: key(opName), value: obj(entries) }
        : { key: key(opName), value: obj(entries), comments: [docComment(undefined, doc)] },
    );
  }
  // Replies to RTM_GET<x> are RTM_NEW<x> (kind NEW: (type - 16) & 3 === 0), as in the kernel.
  for (const r of replies) {
    if (named().has(r.value)) continue;
    if (!r.op.startsWith('get') || ((r.value - 16) & 3) !== 0) fail(r.at, `cannot name reply type ${r.value}`);
    nameType(macroName(`new${r.op.slice(3)}`), r.value, r.at);
  }
  for (const n of notifies) {
    if (named().has(n.value)) continue;
    nameType(macroName(n.op.replace(/-(ntf|event)$/, '')), n.value, n.at);
  }
  const opsConst = claim(`${base}Ops`, `${where}: operations`);
  const msgTypesConst = claim(`${base}MsgTypes`, `${where}: message types`);
  const sortedTypes = [...msgTypes].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
  const opsBlocks = [
    `/** Operations (directional: request and reply carry their own message types). */\n${constDecl(
      opsConst,
      obj(opEntries, true),
      { asConst: true },
    )}`,
    `/** RTM_* message types ${specName} uses (all of them merged in \`RTM\`). */\n${constDecl(
      msgTypesConst,
      obj(
        sortedTypes.map(([k, v]) => ({ key: key(k), value: num(v) })),
        true,
      ),
      { asConst: true },
    )}`,
  ];

  // Multicast groups
  const mcastYaml = record(spec['mcast-groups'] ?? {}, `${where}: mcast-groups`);
  knownKeys(mcastYaml, ['list'], `${where}: mcast-groups`);
  const mcastGroups = new Map<string, number>();
  for (const [i, g] of list(mcastYaml.list, `${where}: mcast-groups.list`).entries()) {
    const gy = record(g, `${where}: mcast-groups.list[${i}]`);
    knownKeys(gy, ['name', 'value', 'doc'], `${where}: mcast-groups.list[${i}]`);
    const gName = str(gy, 'name', `${where}: mcast-groups.list[${i}]`);
    const at = `${where}: mcast group ${gName}`;
    const value = optInt(gy, 'value', at) ?? fail(at, 'no value');
    if (!gName.startsWith('rtnlgrp-')) fail(at, 'name does not start with rtnlgrp-');
    mcastGroups.set(macroName(gName.slice('rtnlgrp-'.length)), value);
  }
  const mcastGroupsConst = mcastGroups.size === 0 ? undefined : claim(`${base}McastGroups`, `${where}: mcast-groups`);
  if (mcastGroupsConst !== undefined)
    opsBlocks.push(
      `/** RTNLGRP_* multicast groups ${specName} names (all of them merged in \`RTNLGRP\`). */\n${constDecl(
        mcastGroupsConst,
        obj(
          [...mcastGroups].map(([k, v]) => ({ key: key(k), value: num(v) })),
          true,
        ),
        { asConst: true },
      )}`,
    );

  const imports: string[] = [];
  if (subBlocks.length > 0) imports.push('type AttrSet');
  if (setBlocks.length > 0) imports.push('defineAttrSet');
  if (structBlocks.length > 0) imports.push('type StructSpec');
  const doc = optStr(spec, 'doc', where);
  const parts: string[] = [
    `${header(`packages/core/specs/${file}`, [spdx])}${doc === undefined ? '' : `// ${specName}: ${folded(doc)}\n`}`.trimEnd(),
  ];
  if (imports.length > 0) parts.push(`import { ${imports.join(', ')} } from '../attr-types';`);
  const add = (title: string, list: string[]) => {
    if (list.length > 0) parts.push(`// ${title}`, ...list);
  };
  add('Definitions: enums and flags', enumBlocks);
  add('Definitions: structs', structBlocks);
  add('Attribute numbers', numberBlocks);
  add('Attribute sets', setBlocks);
  add('Sub-messages', subBlocks);
  add('Operations, message types and multicast groups', opsBlocks);
  const text = `${parts.join('\n\n')}\n`;
  return {
    file: `${file.replace(/\.yaml$/, '')}.ts`,
    text,
    exports,
    msgTypes,
    mcastGroups,
    msgTypesConst,
    mcastGroupsConst,
    spdx,
  };
}

function mergeNumbers(what: string, modules: readonly Module[], pick: (m: Module) => ReadonlyMap<string, number>) {
  const merged = new Map<string, number>();
  for (const m of modules) {
    for (const [k, v] of pick(m)) {
      const prev = merged.get(k);
      if (prev !== undefined && prev !== v) fail(m.file, `${what}_${k} is ${v} here but ${prev} elsewhere`);
      merged.set(k, v);
    }
  }
  return [...merged].sort((a, b) => a[1] - b[1] || a[0].localeCompare(b[0]));
}

/** Generates the modules from spec sources (file name → YAML text); what {@link generate} does on disk's specs. */
export function generateFrom(specs: ReadonlyMap<string, string>): Map<string, string> {
  const taken = new Set<string>(['RTM', 'RTNLGRP']);
  const modules = [...specs].map(([file, source]) => emitModule(file, source, taken));
  const out = new Map<string, string>();
  for (const m of modules) out.set(m.file, m.text);
  const sorted = [...modules].sort((a, b) => a.file.localeCompare(b.file));
  const spdx = [...new Set(modules.map((m) => m.spdx))];
  const from = `packages/core/specs/{${modules.map((m) => m.file.replace(/\.ts$/, '.yaml')).join(',')}}`;
  const rtm = mergeNumbers('RTM', modules, (m) => m.msgTypes);
  const groups = mergeNumbers('RTNLGRP', modules, (m) => m.mcastGroups);
  const index = [
    header(from, spdx).trimEnd(),
    sorted.map((m) => `export * from './${m.file.replace(/\.ts$/, '')}';`).join('\n'),
    `/** RTM_* message types the specs name (${modules.map((m) => m.msgTypesConst).join(', ')}). */\n${constDecl(
      'RTM',
      obj(
        rtm.map(([k, v]) => ({ key: key(k), value: num(v) })),
        true,
      ),
      { asConst: true },
    )}`,
    `/** RTNLGRP_* multicast groups the specs name (${modules.flatMap((m) => m.mcastGroupsConst ?? []).join(', ')}). */\n${constDecl(
      'RTNLGRP',
      obj(
        groups.map(([k, v]) => ({ key: key(k), value: num(v) })),
        true,
      ),
      { asConst: true },
    )}`,
  ];
  out.set('index.ts', `${index.join('\n\n')}\n`);
  return out;
}

/** The generated files (name in `packages/core/src/wire/generated/` → contents), from the vendored specs. */
export function generate(): Map<string, string> {
  return generateFrom(new Map(SPEC_FILES.map((file) => [file, readFileSync(new URL(file, SPECS_DIR), 'utf8')])));
}

function main(): void {
  const files = generate();
  mkdirSync(OUT_DIR, { recursive: true });
  for (const existing of readdirSync(OUT_DIR)) {
    if (existing.endsWith('.ts') && !files.has(existing)) rmSync(new URL(existing, OUT_DIR));
  }
  for (const [name, text] of files) writeFileSync(new URL(name, OUT_DIR), text);
  console.log(`wrote ${[...files.keys()].join(', ')} to ${fileURLToPath(OUT_DIR)}`);
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) main();
