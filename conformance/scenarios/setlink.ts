/**
 * RTM_SETLINK on lo: flags (up and down, `ifi_change`), mtu, alias, txqlen, group, and the errors
 * of a bad mtu and of a device that does not exist. Each scenario ends with a dump of every link,
 * so the whole state is compared; the notification scenarios join RTNLGRP_LINK.
 */
import { IFF, IFLA, NLM_F, RTM, RTNLGRP } from '@rtnlkit/core';
import { ifinfomsg, message } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;

const setlink = (
  seq: number,
  fields: Parameters<typeof ifinfomsg>[0],
  attrs?: (b: import('@rtnlkit/core').NlMsgBuilder) => void,
) =>
  message(RTM.SETLINK, REQ_ACK, seq, (b) => {
    b.bytes(ifinfomsg(fields));
    attrs?.(b);
  });

export const scenarios: Scenario[] = [
  {
    name: 'setlink-lo-up-down',
    description:
      'ip link set lo up, then down (ifi_flags with ifi_change IFF_UP): lo runs with operstate UNKNOWN while up and reports RUNNING and LOWER_UP; back down it is as before.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'lo up', send: setlink(1, { index: 1, flags: IFF.UP, change: IFF.UP }) },
      { title: 'getlink lo', send: message(RTM.GETLINK, NLM_F.REQUEST, 2, ifinfomsg({ index: 1 })) },
      { title: 'lo down', send: setlink(3, { index: 1, flags: 0, change: IFF.UP }) },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-lo-up-stays',
    description: 'ip link set lo up, by name, with ifi_change 0 (all flags): lo stays up for the state dump.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      {
        title: 'lo up by name, ifi_change 0',
        send: setlink(1, { flags: IFF.UP | IFF.LOOPBACK }, (b) => b.string(IFLA.IFNAME, 'lo')),
      },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-lo-mtu',
    description: 'ip link set lo mtu 1500, then the same mtu again (no change).',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'mtu 1500', send: setlink(1, { index: 1 }, (b) => b.u32(IFLA.MTU, 1500)) },
      { title: 'mtu 1500 again', send: setlink(2, { index: 1 }, (b) => b.u32(IFLA.MTU, 1500)) },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-lo-alias-txqlen-group',
    description: 'ip link set lo alias …, txqlen 500, group 7, then the alias cleared again with an empty one.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'alias', send: setlink(1, { index: 1 }, (b) => b.string(IFLA.IFALIAS, 'the loopback')) },
      { title: 'txqlen 500', send: setlink(2, { index: 1 }, (b) => b.u32(IFLA.TXQLEN, 500)) },
      { title: 'group 7', send: setlink(3, { index: 1 }, (b) => b.u32(IFLA.GROUP, 7)) },
      { title: 'getlink lo', send: message(RTM.GETLINK, NLM_F.REQUEST, 4, ifinfomsg({ index: 1 })) },
      { title: 'alias cleared', send: setlink(5, { index: 1 }, (b) => b.string(IFLA.IFALIAS, '')) },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-lo-errors',
    description:
      'RTM_SETLINK with an mtu that is negative as an int (EINVAL, "mtu less than device minimum"), with an mtu and an alias together (nothing changes), for an unknown index or name (ENODEV), and with neither (EINVAL).',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      { title: 'mtu 0x80000000', send: setlink(1, { index: 1 }, (b) => b.u32(IFLA.MTU, 0x80000000)) },
      { title: 'unknown index', send: setlink(2, { index: 99 }, (b) => b.u32(IFLA.MTU, 1500)) },
      { title: 'unknown name', send: setlink(3, {}, (b) => b.string(IFLA.IFNAME, 'nosuchdev').u32(IFLA.MTU, 1500)) },
      { title: 'neither index nor name', send: setlink(4, {}, (b) => b.u32(IFLA.MTU, 1500)) },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-lo-notifications',
    description:
      'RTNLGRP_LINK while lo goes up, changes mtu, alias and group, and goes down: the RTM_NEWLINK notifications (ifi_change, seq 0, port 0) of __dev_notify_flags, NETDEV_CHANGEMTU and netdev_state_change.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'], groups: [RTNLGRP.LINK] },
    steps: [
      { title: 'lo up', send: setlink(1, { index: 1, flags: IFF.UP, change: IFF.UP }) },
      { title: 'mtu 9000', send: setlink(2, { index: 1 }, (b) => b.u32(IFLA.MTU, 9000)) },
      { title: 'alias', send: setlink(3, { index: 1 }, (b) => b.string(IFLA.IFALIAS, 'lo alias')) },
      { title: 'group 3', send: setlink(4, { index: 1 }, (b) => b.u32(IFLA.GROUP, 3)) },
      { title: 'txqlen 10', send: setlink(5, { index: 1 }, (b) => b.u32(IFLA.TXQLEN, 10)) },
      { title: 'lo down', send: setlink(6, { index: 1, flags: 0, change: IFF.UP }) },
    ],
    state: ['links'],
  },
  {
    name: 'setlink-lo-echo',
    description: 'NLM_F_ECHO on RTM_SETLINK: do_setlink() notifies without the request, so nothing is echoed.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'] },
    steps: [
      {
        title: 'lo up, echo',
        send: message(RTM.SETLINK, REQ_ACK | NLM_F.ECHO, 1, ifinfomsg({ index: 1, flags: IFF.UP, change: IFF.UP })),
      },
    ],
    state: ['links'],
  },
];
