/** Typed errors of the finegrained strategy. */

/**
 * A handler or subsystem asked for a lock class that no subsystem declared: the finegrained
 * strategy cannot know its rank, so it cannot place it in the order. Declare the class first
 * (`Subsystem.lockClasses`, or `rtnl.declareLockClasses([...])`).
 */
export class UndeclaredLockClassError extends Error {
  override readonly name = 'UndeclaredLockClassError';
  constructor(
    /** The class that was asked for. */
    readonly className: string,
    /** The classes declared when it was asked for. */
    readonly declared: readonly string[],
  ) {
    super(
      `lock class ${className} is not declared (declared: ${declared.join(', ') || 'none'}); ` +
        "declare it in a subsystem's lockClasses or with declareLockClasses()",
    );
  }
}
