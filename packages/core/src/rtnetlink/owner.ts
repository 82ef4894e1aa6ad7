/**
 * The owner of a set of handlers: the model of a kernel module (`handler->owner`). Each request
 * pins it (`try_module_get`) while it runs; once it is going away, new requests are refused with
 * EPROTONOSUPPORT and its unload waits for the requests in flight.
 */
export class HandlerOwner {
  private refs = 0;
  private going = false;
  private idle: (() => void)[] = [];

  constructor(readonly name: string) {}

  /** `try_module_get()`: false once the owner is going away. */
  tryGet(): boolean {
    if (this.going) return false;
    this.refs += 1;
    return true;
  }

  /** `module_put()`. */
  put(): void {
    if (this.refs === 0) throw new Error(`${this.name}: put without get`);
    this.refs -= 1;
    if (this.refs === 0) for (const wake of this.idle.splice(0)) wake();
  }

  get inFlight(): number {
    return this.refs;
  }

  get unloading(): boolean {
    return this.going;
  }

  /** Refuses new requests from now on and resolves once the ones in flight are done. */
  unload(): Promise<void> {
    this.going = true;
    if (this.refs === 0) return Promise.resolve();
    return new Promise((resolve) => this.idle.push(resolve));
  }
}
