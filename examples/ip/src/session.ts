/** One connection to the server, with the lookups every command needs. */
import {
  AF,
  type DecodedMessage,
  decodeIfInfoMsg,
  encodeIfInfoMsg,
  IFLA,
  NETLINK_OPT,
  NetlinkStreamClient,
  NLM_F,
  NlMsgBuilder,
  RTM,
} from '@rtnlkit/core';

import { answerError, IpError } from './errors';

export class Session {
  private constructor(readonly client: NetlinkStreamClient) {}

  static async open(path: string): Promise<Session> {
    let client: NetlinkStreamClient;
    try {
      client = await NetlinkStreamClient.connect(path);
    } catch (error) {
      const code = (error as { code?: string }).code;
      throw new IpError(`Cannot connect to the rtnlkit server at ${path}: ${code ?? String(error)}`);
    }
    await client.setOption(NETLINK_OPT.EXT_ACK, 1);
    await client.setOption(NETLINK_OPT.GET_STRICT_CHK, 1);
    return new Session(client);
  }

  builder(type: number, flags: number): NlMsgBuilder {
    return new NlMsgBuilder(type, NLM_F.REQUEST | flags, this.client.nextSeq(), 0);
  }

  /** Sends a request; an error answer becomes the IpError iproute2 would print. */
  async call(message: Uint8Array): Promise<DecodedMessage[]> {
    const answer = await this.client.request(message);
    if (answer.errno !== 0) throw answerError(answer.errno, answer.extack);
    return answer.messages;
  }

  /** `ll_name_to_index()`: RTM_GETLINK by IFLA_IFNAME. */
  async ifindex(name: string): Promise<number> {
    const request = this.builder(RTM.GETLINK, 0)
      .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
      .string(IFLA.IFNAME, name);
    try {
      const [reply] = await this.call(request.finish());
      if (reply) return decodeIfInfoMsg(reply.bytes, 16).index;
    } catch (error) {
      // Any error answer means no such device, as for ll_name_to_index(); a lost connection does not.
      if (!(error instanceof IpError)) throw error;
    }
    throw new IpError(`Cannot find device "${name}"`);
  }

  /** Every link, as RTM_NEWLINK messages. */
  links(): Promise<DecodedMessage[]> {
    return this.call(
      this.builder(RTM.GETLINK, NLM_F.DUMP)
        .bytes(encodeIfInfoMsg({ family: AF.UNSPEC }))
        .finish(),
    );
  }

  close(): Promise<void> {
    return this.client.close();
  }
}
