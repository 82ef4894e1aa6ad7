/**
 * How attribute sets and their validation policies are described: the shape the spec generator
 * (`scripts/gen-netlink-specs.ts`) emits into `generated/`, and what hand-written kernel policies
 * use. Modelled on the kernel's `struct nla_policy` (include/net/netlink.h).
 */

/** The kernel's NLA_* policy types that rtnetlink uses. */
export type NlaType =
  | 'unspec'
  | 'u8'
  | 'u16'
  | 'u32'
  | 'u64'
  | 's8'
  | 's16'
  | 's32'
  | 's64'
  | 'uint'
  | 'sint'
  | 'string'
  | 'nul-string'
  | 'binary'
  | 'flag'
  | 'nested'
  | 'nested-array'
  | 'reject'
  | 'bitfield32';

/** One attribute of a set, as the spec describes it and as validation checks it. */
export interface AttrSpec {
  /** Spec name without prefix, e.g. `ifname`. */
  readonly name: string;
  /** The attribute type number (`IFLA_IFNAME` = 3). */
  readonly type: number;
  /** What the kernel's policy checks (`nla_policy.type`). */
  readonly nla: NlaType;
  /**
   * `nla_policy.len`: for strings and binaries the maximum payload length (a string's NUL not
   * counted); for integers 0; for nests the maximum type of the nested set.
   */
  readonly len?: number;
  /** Minimum payload length (NLA_POLICY_MIN_LEN / exact-len checks). */
  readonly minLen?: number;
  /** Integer range (NLA_POLICY_RANGE / MIN / MAX). */
  readonly min?: number | bigint;
  readonly max?: number | bigint;
  /** NLA_POLICY_BITFIELD32(valid): the selector bits a bitfield32 may set. */
  readonly bitfield32Valid?: number;
  /** Kernel policy rejects this attribute with this extack (NLA_REJECT with `reject_message`). */
  readonly rejectMessage?: string;
  /**
   * For nests: the nested set (a thunk, since sets may refer to each other). `undefined` lets a
   * policy override drop it: the kernel's NLA_NESTED without a nested policy.
   */
  readonly nested?: (() => AttrSet) | undefined;
  /** For binaries carrying a fixed struct: its name in the spec's definitions. */
  readonly struct?: string;
  /** `byte-order: big-endian` in the spec (NLA_BE16/NLA_BE32 in the kernel). */
  readonly bigEndian?: boolean;
  /** The spec's display hint (`ipv4`, `mac`, `hex`, …): how tools print it. */
  readonly displayHint?: string;
  /** The spec's `enum`/`enum-as-flags`: the definition that names its values. */
  readonly enumName?: string;
  /** The attribute may appear several times (`multi-attr`). */
  readonly multi?: boolean;
  /** The spec's sub-message selector (`IFLA_INFO_DATA` is chosen by `IFLA_INFO_KIND`). */
  readonly subMessage?: string;
}

/** An attribute set: the kernel's `nla_policy[]` plus names. */
export interface AttrSet {
  readonly name: string;
  /** `maxtype`: attributes above it are unknown. */
  readonly maxType: number;
  /** Indexed by type number; holes are unknown to the policy (`NLA_UNSPEC`). */
  readonly byType: readonly (AttrSpec | undefined)[];
  readonly byName: Readonly<Record<string, AttrSpec>>;
}

/** Builds an {@link AttrSet} from its attributes (the generator's output calls this). */
export function defineAttrSet(name: string, attrs: readonly AttrSpec[]): AttrSet {
  const byType: (AttrSpec | undefined)[] = [];
  const byName: Record<string, AttrSpec> = {};
  let maxType = 0;
  for (const attr of attrs) {
    if (byType[attr.type] !== undefined) throw new TypeError(`${name}: two attributes with type ${attr.type}`);
    byType[attr.type] = attr;
    byName[attr.name] = attr;
    maxType = Math.max(maxType, attr.type);
  }
  return { name, maxType, byType, byName };
}

/**
 * Derives a set with some attributes' policies replaced or added: how a subsystem states the
 * kernel's exact `nla_policy` (e.g. `IFA_ADDRESS` is `NLA_U32` in devinet, `binary` in the spec).
 */
export function overridePolicy(
  base: AttrSet,
  changes: Readonly<Record<string, Partial<Omit<AttrSpec, 'name' | 'type'>> | null>>,
  options: { name?: string; maxType?: number } = {},
): AttrSet {
  const attrs: AttrSpec[] = [];
  for (const attr of base.byType) {
    if (!attr) continue;
    if (!(attr.name in changes)) {
      attrs.push(attr);
      continue;
    }
    const change = changes[attr.name];
    if (change === null) continue; // removed from the policy: unknown from now on
    attrs.push({ ...attr, ...change });
  }
  for (const name of Object.keys(changes)) {
    if (!(name in base.byName)) throw new TypeError(`${base.name} has no attribute ${name}`);
  }
  const set = defineAttrSet(options.name ?? base.name, attrs);
  return options.maxType === undefined ? set : { ...set, maxType: options.maxType };
}

/** A member of a fixed C struct (ifinfomsg, ifaddrmsg, rtmsg, …). */
export interface StructMember {
  readonly name: string;
  readonly kind: 'u8' | 'u16' | 'u32' | 'u64' | 's8' | 's16' | 's32' | 's64' | 'pad' | 'binary';
  /** Byte offset in the struct. */
  readonly offset: number;
  /** Bytes: 1/2/4/8 for integers, `len` for pads and binaries. */
  readonly size: number;
  readonly bigEndian?: boolean;
  readonly enumName?: string;
}

export interface StructSpec {
  readonly name: string;
  /** sizeof() on x86-64: members naturally aligned, trailing padding included. */
  readonly size: number;
  readonly members: readonly StructMember[];
}
