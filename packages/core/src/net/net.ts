/**
 * A network namespace as core sees it: an identity that sockets live in, that strategies lock
 * per namespace (the kernel's per-netns RTNL), and where subsystems keep their per-namespace
 * state (`net_generic`). Creating and destroying namespaces, pernet init/exit hooks and the
 * namespace list belong to the netns subsystem.
 */

let nextNetId = 1;

export class Net {
  /** Unique in the process; orders per-namespace locks (init_net first, then ascending ids). */
  readonly id: number;
  readonly name: string;
  /** `net_generic()`: per-subsystem state, keyed by something the subsystem owns. */
  private readonly generic = new Map<unknown, unknown>();

  constructor(name: string, options: { initNet?: boolean } = {}) {
    this.id = options.initNet ? 0 : nextNetId++;
    this.name = name;
  }

  /** True for the initial namespace. */
  get isInit(): boolean {
    return this.id === 0;
  }

  getGeneric<T>(key: object): T | undefined {
    return this.generic.get(key) as T | undefined;
  }

  setGeneric<T>(key: object, value: T): void {
    this.generic.set(key, value);
  }

  deleteGeneric(key: object): void {
    this.generic.delete(key);
  }

  toString(): string {
    return this.name;
  }
}

/** Orders namespaces the way `rtnl_net_lock_cmp_fn` does: init_net first, then a stable order. */
export function compareNets(a: unknown, b: unknown): number {
  return (a as Net).id - (b as Net).id;
}
