/**
 * IFLA_AF_SPEC in link requests, for what rtnlkit can check without a real af ops family (it
 * has none until devinet): families no af ops serves, and nests with nothing to do. Each
 * scenario ends with a dump of every link. rtnlkit writes no IFLA_AF_SPEC in its answers while
 * no family is registered, and conformance does not cover the kernel's (AF_INET, AF_INET6).
 */
import { IFLA, IFLA_INFO, NLM_F, type NlMsgBuilder, RTM, RTNLGRP } from '@rtnlkit/core';
import { ifinfomsg, message } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
/** A family number no Linux af ops uses. */
const AF_NONE = 200;

const link = (type: number, flags: number, seq: number, index: number, attrs: (b: NlMsgBuilder) => void) =>
  message(type, flags, seq, (b) => {
    b.bytes(ifinfomsg({ index }));
    attrs(b);
  });

/** IFLA_AF_SPEC with one family nest holding a u32 attribute 1. */
const unknownFamily = (b: NlMsgBuilder) =>
  b.beginNest(IFLA.AF_SPEC, false).beginNest(AF_NONE, false).u32(1, 1).endNest().endNest();

export const scenarios: Scenario[] = [
  {
    name: 'af-spec-setlink',
    description:
      'IFLA_AF_SPEC in RTM_SETLINK on lo: a family no af ops serves (EAFNOSUPPORT from validate_linkmsg, the mtu beside it unchanged), an empty IFLA_AF_SPEC, and one whose only family header claims more bytes than there are (nla_for_each_nested stops: nothing to do). One shorter than a header is left out: Linux answers ERANGE with NLMSGERR_ATTR_POLICY, a TLV rtnlkit does not write yet.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'], groups: [RTNLGRP.LINK] },
    steps: [
      {
        title: 'mtu 1500 and family 200',
        send: link(RTM.SETLINK, REQ_ACK, 1, 1, (b) => {
          b.u32(IFLA.MTU, 1500);
          unknownFamily(b);
        }),
      },
      {
        title: 'empty af-spec',
        send: link(RTM.SETLINK, REQ_ACK, 2, 1, (b) => b.attr(IFLA.AF_SPEC, new Uint8Array(0))),
      },
      {
        title: 'a family header longer than the nest',
        send: link(RTM.SETLINK, REQ_ACK, 3, 1, (b) => b.attr(IFLA.AF_SPEC, Uint8Array.of(0xff, 0, AF_NONE, 0, 0, 0))),
      },
      { title: 'NEWLINK on lo, family 200', send: link(RTM.NEWLINK, REQ_ACK, 4, 1, unknownFamily) },
    ],
    state: ['links'],
  },
  {
    name: 'af-spec-newlink-create',
    description:
      'ip link add of a bridge with IFLA_AF_SPEC: a family no af ops serves is refused by validate_linkmsg in rtnl_create_link (EAFNOSUPPORT), before the mtu is checked, and nothing is created; an empty IFLA_AF_SPEC creates the bridge.',
    socket: { admin: true, options: ['NETLINK_EXT_ACK'], groups: [RTNLGRP.LINK] },
    steps: [
      {
        title: 'br0 with mtu 70000 and family 200',
        send: link(RTM.NEWLINK, REQ_ACK | NLM_F.CREATE | NLM_F.EXCL, 1, 0, (b) => {
          b.string(IFLA.IFNAME, 'br0').u32(IFLA.MTU, 70000);
          b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'bridge'));
          unknownFamily(b);
        }),
      },
      {
        title: 'br0 with an empty af-spec',
        send: link(RTM.NEWLINK, REQ_ACK | NLM_F.CREATE | NLM_F.EXCL, 2, 0, (b) => {
          b.string(IFLA.IFNAME, 'br0');
          b.nest(IFLA.LINKINFO, (n) => n.string(IFLA_INFO.KIND, 'bridge'));
          b.attr(IFLA.AF_SPEC, new Uint8Array(0));
        }),
      },
    ],
    state: ['links'],
  },
];
