/**
 * Attributes that fail their policy: the kernel answers with the errno and extack of
 * `validate_nla()` and describes the policy the attribute failed in NLMSGERR_ATTR_POLICY (a nest
 * of NL_POLICY_TYPE_ATTR_*: the attribute type, its length or value limits), which tools such as
 * ynl print as "expected …". Compared byte for byte.
 */
import { AF, IFA, IFLA, NLM_F, RTA, RTM } from '@rtnlkit/core';
import { addIfbMessage, addrAttrs, linkMessage, message, routeMessage, rtmsg } from '../harness/build';
import type { Scenario } from '../harness/types';

const REQ_ACK = NLM_F.REQUEST | NLM_F.ACK;
const EXCL = REQ_ACK | NLM_F.CREATE | NLM_F.EXCL;
const EXT_ACK = { admin: true, options: ['NETLINK_EXT_ACK'] } as const;
const STRICT = { admin: true, options: ['NETLINK_EXT_ACK', 'NETLINK_GET_STRICT_CHK'] } as const;
const IFB0 = 2;

export const scenarios: Scenario[] = [
  {
    name: 'policy-errors-doit',
    description:
      'Attributes too long or too short for their policy in link, address and route requests: "Attribute failed policy validation" with the offset and NLMSGERR_ATTR_POLICY (string max length, u32 range); none changes anything.',
    socket: EXT_ACK,
    setup: [addIfbMessage(0xf0001, 'ifb0')],
    steps: [
      {
        title: 'ip link add with a 17-byte IFLA_IFNAME',
        send: linkMessage(RTM.NEWLINK, EXCL, 1, {}, (b) => b.string(IFLA.IFNAME, 'abcdefghijklmnopq')),
      },
      {
        title: 'ip link set ifb0 with a 2-byte IFLA_MTU',
        send: linkMessage(RTM.SETLINK, REQ_ACK, 2, { index: IFB0 }, (b) => b.u16(IFLA.MTU, 1400)),
      },
      {
        title: 'ip addr add with a 16-byte IFA_LABEL',
        send: message(RTM.NEWADDR, EXCL, 3, (b) => {
          addrAttrs({ local: '10.0.0.1' })(b);
          b.string(IFA.LABEL, 'ifb0:0123456789a');
        }),
      },
      {
        title: 'ip addr add with a 2-byte IFA_RT_PRIORITY',
        send: message(RTM.NEWADDR, EXCL, 4, (b) => {
          addrAttrs({ local: '10.0.0.1' })(b);
          b.u16(IFA.RT_PRIORITY, 7);
        }),
      },
      {
        title: 'ip route add with a 2-byte RTA_OIF',
        send: routeMessage(RTM.NEWROUTE, EXCL, 5, { dst: '10.1.0.0', len: 16 }, (b) => b.u16(RTA.OIF, IFB0)),
      },
    ],
    state: ['links', 'addresses', 'routes'],
  },
  {
    name: 'policy-errors-strict-get',
    description:
      'A strict route get (NETLINK_GET_STRICT_CHK) with a 2-byte RTA_DST: "invalid attribute length" with the u32 policy in NLMSGERR_ATTR_POLICY.',
    socket: STRICT,
    steps: [
      {
        title: 'ip route get with a 2-byte RTA_DST',
        send: message(RTM.GETROUTE, NLM_F.REQUEST, 1, (b) => {
          b.bytes(rtmsg({ family: AF.INET, dstLen: 32 }));
          b.u16(RTA.DST, 0x0a00);
        }),
      },
    ],
  },
];
