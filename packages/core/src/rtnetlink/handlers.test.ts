import { describe, expect, it } from 'vitest';
import { AF, RTNL_FLAG } from '../wire/constants';
import { RTM } from '../wire/generated';
import { HandlerTable } from './handlers';
import { HandlerOwner } from './owner';

const noop = () => {};
const dump = () => false;

describe('HandlerTable', () => {
  it('merges a doit and a dumpit registered separately for one slot, OR-ing the flags', () => {
    const table = new HandlerTable();
    table.register({
      family: AF.INET,
      type: RTM.GETROUTE,
      doit: noop,
      flags: RTNL_FLAG.DOIT_UNLOCKED,
      locks: ['rtnl'],
    });
    table.register({
      family: AF.INET,
      type: RTM.GETROUTE,
      dumpit: dump,
      flags: RTNL_FLAG.DUMP_UNLOCKED,
      locks: ['fib'],
    });
    const entry = table.get(AF.INET, RTM.GETROUTE);
    expect(entry?.doit).toBe(noop);
    expect(entry?.dumpit).toBe(dump);
    expect(entry?.flags).toBe(RTNL_FLAG.DOIT_UNLOCKED | RTNL_FLAG.DUMP_UNLOCKED);
    expect(entry?.locks).toEqual(['rtnl', 'fib']);
    expect(Object.isFrozen(entry)).toBe(true);
  });

  it('refuses conflicting callbacks or owners, bad types and BULK_DEL_SUPPORTED on a non-DEL type', () => {
    const table = new HandlerTable();
    table.register({ family: AF.INET, type: RTM.NEWROUTE, doit: noop, owner: new HandlerOwner('a') });
    expect(() => table.register({ family: AF.INET, type: RTM.NEWROUTE, doit: () => {} })).toThrow(/already has a doit/);
    expect(() => table.register({ family: AF.INET, type: RTM.NEWROUTE, owner: new HandlerOwner('b') })).toThrow(
      /owned by a/,
    );
    expect(() => table.register({ family: AF.INET, type: 124, doit: noop })).toThrow(TypeError);
    expect(() => table.register({ family: 130, type: RTM.NEWROUTE, doit: noop })).toThrow(TypeError);
    expect(() =>
      table.register({ family: AF.INET, type: RTM.NEWADDR, doit: noop, flags: RTNL_FLAG.BULK_DEL_SUPPORTED }),
    ).toThrow(/not a DEL/);
    expect(table.get(AF.INET, RTM.NEWADDR)).toBeUndefined();
  });

  it('registers many all or nothing, and the returned function restores what was there', () => {
    const table = new HandlerTable();
    table.register({ family: AF.INET, type: RTM.GETADDR, dumpit: dump });
    expect(() =>
      table.registerMany([
        { family: AF.INET, type: RTM.NEWADDR, doit: noop },
        { family: AF.INET, type: RTM.GETADDR, dumpit: () => true },
      ]),
    ).toThrow(/already has a dumpit/);
    expect(table.get(AF.INET, RTM.NEWADDR)).toBeUndefined();
    const unregister = table.registerMany([
      { family: AF.INET, type: RTM.NEWADDR, doit: noop },
      { family: AF.INET, type: RTM.GETADDR, doit: noop },
    ]);
    expect(table.get(AF.INET, RTM.GETADDR)?.doit).toBe(noop);
    unregister();
    expect(table.get(AF.INET, RTM.NEWADDR)).toBeUndefined();
    expect(table.get(AF.INET, RTM.GETADDR)?.doit).toBeUndefined();
    expect(table.get(AF.INET, RTM.GETADDR)?.dumpit).toBe(dump);
    unregister();
    expect(table.get(AF.INET, RTM.GETADDR)?.dumpit).toBe(dump);
  });

  it('unregisters one slot or a whole family', () => {
    const table = new HandlerTable();
    table.registerMany([
      { family: AF.INET, type: RTM.NEWROUTE, doit: noop },
      { family: AF.INET, type: RTM.DELROUTE, doit: noop },
      { family: AF.UNSPEC, type: RTM.GETLINK, dumpit: dump },
    ]);
    expect(table.unregister(AF.INET, RTM.NEWROUTE)).toBe(true);
    expect(table.unregister(AF.INET, RTM.NEWROUTE)).toBe(false);
    table.unregisterAll(AF.INET);
    expect(table.list().map((e) => [e.family, e.type])).toEqual([[AF.UNSPEC, RTM.GETLINK]]);
  });
});
